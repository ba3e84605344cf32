//! `POST /v1/identities/{identity}/dns`: publishes an identity's records to a Route 53
//! hosted zone with UPSERT (so publishing twice changes nothing), after checking that
//! the zone is the identity's domain or a parent of it and one the platform allows.

use crate::api::{AppState, Body};
use crate::auth::Caller;
use crate::aws;
use crate::identities::{RecordView, owned, records_for, ses_get};
use crate::problem::Problem;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sendready_core::Code;
use sendready_core::dns::{self, DnsRecord, RecordType};
use sendready_core::identity::is_same_or_subdomain;
use serde::{Deserialize, Serialize};

/// The body of the publish route.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    /// The Route 53 hosted zone id (`Z123...` or `/hostedzone/Z123...`).
    pub hosted_zone_id: String,
    /// Also publish the suggestions (the DMARC record), not only what verification needs.
    #[serde(default)]
    pub include_suggestions: bool,
}

/// What was published.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// The zone id.
    pub hosted_zone_id: String,
    /// The zone's name.
    pub zone: String,
    /// Route 53's change id and status (PENDING, then INSYNC).
    pub change_id: String,
    /// Route 53's status of the change.
    pub status: String,
    /// The records now in the zone.
    pub records: Vec<RecordView>,
}

fn record_set(r: &DnsRecord) -> Result<ResourceRecordSet, Problem> {
    let kind = match r.record_type {
        RecordType::Cname => RrType::Cname,
        RecordType::Txt => RrType::Txt,
        RecordType::Mx => RrType::Mx,
    };
    let bad = |e: aws_smithy_types::error::operation::BuildError| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::InputInvalid,
            e.to_string(),
        )
    };
    ResourceRecordSet::builder()
        .name(format!("{}.", r.name))
        .r#type(kind)
        .ttl(i64::from(r.ttl))
        .resource_records(
            ResourceRecord::builder()
                .value(r.rdata())
                .build()
                .map_err(bad)?,
        )
        .build()
        .map_err(bad)
}

/// The hosted zone's domain (lowercase, no trailing dot), from Route 53.
pub(crate) async fn zone_name(st: &AppState, zone_id: &str) -> Result<String, Problem> {
    let zone = st
        .route53()?
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(|e| aws::problem(&e, "Reading the hosted zone"))?;
    Ok(zone
        .hosted_zone()
        .map(|z| z.name().trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default())
}

/// Publishes the identity's records.
pub async fn publish(
    State(st): State<AppState>,
    caller: Caller,
    Path(identity): Path<String>,
    Body(req): Body<PublishRequest>,
) -> Result<Json<Published>, Problem> {
    let o = owned(&st, &caller.tenant, &identity).await?;
    let zone_id = req
        .hosted_zone_id
        .trim_start_matches("/hostedzone/")
        .to_owned();
    if !st.zone_allowed(&zone_id) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Code::ZoneOutside,
            format!(
                "Hosted zone {zone_id} is not one this deployment may change; the platform lists the allowed zones."
            ),
        ));
    }
    let zone_name = zone_name(&st, &zone_id).await?;
    if !is_same_or_subdomain(o.domain(), &zone_name) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Code::ZoneOutside,
            format!(
                "The zone {zone_name} is not {} or a parent of it; choose the zone that holds the identity's domain.",
                o.domain()
            ),
        ));
    }
    let answer = ses_get(&st, &o.identity).await?;
    let records: Vec<DnsRecord> = records_for(&st, &o, &answer)
        .into_iter()
        .filter(|(_, required)| *required || req.include_suggestions)
        .map(|(r, _)| r)
        .collect();
    if records.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Code::InputInvalid,
            "This identity has no DNS records to publish (an email identity verifies by the link SES mails).",
        ));
    }
    let mut batch =
        ChangeBatch::builder().comment(format!("Sendready: records for {}", o.identity));
    for r in &records {
        let change = Change::builder()
            .action(ChangeAction::Upsert)
            .resource_record_set(record_set(r)?)
            .build()
            .map_err(|e| {
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Code::InputInvalid,
                    e.to_string(),
                )
            })?;
        batch = batch.changes(change);
    }
    let batch = batch.build().map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::InputInvalid,
            e.to_string(),
        )
    })?;
    let out = st
        .route53()?
        .change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| aws::problem(&e, "Publishing to Route 53"))?;
    let (change_id, status) = out
        .change_info()
        .map(|c| (c.id().to_owned(), c.status().as_str().to_owned()))
        .unwrap_or_default();
    tracing::info!(tenant = %caller.tenant, identity = %o.identity, zone = %zone_name, records = records.len(), "records published");
    Ok(Json(Published {
        hosted_zone_id: zone_id,
        records: records
            .into_iter()
            .map(|record| RecordView {
                zone_entry: dns::zone_entry(&record.name, &zone_name).value,
                record,
                required: true,
            })
            .collect(),
        zone: zone_name,
        change_id,
        status,
    }))
}
