//! `GET /v1/tenant`, `PUT /v1/tenants/{tenant}/users`, `PUT /v1/tenants/{tenant}/zones`
//! and `PUT /v1/tenants/{tenant}/reputation` (the platform's admin scope), and
//! `POST /v1/sender/check`.

use crate::auth::Caller;
use crate::error::Problem;
use crate::extract::Body;
use crate::service::identities::Identities;
use crate::service::tenant::{
    SenderCheck, SesTenantView, TenantReputation, TenantUsers, TenantView, TenantZones,
};
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
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
}
