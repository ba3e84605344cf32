//! `POST /v1/messages`: the route a platform's notification service calls (scope
//! `sendready/send`) to deliver one message for a tenant, at most once per
//! `Idempotency-Key`.

use crate::auth::{Caller, SEND_SCOPE};
use crate::error::Problem;
use crate::extract::Body;
use crate::service::messages::Messages;
use axum::extract::{FromRef, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use sendready_core::api::{SendMessage, SentMessage};
use std::sync::Arc;

async fn send(
    State(svc): State<Arc<Messages>>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<SendMessage>,
) -> Result<Json<SentMessage>, Problem> {
    caller.require_scope(SEND_SCOPE, "Sending a message")?;
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{FFFD}"));
    Ok(Json(svc.send(&caller.tenant, key, req).await?))
}

/// The send route.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Messages>: FromRef<S>,
{
    Router::new().route("/v1/messages", post(send))
}
