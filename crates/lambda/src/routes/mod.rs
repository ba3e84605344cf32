//! Routes: one file per resource, each handler extracting the caller and body, calling a
//! service and answering. This file assembles them: each Lambda function's part (split
//! by privilege) and the whole API for the local server.

pub mod identities;
pub mod messages;
pub mod settings;
pub mod smtp;
pub mod tenant;
pub mod test_mail;

use crate::error::Problem;
use crate::extract::BODY_LIMIT;
use crate::service::identities::Identities;
use crate::service::messages::Messages;
use crate::service::settings::Settings;
use crate::service::smtp::Smtp;
use crate::service::test_mail::TestMail;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use sendready_core::Code;
use std::sync::Arc;
use std::time::Duration;

/// The SMTP-check function's routes (network egress only, no AWS permissions).
pub fn smtp_check_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Smtp>: FromRef<S>,
{
    smtp::check_routes()
}

/// The test-mail function's routes (`ses:SendEmail`, reading the tenant table, egress).
pub fn test_mail_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Smtp>: FromRef<S>,
    Arc<TestMail>: FromRef<S>,
{
    smtp::test_email_routes().merge(test_mail::routes())
}

/// The identities function's routes (SES identity calls, Route 53, the tenant table).
pub fn identity_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Identities>: FromRef<S>,
{
    identities::routes().merge(tenant::routes())
}

/// The settings function's routes (the tenant table, KMS for the tenant's secrets, SES
/// reads for the sender, SMTP egress for "Test connection and save").
pub fn settings_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Settings>: FromRef<S>,
{
    settings::routes()
}

/// The send function's routes (the tenant table, KMS to open the SMTP secrets, SES
/// identity reads and `SendEmail`, SMTP egress).
pub fn send_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Messages>: FromRef<S>,
{
    messages::routes()
}

/// The whole API (the local server; in AWS each function serves its part), bounded by
/// the default deadline.
pub fn router(state: AppState) -> Router {
    router_with(state, DEFAULT_DEADLINE)
}

/// The whole API with a request deadline.
pub fn router_with(state: AppState, deadline: Duration) -> Router {
    bounded(
        smtp_check_routes()
            .merge(test_mail_routes())
            .merge(identity_routes())
            .merge(settings_routes())
            .merge(send_routes()),
        deadline,
    )
    .with_state(state)
}

/// The deadline of a request when the configuration names none: under the functions'
/// 30 s timeout, so a slow dependency ends in an answer, not a killed function.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(25);

/// Bounds every request of `routes`: a body of at most [`BODY_LIMIT`] bytes (413
/// `input-too-large` beyond) and a whole-request `deadline` (503 `request-timeout`); an
/// unknown path (404) or method (405) is a problem+json too.
pub fn bounded<S>(routes: Router<S>, deadline: Duration) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(move |req: Request, next: Next| async move {
            if let Ok(res) = tokio::time::timeout(deadline, next.run(req)).await {
                return res;
            }
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::RequestTimeout,
                format!(
                    "The request did not finish within {} s. What it started may have finished: read the resource before trying again.",
                    deadline.as_secs_f32()
                ),
            );
            p.retry_after = Some(5);
            p.into_response()
        }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::RouteNotFound,
        "This path has no route for this method; the API reference is infra/openapi.yaml.",
    )
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        Code::RouteNotFound,
        "No such route; the API reference is infra/openapi.yaml.",
    )
}
