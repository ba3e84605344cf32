//! `/v1/identities`: create, list, read and delete a tenant's SES identities, publish
//! their records to Route 53, verify them in live DNS, set a custom MAIL FROM domain, and
//! read their SPF and DMARC as the world sees them, and their verification history.

use crate::auth::Caller;
use crate::error::Problem;
use crate::extract::Body;
use crate::service::identities::{CreateIdentity, Identities, IdentityView};
use crate::service::publish::{PublishRequest, Published};
use crate::service::verify::Verification;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sendready_core::api::{IdentityHistory, MailFromRequest, PolicyView};
use std::sync::Arc;

async fn create(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Body(req): Body<CreateIdentity>,
) -> Result<(StatusCode, Json<IdentityView>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(svc.create(&caller.tenant, req).await?),
    ))
}

async fn list(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
) -> Result<Json<Vec<IdentityView>>, Problem> {
    Ok(Json(svc.list(&caller.tenant).await?))
}

async fn read(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<IdentityView>, Problem> {
    Ok(Json(svc.read(&caller.tenant, &identity).await?))
}

async fn delete(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<StatusCode, Problem> {
    svc.delete(&caller.tenant, &identity).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn publish(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
    Body(req): Body<PublishRequest>,
) -> Result<Json<Published>, Problem> {
    Ok(Json(svc.publish(&caller.tenant, &identity, req).await?))
}

async fn verify(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<Verification>, Problem> {
    Ok(Json(svc.verify(&caller.tenant, &identity).await?))
}

async fn claim(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    let (status, view) = svc.claim(&caller.tenant, &identity).await?;
    Ok((status, Json(view)).into_response())
}

async fn mail_from(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
    Body(req): Body<MailFromRequest>,
) -> Result<Json<IdentityView>, Problem> {
    Ok(Json(
        svc.put_mail_from(&caller.tenant, &identity, &req).await?,
    ))
}

async fn policy(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<PolicyView>, Problem> {
    Ok(Json(svc.policy(&caller.tenant, &identity).await?))
}

async fn history(
    State(svc): State<Arc<Identities>>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<IdentityHistory>, Problem> {
    Ok(Json(svc.history(&caller.tenant, &identity).await?))
}

/// The identity routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Identities>: FromRef<S>,
{
    Router::new()
        .route("/v1/identities", get(list).post(create))
        .route("/v1/identities/{identity}", get(read).delete(delete))
        .route("/v1/identities/{identity}/dns", post(publish))
        .route("/v1/identities/{identity}/verify", post(verify))
        .route("/v1/identities/{identity}/claim", post(claim))
        .route("/v1/identities/{identity}/mail-from", put(mail_from))
        .route("/v1/identities/{identity}/policy", get(policy))
        .route("/v1/identities/{identity}/history", get(history))
}
