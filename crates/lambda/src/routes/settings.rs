//! `GET/PUT /v1/settings`, `GET /v1/settings/history` and `GET /v1/settings/smtp-debug`
//! (the SMTP debug transcripts kept while debug is on): the tenant's email settings,
//! written under the version read (`ETag` / `If-Match`), "Test connection and save" with
//! `?test=true`. Writing needs the `sendready/settings` scope (or the platform's admin);
//! reading does not.

use crate::auth::{Caller, SETTINGS_SCOPE};
use crate::error::Problem;
use crate::extract::Body;
use crate::service::settings::{Settings, Write, Written};
use axum::extract::{FromRef, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sendready_core::Code;
use sendready_core::api::{EmailSettings, SettingsChange, SmtpTranscript};
use std::sync::Arc;

/// `?test=true`: "Test connection and save" (`true`/`false`, `1`/`0`); anything else is
/// a 400 problem, not axum's plain-text rejection.
fn test_flag(query: Option<&str>) -> Result<bool, Problem> {
    let mut test = false;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k != "test" {
            continue;
        }
        test = match v.as_ref() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                return Err(Problem::field(
                    "test",
                    Code::InputInvalid,
                    "The query parameter test is true or false (true: \"Test connection and save\").",
                ));
            }
        };
    }
    Ok(test)
}

fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version a write read: `If-Match: "3"` (a weak tag or a bare number too).
fn if_match(headers: &HeaderMap) -> Result<u64, Problem> {
    let missing = || {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            Code::SettingsVersionMissing,
            "Send the version you read as If-Match (the ETag of GET /v1/settings, \"0\" before the first save), so no one's change is overwritten unseen.",
        )
    };
    let raw = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(missing)?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| missing())
}

async fn get_settings(
    State(svc): State<Arc<Settings>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let view = svc.get(&caller.tenant).await?;
    Ok(([(header::ETAG, etag(view.version))], Json(view)).into_response())
}

async fn put_settings(
    State(svc): State<Arc<Settings>>,
    caller: Caller,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Body(settings): Body<EmailSettings>,
) -> Result<Response, Problem> {
    caller.require_scope_or_admin(SETTINGS_SCOPE, "Changing the email settings")?;
    let write = Write {
        settings,
        if_match: if_match(&headers)?,
        test: test_flag(query.as_deref())?,
        by: &caller.subject,
    };
    Ok(match svc.put(&caller.tenant, write).await? {
        Written::Saved(view) => ([(header::ETAG, etag(view.version))], Json(view)).into_response(),
        Written::Tested(t) => ([(header::ETAG, etag(t.settings.version))], Json(t)).into_response(),
    })
}

async fn history(
    State(svc): State<Arc<Settings>>,
    caller: Caller,
) -> Result<Json<Vec<SettingsChange>>, Problem> {
    Ok(Json(svc.history(&caller.tenant).await?))
}

async fn smtp_debug(
    State(svc): State<Arc<Settings>>,
    caller: Caller,
) -> Result<Json<Vec<SmtpTranscript>>, Problem> {
    Ok(Json(svc.transcripts(&caller.tenant).await?))
}

/// The settings routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Settings>: FromRef<S>,
{
    Router::new()
        .route("/v1/settings", get(get_settings).put(put_settings))
        .route("/v1/settings/history", get(history))
        .route("/v1/settings/smtp-debug", get(smtp_debug))
}
