//! Extractors: the JSON body (a problem+json 400 naming the field on any mistake) and the
//! SMTP routes' body. The caller is [`crate::auth::Caller`].

use crate::error::Problem;
use crate::service::smtp::SmtpRequest;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sendready_core::{Code, Issue, Severity};
use serde::de::DeserializeOwned;

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

/// Reads `T` from a JSON value; a type error names the field by its path, and a field
/// `T` does not have is 400 `body-unknown-field` naming each (never dropped silently:
/// `bcc` left out of a message would be a message sent without the copy asked for).
fn read<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, Problem> {
    let mut unknown: Vec<String> = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| {
        // `zuora.?.socketFactoryPrt`: the `?` is an Option's Some, not a field.
        let path = path
            .to_string()
            .split('.')
            .filter(|p| *p != "?")
            .collect::<Vec<_>>()
            .join(".");
        if unknown.len() < MAX_UNKNOWN {
            unknown.push(path);
        }
    };
    let de = serde_ignored::Deserializer::new(v, &mut note);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        bad_body(&field, &e.into_inner().to_string())
    })?;
    if unknown.is_empty() {
        Ok(value)
    } else {
        Err(unknown_fields(&unknown))
    }
}

/// The most unknown fields named in one answer.
const MAX_UNKNOWN: usize = 20;

/// 400 `body-unknown-field`, an issue per field.
fn unknown_fields(fields: &[String]) -> Problem {
    let list = fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut p = Problem::new(
        StatusCode::BAD_REQUEST,
        Code::BodyUnknownField,
        format!(
            "The body has {list}, which this route does not take: nothing was done. Remove it or check its spelling; the fields each route takes are in infra/openapi.yaml."
        ),
    );
    for f in fields {
        p.issues.push(Issue {
            field: f.clone(),
            code: Code::BodyUnknownField,
            severity: Severity::Error,
            message: format!(
                "`{f}` is not a field of this request; remove it or check its spelling."
            ),
        });
    }
    p
}

pub(crate) fn bad_body(field: &str, why: &str) -> Problem {
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
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(
            status,
            Code::InputTooLarge,
            format!(
                "The body is larger than the {} KiB a request may carry; send only the fields the route takes.",
                BODY_LIMIT / 1024
            ),
        );
    }
    let mut p = bad_body("body", &e.body_text());
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        p.status = status.as_u16();
    }
    p
}

/// The most bytes a request body may have (the largest the API takes, an SMTP form with
/// its additional headers, is well under it).
pub const BODY_LIMIT: usize = 32 * 1024;

/// The SMTP routes' body: the settings form, with `accessToken` and `to` taken out first
/// so a type error in the form still names its field's path.
pub struct SmtpBody(pub SmtpRequest);

impl<S: Send + Sync> FromRequest<S> for SmtpBody {
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
        Ok(SmtpBody(SmtpRequest {
            settings,
            access_token,
            to,
        }))
    }
}
