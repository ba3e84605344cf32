//! Publishing an identity's records to a Route 53 hosted zone with UPSERT (so publishing
//! twice changes nothing), after checking that the zone is the identity's domain or a
//! parent of it and one the platform allows.

use super::identities::{Identities, owned};
use crate::error::Problem;
use crate::ports::route53::bare_zone_id;
use axum::http::StatusCode;
use sendready_core::Code;
pub use sendready_core::api::{PublishRequest, Published, RecordView};
use sendready_core::dns::{self, DnsRecord};
use sendready_core::host::is_same_or_subdomain;

impl Identities {
    /// Publishes the identity's records.
    pub async fn publish(
        &self,
        tenant: &str,
        identity: &str,
        req: PublishRequest,
    ) -> Result<Published, Problem> {
        let o = owned(self.registry.as_ref(), tenant, identity).await?;
        let zone_id = bare_zone_id(&req.hosted_zone_id).to_owned();
        if !self.zone_allowed(&zone_id) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                Code::ZoneNotAllowed,
                format!(
                    "Hosted zone {zone_id} is not one this deployment may change; the platform lists the allowed zones."
                ),
            ));
        }
        let zone_name = self.route53.zone_name(&zone_id).await?;
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
        let answer = self.ses.get_identity(&o.identity).await?;
        let records: Vec<DnsRecord> = self
            .records_for(&o, &answer)
            .into_iter()
            .filter(|(_, required)| *required || req.include_suggestions)
            .map(|(r, _)| r)
            .collect();
        if records.is_empty() {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                Code::IdentityNoRecords,
                "This identity has no DNS records to publish (an email identity verifies by the link SES mails).",
            ));
        }
        let change = self
            .route53
            .upsert(
                &zone_id,
                &format!("Sendready: records for {}", o.identity),
                &records,
            )
            .await?;
        tracing::info!(tenant = %tenant, identity = %o.identity, zone = %zone_name, records = records.len(), "records published");
        Ok(Published {
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
            change_id: change.id,
            status: change.status,
        })
    }
}
