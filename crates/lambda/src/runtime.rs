//! Hosting in AWS Lambda: `lambda_http::run` over one privilege set's part of the router,
//! with the caller taken from the claims API Gateway's JWT authorizer verified.

use crate::auth::Caller;
use crate::error::Problem;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lambda_http::request::RequestContext;
use sendready_core::Code;
use std::collections::HashMap;
use std::sync::Arc;

/// The claims of the HTTP API's JWT authorizer, from the Lambda event's request context.
pub fn authorizer_claims(req: &Request) -> Option<HashMap<String, serde_json::Value>> {
    match req.extensions().get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => {
            let jwt = ctx.authorizer.as_ref()?.jwt.as_ref()?;
            Some(
                jwt.claims
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            )
        }
        #[allow(
            unreachable_patterns,
            reason = "other event sources when their features are on"
        )]
        _ => None,
    }
}

/// Middleware: the authorizer's claims become the request's [`Caller`]; a request with
/// none (a route deployed without the authorizer) is 401 before any handler runs.
pub async fn caller_from_authorizer(
    State(tenant_claim): State<Arc<str>>,
    mut req: Request,
    next: Next,
) -> Response {
    match authorizer_claims(&req).and_then(|c| Caller::from_claims(&c, &tenant_claim)) {
        Some(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        None => Problem::new(
            StatusCode::UNAUTHORIZED,
            Code::AuthMissing,
            format!("The authorizer passed no `{tenant_claim}` claim naming the tenant."),
        )
        .into_response(),
    }
}

/// The routes of one function with the authorizer middleware, ready for `lambda_http::run`.
pub fn app<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    state: S,
    tenant_claim: &str,
) -> Router {
    routes
        .with_state(state)
        .layer(middleware::from_fn_with_state(
            Arc::<str>::from(tenant_claim),
            caller_from_authorizer,
        ))
}

/// What every function starts with: JSON logs, the configuration from the environment,
/// and the adapters over the SDK's configuration.
pub async fn start() -> Result<(crate::config::Config, crate::state::Aws), lambda_http::Error> {
    init_logs();
    let config = crate::config::Config::from_env()?;
    let conf = crate::adapters::sdk::sdk_config().await;
    let aws = crate::state::Aws::from_config(&conf, &config);
    Ok((config, aws))
}

/// Logs as JSON lines (CloudWatch), level from `RUST_LOG` (default `info`).
pub fn init_logs() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .without_time()
        .init();
}

/// Runs one function: `routes` over `state`, the caller from the claim `tenant_claim`
/// names ([`crate::config::Config::tenant_claim`]).
pub async fn run<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    state: S,
    tenant_claim: &str,
) -> Result<(), lambda_http::Error> {
    lambda_http::run(app(routes, state, tenant_claim)).await
}
