//! Routes: one file per resource, each handler extracting the caller and body, calling a
//! service and answering. This file assembles them: each Lambda function's part (split
//! by privilege) and the whole API for the local server.

pub mod identities;
pub mod smtp;
pub mod tenant;
pub mod test_mail;

use crate::error::Problem;
use crate::service::identities::Identities;
use crate::service::smtp::Smtp;
use crate::service::test_mail::TestMail;
use crate::state::AppState;
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use sendready_core::Code;
use std::sync::Arc;

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
        Code::RouteNotFound,
        "No such route; the API reference is infra/openapi.yaml.",
    )
}
