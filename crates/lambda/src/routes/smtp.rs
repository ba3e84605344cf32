//! `POST /v1/smtp/check` and `POST /v1/smtp/test-email`: a customer's SMTP server, tested
//! for real.

use crate::auth::Caller;
use crate::error::Problem;
use crate::extract::SmtpBody;
use crate::ports::smtp::Outcome;
use crate::service::smtp::Smtp;
use axum::extract::{FromRef, State};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

async fn check(
    State(smtp): State<Arc<Smtp>>,
    caller: Caller,
    SmtpBody(req): SmtpBody,
) -> Result<Json<Outcome>, Problem> {
    Ok(Json(smtp.check(&caller.tenant, req).await?))
}

async fn test_email(
    State(smtp): State<Arc<Smtp>>,
    caller: Caller,
    SmtpBody(req): SmtpBody,
) -> Result<Json<Outcome>, Problem> {
    Ok(Json(smtp.test_email(&caller.tenant, req).await?))
}

/// `POST /v1/smtp/check`.
pub fn check_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Smtp>: FromRef<S>,
{
    Router::new().route("/v1/smtp/check", post(check))
}

/// `POST /v1/smtp/test-email`.
pub fn test_email_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Smtp>: FromRef<S>,
{
    Router::new().route("/v1/smtp/test-email", post(test_email))
}
