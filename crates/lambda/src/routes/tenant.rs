//! `GET /v1/tenant`, `PUT /v1/tenants/{tenant}/users`, `PUT /v1/tenants/{tenant}/zones`
//! and `PUT /v1/tenants/{tenant}/reputation` (the platform's admin scope),
//! `POST /v1/sender/check`, `GET /v1/events` (the tenant's recent SES events), and
//! `GET /v1/platform` (the platform's headroom, admin scope).

use crate::auth::Caller;
use crate::error::Problem;
use crate::extract::Body;
use crate::service::events::Filter;
use crate::service::identities::Identities;
use crate::service::tenant::{
    SenderCheck, SesTenantView, TenantReputation, TenantUsers, TenantView, TenantZones,
};
use axum::extract::{FromRef, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sendready_core::Code;
use sendready_core::events::{EventKind, SesEvent};
use std::sync::Arc;

async fn tenant(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
) -> Result<Json<TenantView>, Problem> {
    Ok(Json(svc.tenant(&caller.tenant).await?))
}

async fn put_users(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(req): Body<TenantUsers>,
) -> Result<StatusCode, Problem> {
    caller.require_admin("Setting a tenant's users")?;
    let users = svc.put_users(&tenant, &req).await?;
    tracing::info!(tenant = %tenant, users, by = %caller.subject, "tenant users set");
    Ok(StatusCode::NO_CONTENT)
}

async fn put_zones(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(req): Body<TenantZones>,
) -> Result<StatusCode, Problem> {
    caller.require_admin("Assigning a tenant's hosted zones")?;
    let zones = svc.put_zones(&tenant, &req).await?;
    tracing::info!(tenant = %tenant, zones, by = %caller.subject, "tenant zones set");
    Ok(StatusCode::NO_CONTENT)
}

async fn put_reputation(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(req): Body<TenantReputation>,
) -> Result<Json<SesTenantView>, Problem> {
    caller.require_admin("Setting a tenant's reputation policy")?;
    let view = svc.put_reputation(&tenant, &req).await?;
    tracing::info!(tenant = %tenant, policy = req.policy.as_str(), by = %caller.subject, "tenant reputation policy set");
    Ok(Json(view))
}

async fn platform(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
) -> Result<Json<crate::service::platform::PlatformView>, Problem> {
    caller.require_admin("Reading the platform's headroom")?;
    Ok(Json(svc.platform().await?))
}

/// `?identity=...&type=bounce`: which events; anything else is a 400 problem.
fn event_filter(query: Option<&str>) -> Result<Filter, Problem> {
    let mut f = Filter::default();
    // `%XX` escapes and `+` decoded (an identity's `@` arrives as `%40`).
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "identity" if !v.is_empty() => f.identity = Some(v),
            "type" => {
                f.kind = Some(
                    EventKind::ALL
                        .into_iter()
                        .find(|kind| kind.as_str() == v)
                        .ok_or_else(|| {
                            Problem::field(
                                "type",
                                Code::InputInvalid,
                                format!(
                                    "type is one of {}.",
                                    EventKind::ALL.map(EventKind::as_str).join(", ")
                                ),
                            )
                        })?,
                );
            }
            _ => {}
        }
    }
    Ok(f)
}

async fn events(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<SesEvent>>, Problem> {
    let filter = event_filter(query.as_deref())?;
    Ok(Json(svc.events.recent(&caller.tenant, &filter).await?))
}

async fn sender(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Body(req): Body<SenderCheck>,
) -> Result<Response, Problem> {
    Ok(Json(svc.sender(&caller.tenant, &req).await?).into_response())
}

/// The tenant routes (served by the identities function).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Identities>: FromRef<S>,
{
    Router::new()
        .route("/v1/tenant", get(tenant))
        .route("/v1/tenants/{tenant}/users", put(put_users))
        .route("/v1/tenants/{tenant}/zones", put(put_zones))
        .route("/v1/tenants/{tenant}/reputation", put(put_reputation))
        .route("/v1/sender/check", post(sender))
        .route("/v1/events", get(events))
        .route("/v1/platform", get(platform))
}
