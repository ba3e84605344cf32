//! `POST /v1/messages`: the route a platform's notification service calls (scope
//! `sendready/send`) to deliver one message for a tenant, at most once per
//! `Idempotency-Key`; with `Prefer: respond-async` (RFC 7240 §4.1) and a send queue, it
//! queues the message and answers 202 with its id, `Location` and `Preference-Applied`.
//! `GET /v1/messages/{messageId}`: where a queued message got to.

use crate::auth::{Caller, SEND_SCOPE};
use crate::error::Problem;
use crate::extract::Body;
use crate::service::messages::{Answer, Messages};
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sendready_core::api::{QueuedMessage, SendMessage};
use std::sync::Arc;

/// True when a `Prefer` header asks for `respond-async` (RFC 7240 §2: a comma-separated
/// list of preferences, each a token with optional `=value` and `;` parameters, the
/// token case-insensitive).
pub fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.split([';', '=']).next().unwrap_or_default().trim())
        .any(|token| token.eq_ignore_ascii_case("respond-async"))
}

/// 202 with the queued message, its status route in `Location`.
fn accepted(queued: QueuedMessage) -> Response {
    let location = HeaderValue::from_str(&queued.status_url).ok();
    let mut r = (StatusCode::ACCEPTED, Json(queued)).into_response();
    if let Some(l) = location {
        r.headers_mut().insert(header::LOCATION, l);
    }
    r.headers_mut().insert(
        "preference-applied",
        HeaderValue::from_static("respond-async"),
    );
    r
}

async fn send(
    State(svc): State<Arc<Messages>>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<SendMessage>,
) -> Result<Response, Problem> {
    caller.require_scope(SEND_SCOPE, "Sending a message")?;
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{FFFD}"));
    Ok(
        match svc
            .send(&caller.tenant, key, req, prefers_async(&headers))
            .await?
        {
            Answer::Sent(sent) => Json(sent).into_response(),
            Answer::Queued(queued) => accepted(queued),
        },
    )
}

async fn status(
    State(svc): State<Arc<Messages>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<QueuedMessage>, Problem> {
    caller.require_scope(SEND_SCOPE, "Reading a message's status")?;
    Ok(Json(svc.status(&caller.tenant, &id).await?))
}

/// The send routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Messages>: FromRef<S>,
{
    Router::new()
        .route("/v1/messages", post(send))
        .route("/v1/messages/{id}", get(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respond_async_is_found_among_other_preferences_in_any_case() {
        let mut h = HeaderMap::new();
        assert!(!prefers_async(&h));
        h.append("prefer", HeaderValue::from_static("return=minimal"));
        assert!(!prefers_async(&h));
        h.append("prefer", HeaderValue::from_static("wait=10, Respond-Async"));
        assert!(prefers_async(&h));
        let mut h = HeaderMap::new();
        h.insert("prefer", HeaderValue::from_static("respond-async; x=1"));
        assert!(prefers_async(&h));
        h.insert("prefer", HeaderValue::from_static("respond-asynchronously"));
        assert!(!prefers_async(&h));
    }
}
