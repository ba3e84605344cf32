//! Where a tracked identity's changes are announced (issue 15): the platform's EventBridge
//! bus, and an optional webhook the platform configures, signed.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::tracking::Announcement;
use serde::Serialize;

/// The EventBridge `source` of Sendready's announcements.
pub const SOURCE: &str = "sendready";

/// One announcement: the EventBridge `detail-type` is `kind`, the `detail` the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Announced {
    /// Stable across retries of the same change, so a receiver can drop a repeat.
    pub id: String,
    /// What is announced.
    #[serde(skip)]
    pub kind: Announcement,
    /// The tenant that owns the identity.
    pub tenant: String,
    /// The identity.
    pub identity: String,
    /// SES's status before, when it changed.
    pub from: Option<String>,
    /// SES's status now.
    pub status: String,
    /// The records whose checks changed.
    pub records: Vec<sendready_core::tracking::RecordChange>,
    /// When the change was seen (RFC 3339).
    pub at: String,
}

/// Where announcements go.
#[async_trait]
pub trait Announcer: Send + Sync {
    /// Delivers `a`; an error means it was not delivered and is to be tried again.
    async fn announce(&self, a: &Announced) -> Result<(), AwsError>;
    /// Where it delivers, for the history (`eventbridge`, `webhook`).
    fn name(&self) -> &'static str;
}
