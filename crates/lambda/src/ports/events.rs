//! Where SES's events for a tenant are kept (issue 15): each event once, however often it
//! is delivered, the recent ones for a while, and counts per hour for the rates.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::events::{Counts, SesEvent};

/// How long an event is kept (the table's TTL).
pub const EVENT_DAYS: u64 = 14;
/// How long an hour's counts are kept: the longest rate window and a day.
pub const COUNT_DAYS: u64 = 8;

/// The event store, keyed by the tenant's SES tenant name.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Records `event` and counts it in `hour`, once: false when it was recorded already.
    async fn record(&self, key: &str, event: &SesEvent, hour: &str) -> Result<bool, AwsError>;
    /// The latest events, newest first (at most `limit`).
    async fn recent(&self, key: &str, limit: usize) -> Result<Vec<SesEvent>, AwsError>;
    /// The counts of every hour from `since_hour` (`YYYY-MM-DDTHH`) on.
    async fn counts(&self, key: &str, since_hour: &str) -> Result<Vec<(String, Counts)>, AwsError>;
}
