//! Amazon Route 53, as publishing uses it.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::dns::DnsRecord;

/// A hosted zone id without Route 53's `/hostedzone/` prefix (`Z0123...`); the one place
/// that prefix is trimmed.
pub fn bare_zone_id(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix("/hostedzone/").unwrap_or(id)
}

/// A submitted change: Route 53's id and status (PENDING, then INSYNC).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeInfo {
    /// The change id.
    pub id: String,
    /// The change's status.
    pub status: String,
}

/// Route 53.
#[async_trait]
pub trait Route53: Send + Sync {
    /// The zone's domain (lowercase, no trailing dot), from `GetHostedZone`.
    async fn zone_name(&self, zone_id: &str) -> Result<String, AwsError>;
    /// One `ChangeResourceRecordSets` batch that UPSERTs `records`.
    async fn upsert(
        &self,
        zone_id: &str,
        comment: &str,
        records: &[DnsRecord],
    ) -> Result<ChangeInfo, AwsError>;
}
