//! The HTTP API: one axum [`Router`] for Lambda and for the local server alike.
//! Handlers are thin: read the body, check it with the core, call an adapter, map the
//! outcome. Every route is tenant-scoped through [`Caller`].

use crate::auth::Caller;
use crate::problem::Problem;
use crate::registry::Registry;
use crate::smtp::{self, Outcome, Secret, SmtpOptions};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sendready_core::address::{AddressOptions, check_address};
use sendready_core::smtp::{AuthMethod, SmtpSettings, check_smtp_settings};
use sendready_core::{Code, Issue, Severity};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// What the handlers share: adapters and settings.
#[derive(Clone, Debug)]
pub struct AppState {
    /// How SMTP checks connect.
    pub smtp: Arc<SmtpOptions>,
    /// SES and the tenant registry; absent in the SMTP-check function, which has no AWS
    /// permissions.
    pub aws: Option<Arc<AwsClients>>,
    /// The resolver for live DNS checks.
    pub dns: Option<Arc<crate::dnscheck::Dns>>,
}

/// The AWS side of the state.
#[derive(Clone, Debug)]
pub struct AwsClients {
    /// SES v2.
    pub ses: aws_sdk_sesv2::Client,
    /// The tenant registry (DynamoDB).
    pub registry: Registry,
    /// Route 53.
    pub route53: aws_sdk_route53::Client,
    /// The hosted zones this deployment may change (empty: any the role allows).
    pub hosted_zones: Vec<String>,
    /// The region SES runs in (for regional DKIM domains).
    pub region: Option<String>,
}

impl AwsClients {
    /// Clients from an SDK configuration and the table name.
    pub fn new(conf: &aws_config::SdkConfig, table: &str) -> Self {
        AwsClients {
            ses: aws_sdk_sesv2::Client::new(conf),
            registry: Registry::new(aws_sdk_dynamodb::Client::new(conf), table),
            route53: aws_sdk_route53::Client::new(conf),
            hosted_zones: Vec::new(),
            region: conf.region().map(ToString::to_string),
        }
    }
}

impl AppState {
    fn aws(&self) -> Result<&AwsClients, Problem> {
        self.aws.as_deref().ok_or_else(|| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::AwsUnavailable,
                "This function is deployed without AWS clients; route identity calls to the identities function.",
            )
        })
    }

    /// The SES client.
    pub fn ses(&self) -> Result<&aws_sdk_sesv2::Client, Problem> {
        self.aws().map(|a| &a.ses)
    }

    /// The tenant registry.
    pub fn registry(&self) -> Result<&Registry, Problem> {
        self.aws().map(|a| &a.registry)
    }

    /// The live-DNS resolver.
    pub fn dns(&self) -> Result<&crate::dnscheck::Dns, Problem> {
        self.dns.as_deref().ok_or_else(|| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::DnsLookupFailed,
                "This function has no DNS resolver configured.",
            )
        })
    }

    /// The Route 53 client.
    pub fn route53(&self) -> Result<&aws_sdk_route53::Client, Problem> {
        self.aws().map(|a| &a.route53)
    }

    /// True when the deployment may change this hosted zone.
    pub fn zone_allowed(&self, id: &str) -> bool {
        self.aws.as_deref().is_some_and(|a| {
            a.hosted_zones.is_empty()
                || a.hosted_zones
                    .iter()
                    .any(|z| z.trim_start_matches("/hostedzone/") == id)
        })
    }

    /// The SES region, when known.
    pub fn region(&self) -> Option<&str> {
        self.aws.as_deref().and_then(|a| a.region.as_deref())
    }
}

/// A JSON body whose rejection is a problem+json 400 naming the field (`port`,
/// `zuora.socketFactoryPort`).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = json_object(req, state).await?;
        read(value).map(Body).map_err(IntoResponse::into_response)
    }
}

/// The request body as a JSON object, or a 400/415 problem.
async fn json_object<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<serde_json::Value, Response> {
    match Json::<serde_json::Value>::from_request(req, state).await {
        Ok(Json(v @ serde_json::Value::Object(_))) => Ok(v),
        Ok(Json(_)) => Err(bad_body("body", "the body must be a JSON object").into_response()),
        Err(e) => Err(body_problem(&e).into_response()),
    }
}

/// Reads `T` from a JSON value; a type error names the field by its path.
fn read<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        bad_body(&field, &e.into_inner().to_string())
    })
}

fn bad_body(field: &str, why: &str) -> Problem {
    let message = format!("`{field}` cannot be read: {why}.");
    let mut p = Problem::new(
        StatusCode::BAD_REQUEST,
        Code::InputInvalid,
        format!("{message} The API reference is infra/openapi.yaml."),
    );
    p.issues.push(Issue {
        field: field.to_owned(),
        code: Code::InputInvalid,
        severity: Severity::Error,
        message,
    });
    p
}

fn body_problem(e: &JsonRejection) -> Problem {
    let status = e.status();
    let mut p = bad_body("body", &e.body_text());
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        p.status = status.as_u16();
    }
    p
}

/// The body of the SMTP routes: the settings form (camelCase, as the wasm package takes
/// it), plus `accessToken` for OAuth 2.0 and, for a test message, `to`.
#[derive(Debug)]
pub struct SmtpRequest {
    /// The settings, as the form holds them.
    pub settings: SmtpSettings,
    /// XOAUTH2 access token (OAuth 2.0 only); never stored or logged.
    pub access_token: Option<String>,
    /// The recipient of a test message.
    pub to: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for SmtpRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut value = json_object(req, state).await?;
        let mut take = |key: &'static str| -> Result<Option<String>, &'static str> {
            match value.as_object_mut().and_then(|o| o.remove(key)) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(key),
            }
        };
        let not_string = |key: &str| bad_body(key, "expected a string").into_response();
        let access_token = take("accessToken").map_err(not_string)?;
        let to = take("to").map_err(not_string)?;
        let settings = read(value).map_err(IntoResponse::into_response)?;
        Ok(SmtpRequest {
            settings,
            access_token,
            to,
        })
    }
}

/// Checks the settings with the core and picks the secret; a 400 problem otherwise.
fn prepare(
    req: SmtpRequest,
    opts: &SmtpOptions,
) -> Result<(sendready_core::smtp::SmtpConfig, Option<Secret>), Problem> {
    let mut settings = req.settings;
    // The server decides whether private hosts are reachable, never the request.
    settings.allow_private_host = opts.allow_private;
    let report = check_smtp_settings(&settings);
    let config = Problem::accepted(report)?;
    let secret = match config.authentication {
        AuthMethod::None => None,
        AuthMethod::Password => match settings.password {
            Some(p) if !p.is_empty() => Some(Secret::new(p)),
            _ => {
                return Err(Problem::field(
                    "password",
                    Code::SmtpPasswordMissing,
                    "Send the password to test with: the API does not keep saved passwords.",
                ));
            }
        },
        AuthMethod::Oauth2 => match req.access_token {
            Some(t) if !t.is_empty() => Some(Secret::new(t)),
            _ => {
                return Err(Problem::field(
                    "accessToken",
                    Code::SmtpOauth2TokenMissing,
                    "Send the OAuth 2.0 access token the provider issued for this mailbox; the test signs in with XOAUTH2.",
                ));
            }
        },
    };
    Ok((config, secret))
}

async fn smtp_check(
    State(st): State<AppState>,
    caller: Caller,
    req: SmtpRequest,
) -> Result<Json<Outcome>, Problem> {
    let (config, secret) = prepare(req, &st.smtp)?;
    tracing::info!(tenant = %caller.tenant, host = %config.host.ascii, port = config.port, security = ?config.security, "smtp check");
    let out = smtp::check(&config, secret.as_ref(), &st.smtp).await;
    tracing::info!(tenant = %caller.tenant, ok = out.ok, code = ?out.diagnosis.as_ref().map(|d| d.code), "smtp check done");
    Ok(Json(out))
}

async fn smtp_test_email(
    State(st): State<AppState>,
    caller: Caller,
    req: SmtpRequest,
) -> Result<Json<Outcome>, Problem> {
    let to = check_address(
        req.to.as_deref().unwrap_or_default(),
        AddressOptions::default(),
    );
    let Some(to) = to.value.filter(|_| to.valid) else {
        let issues = to
            .issues
            .into_iter()
            .map(|mut i| {
                "to".clone_into(&mut i.field);
                i
            })
            .collect();
        return Err(Problem::invalid(issues));
    };
    let (config, secret) = prepare(req, &st.smtp)?;
    if config.from.is_none() {
        return Err(Problem::field(
            "fromAddress",
            Code::SmtpFromMissing,
            "Enter the From address the test message is sent from.",
        ));
    }
    tracing::info!(tenant = %caller.tenant, host = %config.host.ascii, port = config.port, "smtp test email");
    let out = smtp::send_test(&config, secret.as_ref(), &to, &st.smtp).await;
    tracing::info!(tenant = %caller.tenant, ok = out.ok, code = ?out.diagnosis.as_ref().map(|d| d.code), "smtp test email done");
    Ok(Json(out))
}

/// The SMTP-check function's routes (network egress only, no AWS permissions).
pub fn smtp_check_routes() -> Router<AppState> {
    Router::new().route("/v1/smtp/check", post(smtp_check))
}

/// The test-mail function's routes (`ses:SendEmail`, reading the tenant table, egress).
pub fn test_mail_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/smtp/test-email", post(smtp_test_email))
        .route(
            "/v1/identities/{identity}/test-email",
            post(crate::sestest::send),
        )
}

/// The identities function's routes (SES identity calls, Route 53, the tenant table).
pub fn identity_routes() -> Router<AppState> {
    crate::identities::routes()
}

/// The whole API (the local server; in AWS each function serves its part).
pub fn router(state: AppState) -> Router {
    smtp_check_routes()
        .merge(test_mail_routes())
        .merge(identity_routes())
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        Code::InputInvalid,
        "No such route; the API reference is infra/openapi.yaml.",
    )
}
