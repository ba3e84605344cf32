//! SES identities for a tenant: create (with the core's tenant rules first, then a
//! registry reservation that holds the limits under concurrency, then SES), list, read
//! (verification and DKIM status explained, the records to publish) and delete; the
//! platform's route that sets a tenant's active users; and the sender check.

use crate::api::{AppState, Body};
use crate::auth::Caller;
use crate::aws;
use crate::problem::Problem;
use crate::registry::{Owned, Record, ReserveError};
use aws_sdk_sesv2::operation::get_email_identity::GetEmailIdentityOutput;
use aws_sdk_sesv2::types::{DkimSigningAttributes, DkimSigningKeyLength};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use sendready_core::Code;
use sendready_core::diagnose::{self, Diagnosis};
use sendready_core::dns::{self, DnsRecord, ZoneEntry, dkim, dmarc};
use sendready_core::identity::{IdentityKind, check_new_identity, check_sender};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How a new domain identity signs: Easy DKIM (SES's keys, RSA 2048) or BYODKIM with a
/// key pair the backend generates.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DkimMode {
    /// SES generates and rotates the keys; three CNAMEs to publish.
    #[default]
    Easy,
    /// Bring your own DKIM: one TXT record with the generated public key.
    Byodkim,
}

/// The body of `POST /v1/identities`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentity {
    /// A domain or an email address.
    pub identity: String,
    /// "New Identity Type"; inferred from an `@` when absent.
    #[serde(default)]
    pub kind: Option<IdentityKind>,
    /// Domain identities: Easy DKIM (default) or BYODKIM.
    #[serde(default)]
    pub dkim: DkimMode,
    /// BYODKIM selector (default `sendready`).
    #[serde(default)]
    pub selector: Option<String>,
}

/// DKIM state as SES reports it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DkimView {
    /// PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED.
    pub status: String,
    /// AWS_SES (Easy DKIM) or EXTERNAL (BYODKIM).
    pub origin: Option<String>,
    /// Easy DKIM tokens.
    pub tokens: Vec<String>,
    /// The zone the tokens' CNAMEs point into.
    pub signing_hosted_zone: Option<String>,
    /// The status explained.
    pub explanation: Diagnosis,
}

/// A record to publish, with the name to type at a DNS host managing the domain's zone.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// The record.
    #[serde(flatten)]
    pub record: DnsRecord,
    /// Name relative to the zone.
    pub zone_entry: Option<ZoneEntry>,
    /// False for suggestions (DMARC), true for what verification needs.
    pub required: bool,
}

/// An identity as `GET /v1/identities/{identity}` shows it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    /// The identity.
    pub identity: String,
    /// Domain or email.
    pub kind: IdentityKind,
    /// Whether SES lets it send.
    pub verified_for_sending: bool,
    /// SES `VerificationStatus`.
    pub verification_status: String,
    /// The status (and `VerificationInfo.ErrorType`) explained.
    pub verification: Diagnosis,
    /// DKIM, for domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim: Option<DkimView>,
    /// The records to publish.
    pub records: Vec<RecordView>,
}

fn problem_reserve(e: ReserveError, kind: IdentityKind) -> Problem {
    match e {
        ReserveError::Limit => {
            let (code, detail) = match kind {
                IdentityKind::Domain => (
                    Code::IdentityDomainLimit,
                    "The tenant already has its one domain identity; delete it first to add another.",
                ),
                IdentityKind::Email => (
                    Code::IdentityEmailLimit,
                    "The tenant already has three email identities; delete one first.",
                ),
            };
            Problem::new(StatusCode::CONFLICT, code, detail)
        }
        ReserveError::Duplicate => Problem::new(
            StatusCode::CONFLICT,
            Code::IdentityDuplicate,
            "The tenant already has this identity.",
        ),
        ReserveError::NoTenant => Problem::new(
            StatusCode::CONFLICT,
            Code::IdentityNotActiveDomain,
            "The platform has not registered this tenant's active users yet (PUT /v1/tenants/{tenant}/users).",
        ),
        ReserveError::Aws(e) => aws::problem(&e, "Reserving the identity"),
    }
}

async fn record_of(st: &AppState, tenant: &str) -> Result<Record, Problem> {
    st.registry()?
        .get(tenant)
        .await
        .map_err(|e| aws::problem(&e, "Reading the tenant"))
}

/// SES's verified flag for each of the tenant's identities.
async fn verified_map(st: &AppState, rec: &Record) -> Result<HashMap<String, bool>, Problem> {
    let ses = st.ses()?;
    let mut out = HashMap::new();
    for o in &rec.identities {
        match ses
            .get_email_identity()
            .email_identity(&o.identity)
            .send()
            .await
        {
            Ok(r) => {
                out.insert(o.identity.clone(), r.verified_for_sending_status());
            }
            Err(e) if aws::error_code(&e) == Some("NotFoundException") => {
                out.insert(o.identity.clone(), false);
            }
            Err(e) => return Err(aws::problem(&e, "Reading an identity's status")),
        }
    }
    Ok(out)
}

fn generate_byodkim_key() -> Result<(String, String), Problem> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::EncodePublicKey;
    let fail = |e: String| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::DkimKeyInvalid,
            format!("Generating the DKIM key failed: {e}"),
        )
    };
    let key =
        rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| fail(e.to_string()))?;
    let private = key.to_pkcs1_der().map_err(|e| fail(e.to_string()))?;
    let public = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| fail(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok((
        b64.encode(private.as_bytes()),
        b64.encode(public.as_bytes()),
    ))
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    Body(req): Body<CreateIdentity>,
) -> Result<Response, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    let verified = verified_map(&st, &rec).await?;
    let report = check_new_identity(&rec.tenant(&verified), &req.identity, req.kind);
    let new = Problem::accepted(report)?;
    let byodkim = new.kind == IdentityKind::Domain && req.dkim == DkimMode::Byodkim;
    let (selector, private, public) = if byodkim {
        let mut issues = sendready_core::Issues::new();
        let selector =
            dkim::check_selector(req.selector.as_deref().unwrap_or("sendready"), &mut issues);
        let Some(selector) = selector else {
            return Err(Problem::invalid(issues.into_vec()));
        };
        let (private, public) = generate_byodkim_key()?;
        (Some(selector), Some(private), Some(public))
    } else {
        (None, None, None)
    };
    let owned = Owned {
        identity: new.identity.clone(),
        kind: new.kind,
        selector: selector.clone(),
        public_key: public,
    };
    let registry = st.registry()?;
    registry
        .reserve(&caller.tenant, &owned)
        .await
        .map_err(|e| problem_reserve(e, new.kind))?;

    let ses = st.ses()?;
    let mut call = ses.create_email_identity().email_identity(&new.identity);
    if new.kind == IdentityKind::Domain {
        let attrs = match (&selector, &private) {
            (Some(selector), Some(key)) => DkimSigningAttributes::builder()
                .domain_signing_selector(selector)
                .domain_signing_private_key(key)
                .build(),
            _ => DkimSigningAttributes::builder()
                .next_signing_key_length(DkimSigningKeyLength::Rsa2048Bit)
                .build(),
        };
        call = call.dkim_signing_attributes(attrs);
    }
    if let Err(e) = call.send().await {
        // Give the reservation back, so a failed create does not use up the limit.
        if let Err(r) = registry
            .release(&caller.tenant, &new.identity, new.kind)
            .await
        {
            tracing::error!(tenant = %caller.tenant, error = ?r, "releasing a reservation after a failed create");
        }
        return Err(aws::problem(&e, "Creating the identity in SES"));
    }
    tracing::info!(tenant = %caller.tenant, identity = %new.identity, kind = ?new.kind, byodkim, "identity created");
    let view = view(&st, &owned).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The records an identity needs (`true`) or is advised to have (`false`), from SES's
/// answer and the registry.
pub(crate) fn records_for(
    st: &AppState,
    o: &Owned,
    r: &GetEmailIdentityOutput,
) -> Vec<(DnsRecord, bool)> {
    let mut records = Vec::new();
    if o.kind != IdentityKind::Domain {
        return records;
    }
    let domain = o.domain();
    if let Some(d) = r.dkim_attributes()
        && !d.tokens().is_empty()
    {
        let recs =
            dkim::easy_dkim_records(domain, d.tokens(), d.signing_hosted_zone(), st.region());
        records.extend(
            recs.value
                .unwrap_or_default()
                .into_iter()
                .map(|r| (r, true)),
        );
    }
    if let (Some(sel), Some(key)) = (&o.selector, &o.public_key)
        && let Some(rec) = dkim::byodkim_record(domain, sel, key).value
    {
        records.push((rec, true));
    }
    if let Some(rec) = dmarc::build_dmarc(domain, &dmarc::Dmarc::default()).value {
        records.push((rec, false));
    }
    records
}

/// Deletes the identity in SES; one SES no longer has counts as deleted.
pub(crate) async fn ses_delete(st: &AppState, identity: &str, what: &str) -> Result<(), Problem> {
    match st
        .ses()?
        .delete_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if aws::error_code(&e) == Some("NotFoundException") => Ok(()),
        Err(e) => Err(aws::problem(&e, what)),
    }
}

/// Reads the identity from SES.
pub(crate) async fn ses_get(
    st: &AppState,
    identity: &str,
) -> Result<GetEmailIdentityOutput, Problem> {
    st.ses()?
        .get_email_identity()
        .email_identity(identity)
        .send()
        .await
        .map_err(|e| aws::problem(&e, "Reading the identity from SES"))
}

async fn view(st: &AppState, o: &Owned) -> Result<IdentityView, Problem> {
    let r = ses_get(st, &o.identity).await?;
    let status = r
        .verification_status()
        .map_or("NOT_STARTED", |s| s.as_str())
        .to_owned();
    let error_type = r
        .verification_info()
        .and_then(|i| i.error_type())
        .map(|e| e.as_str().to_owned());
    let verification = diagnose::verification(&status, error_type.as_deref());
    let dkim_view = (o.kind == IdentityKind::Domain)
        .then(|| r.dkim_attributes())
        .flatten()
        .map(|d| {
            let dstatus = d.status().map_or("NOT_STARTED", |s| s.as_str()).to_owned();
            DkimView {
                explanation: diagnose::verification(&dstatus, None),
                status: dstatus,
                origin: d.signing_attributes_origin().map(|o| o.as_str().to_owned()),
                tokens: d.tokens().to_vec(),
                signing_hosted_zone: d.signing_hosted_zone().map(str::to_owned),
            }
        });
    let domain = o.domain();
    Ok(IdentityView {
        identity: o.identity.clone(),
        kind: o.kind,
        verified_for_sending: r.verified_for_sending_status(),
        verification_status: status,
        verification,
        dkim: dkim_view,
        records: records_for(st, o, &r)
            .into_iter()
            .map(|(record, required)| RecordView {
                zone_entry: dns::zone_entry(&record.name, domain).value,
                record,
                required,
            })
            .collect(),
    })
}

async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<IdentityView>>, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    let mut out = Vec::new();
    for o in &rec.identities {
        match view(&st, o).await {
            Ok(v) => out.push(v),
            Err(p) if p.code == Code::SesNotFound => {}
            Err(p) => return Err(p),
        }
    }
    Ok(Json(out))
}

/// The caller's own identity, or 404 (also for another tenant's).
pub(crate) async fn owned(st: &AppState, tenant: &str, identity: &str) -> Result<Owned, Problem> {
    let rec = record_of(st, tenant).await?;
    rec.find(identity)
        .cloned()
        .ok_or_else(|| Problem::not_found("The identity"))
}

async fn read(
    State(st): State<AppState>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<IdentityView>, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    // Another tenant's identity is "not found", never "forbidden".
    let o = rec
        .find(&identity)
        .ok_or_else(|| Problem::not_found("The identity"))?;
    Ok(Json(view(&st, o).await?))
}

async fn delete(
    State(st): State<AppState>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<StatusCode, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    let o = rec
        .find(&identity)
        .ok_or_else(|| Problem::not_found("The identity"))?
        .clone();
    ses_delete(&st, &o.identity, "Deleting the identity in SES").await?;
    st.registry()?
        .release(&caller.tenant, &o.identity, o.kind)
        .await
        .map_err(|e| aws::problem(&e, "Releasing the identity"))?;
    tracing::info!(tenant = %caller.tenant, identity = %o.identity, "identity deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `PUT /v1/tenants/{tenant}/users`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantUsers {
    /// The tenant's active users' addresses.
    pub active_user_emails: Vec<String>,
}

async fn put_users(
    State(st): State<AppState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(req): Body<TenantUsers>,
) -> Result<StatusCode, Problem> {
    if !caller.is_admin() {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Code::AuthForbidden,
            format!(
                "Setting a tenant's users needs the {} scope.",
                crate::auth::ADMIN_SCOPE
            ),
        ));
    }
    let mut issues = Vec::new();
    let mut emails = Vec::new();
    for (i, e) in req.active_user_emails.iter().enumerate() {
        let r = sendready_core::address::check_address(
            e,
            sendready_core::address::AddressOptions::default(),
        );
        match r.value.filter(|_| r.valid) {
            Some(a) => emails.push(a.address),
            None => issues.extend(r.issues.into_iter().map(|mut x| {
                x.field = format!("activeUserEmails[{i}]");
                x
            })),
        }
    }
    if !issues.is_empty() {
        return Err(Problem::invalid(issues));
    }
    st.registry()?
        .put_users(&tenant, &emails)
        .await
        .map_err(|e| aws::problem(&e, "Saving the tenant's users"))?;
    tracing::info!(tenant = %tenant, users = emails.len(), by = %caller.subject, "tenant users set");
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST /v1/sender/check`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderCheck {
    /// The From address.
    pub from: String,
}

async fn sender(
    State(st): State<AppState>,
    caller: Caller,
    Body(req): Body<SenderCheck>,
) -> Result<Response, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    let verified = verified_map(&st, &rec).await?;
    let report = check_sender(&rec.tenant(&verified), &req.from);
    if report.value.is_none() {
        return Err(Problem::invalid(report.issues));
    }
    Ok(Json(report).into_response())
}

/// A hosted zone the deployment may publish to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostedZoneView {
    /// The zone id (`Z0123...`).
    pub id: String,
    /// The zone's domain, without the trailing dot.
    pub name: String,
}

/// The body of `GET /v1/tenant`: what a settings page needs to run the core's identity
/// and sender rules in the browser before it sends a request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    /// The caller's tenant.
    pub tenant: String,
    /// The core's `Tenant` (active users, identities with SES's verified flag), as
    /// `checkNewIdentity` and `checkSender` take it.
    #[serde(flatten)]
    pub rules: sendready_core::identity::Tenant,
    /// Domain identities a tenant may hold.
    pub max_domain_identities: usize,
    /// Email identities a tenant may hold.
    pub max_email_identities: usize,
    /// The Route 53 zones this deployment may publish to (empty when it names none).
    pub hosted_zones: Vec<HostedZoneView>,
}

async fn tenant(State(st): State<AppState>, caller: Caller) -> Result<Json<TenantView>, Problem> {
    let rec = record_of(&st, &caller.tenant).await?;
    let verified = verified_map(&st, &rec).await?;
    let mut hosted_zones = Vec::new();
    let configured = st
        .aws
        .as_deref()
        .map(|a| a.hosted_zones.clone())
        .unwrap_or_default();
    for id in configured {
        let id = id.trim_start_matches("/hostedzone/").to_owned();
        let name = crate::publish::zone_name(&st, &id).await?;
        hosted_zones.push(HostedZoneView { id, name });
    }
    Ok(Json(TenantView {
        tenant: caller.tenant.clone(),
        rules: rec.tenant(&verified),
        max_domain_identities: sendready_core::identity::MAX_DOMAIN_IDENTITIES,
        max_email_identities: sendready_core::identity::MAX_EMAIL_IDENTITIES,
        hosted_zones,
    }))
}

/// The identity routes (the privilege set of the identities function: SES identity
/// calls and the tenant table).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/identities", get(list).post(create))
        .route("/v1/identities/{identity}", get(read).delete(delete))
        .route(
            "/v1/identities/{identity}/dns",
            post(crate::publish::publish),
        )
        .route(
            "/v1/identities/{identity}/verify",
            post(crate::verify::verify),
        )
        .route("/v1/tenant", get(tenant))
        .route("/v1/tenants/{tenant}/users", put(put_users))
        .route("/v1/sender/check", post(sender))
}
