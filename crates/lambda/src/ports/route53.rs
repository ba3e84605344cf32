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

/// A record set in a zone: its type (`TXT`, `CNAME`, `A`...) and its values as the core's
/// verdict compares them (TXT strings joined and unquoted, names lowercase without the
/// trailing dot, MX as `preference exchange`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordSet {
    /// The record type.
    pub record_type: String,
    /// The values.
    pub values: Vec<String>,
}

/// Route 53.
#[async_trait]
pub trait Route53: Send + Sync {
    /// The zone's domain (lowercase, no trailing dot), from `GetHostedZone`.
    async fn zone_name(&self, zone_id: &str) -> Result<String, AwsError>;
    /// Every record set at exactly `name` (any type), from `ListResourceRecordSets`.
    async fn record_sets_at(&self, zone_id: &str, name: &str) -> Result<Vec<RecordSet>, AwsError>;
    /// One `ChangeResourceRecordSets` batch that CREATEs `records`: Route 53 refuses the
    /// whole batch if any of them exists by then, so nothing is ever replaced.
    async fn create(
        &self,
        zone_id: &str,
        comment: &str,
        records: &[DnsRecord],
    ) -> Result<ChangeInfo, AwsError>;
}
