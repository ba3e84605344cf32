//! `POST /v1/identities/{identity}/test-email`: SES test mail from one of the tenant's
//! identities.

use crate::auth::Caller;
use crate::error::Problem;
use crate::extract::Body;
use crate::service::test_mail::{Sent, TestEmail, TestMail};
use axum::extract::{FromRef, Path, State};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

async fn send(
    State(mail): State<Arc<TestMail>>,
    caller: Caller,
    Path(identity): Path<String>,
    Body(req): Body<TestEmail>,
) -> Result<Json<Sent>, Problem> {
    Ok(Json(mail.send(&caller.tenant, &identity, req).await?))
}

/// The SES test-mail route.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<TestMail>: FromRef<S>,
{
    Router::new().route("/v1/identities/{identity}/test-email", post(send))
}
