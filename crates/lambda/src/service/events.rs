//! SES's events for each tenant (issue 15): the consumer behind `sendready-events` (an
//! EventBridge rule sends it every event SES publishes for a Sendready configuration set),
//! the recent events (`GET /v1/events`) and the rates in `GET /v1/tenant`.
//!
//! An event belongs to the tenant whose configuration set it names (each tenant's set is
//! named as its SES tenant, [`ses_tenant_name`]); everything is stored under that name, so
//! the consumer needs no lookup and a tenant reads only its own.

use crate::error::Problem;
use crate::ports::AwsError;
use crate::ports::EventStore;
use crate::ports::registry::now_secs;
use crate::ports::ses::ses_tenant_name;
use sendready_core::events::{
    EventKind, Rates, RawEvent, SesEvent, hour_at, hour_of, rates, read_event,
};
use sendready_core::{Issue, Report};
use std::sync::Arc;

/// How many events `GET /v1/events` returns at most.
pub const EVENTS_SHOWN: usize = 50;
/// How many of the latest events a filter looks through.
const EVENTS_SCANNED: usize = 500;

/// What consuming one delivery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consumed {
    /// Recorded and counted.
    Recorded,
    /// Recorded before (a redelivery): not counted again.
    Duplicate,
    /// Not an event of a Sendready configuration set, or not an SES event: why.
    Ignored(String),
}

/// The events service.
#[derive(Clone)]
pub struct Events {
    /// Where events and counts are kept.
    pub store: Arc<dyn EventStore>,
}

/// Which events `GET /v1/events` returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this identity's.
    pub identity: Option<String>,
    /// Only this kind.
    pub kind: Option<EventKind>,
}

/// One message of an SQS batch as Lambda delivers it (`Records[]`): its id and body.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueRecord {
    message_id: String,
    #[serde(default)]
    body: String,
}

impl Events {
    /// Consumes a batch from the SES events queue (Lambda's SQS event: `Records[]`, each
    /// `body` the EventBridge event); answers Lambda's partial batch response, the ids of
    /// the messages whose event could not be stored (`batchItemFailures`), so the queue
    /// delivers only those again and, after its receive count, moves them to its
    /// dead-letter queue: one bad event never drops the rest. A body that is not JSON can
    /// never succeed and is dropped (logged).
    pub async fn consume_batch(&self, batch: &serde_json::Value) -> serde_json::Value {
        use futures_util::StreamExt;
        let records: Vec<QueueRecord> = batch
            .get("Records")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default();
        let failed: Vec<String> = futures_util::stream::iter(records)
            .map(|r| async move {
                let Ok(delivery) = serde_json::from_str::<serde_json::Value>(&r.body) else {
                    tracing::warn!(message = %r.message_id, "queued SES event is not JSON; dropped");
                    return None;
                };
                match self.consume(&delivery).await {
                    Ok(Consumed::Ignored(why)) => {
                        tracing::warn!(message = %r.message_id, why = %why, "event ignored");
                        None
                    }
                    Ok(c) => {
                        tracing::debug!(message = %r.message_id, outcome = ?c, "event consumed");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(message = %r.message_id, error = %e, "event not stored; the queue delivers it again");
                        Some(r.message_id)
                    }
                }
            })
            .buffer_unordered(4)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        serde_json::json!({
            "batchItemFailures": failed
                .into_iter()
                .map(|id| serde_json::json!({ "itemIdentifier": id }))
                .collect::<Vec<_>>()
        })
    }

    /// Consumes one delivery: an EventBridge event (`detail` is SES's event) or SES's
    /// event itself (an SNS message).
    pub async fn consume(&self, delivery: &serde_json::Value) -> Result<Consumed, AwsError> {
        let detail = delivery.get("detail").unwrap_or(delivery);
        let raw: RawEvent = match serde_json::from_value(detail.clone()) {
            Ok(r) => r,
            Err(e) => return Ok(Consumed::Ignored(format!("not an SES event: {e}"))),
        };
        let report = read_event(&raw);
        let Some(event) = report.value else {
            let why = report
                .issues
                .first()
                .map_or_else(String::new, |i| i.message.clone());
            return Ok(Consumed::Ignored(why));
        };
        if !event.configuration_set.starts_with("sendready-") {
            return Ok(Consumed::Ignored(format!(
                "configuration set {:?} is not a tenant's",
                event.configuration_set
            )));
        }
        let hour = hour_of(&event.at).unwrap_or_else(|| hour_at(now_secs()));
        let new = self
            .store
            .record(&event.configuration_set, &event, &hour)
            .await?;
        Ok(if new {
            Consumed::Recorded
        } else {
            Consumed::Duplicate
        })
    }

    /// The tenant's latest events, newest first, filtered.
    pub async fn recent(&self, tenant: &str, filter: &Filter) -> Result<Vec<SesEvent>, Problem> {
        // Unfiltered, the latest page is the answer: read no more than it (`bench/run
        // scale`: 50 items, not 500, a request).
        let unfiltered = filter.identity.is_none() && filter.kind.is_none();
        let scanned = if unfiltered {
            EVENTS_SHOWN
        } else {
            EVENTS_SCANNED
        };
        let all = self.store.recent(&ses_tenant_name(tenant), scanned).await?;
        Ok(all
            .into_iter()
            .filter(|e| {
                filter
                    .identity
                    .as_deref()
                    .is_none_or(|i| e.identity.eq_ignore_ascii_case(i))
            })
            .filter(|e| filter.kind.is_none_or(|k| e.kind == k))
            .take(EVENTS_SHOWN)
            .collect())
    }

    /// The tenant's rates over the last 24 hours and 7 days (the current hour and the
    /// ones before it), each with a warning at the levels SES reviews an account at.
    pub async fn rates(&self, tenant: &str) -> Result<(Vec<Rates>, Vec<Issue>), Problem> {
        let now = now_secs();
        let since = |hours: u64| hour_at(now.saturating_sub((hours - 1) * 3_600));
        let week = since(24 * 7);
        let day = since(24);
        let counts = self.store.counts(&ses_tenant_name(tenant), &week).await?;
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for (window, from) in [("24h", &day), ("7d", &week)] {
            let mut c = sendready_core::events::Counts::default();
            for (_, h) in counts.iter().filter(|(hour, _)| hour >= from) {
                c.merge(h);
            }
            let r: Report<Rates> = rates(window, c);
            warnings.extend(r.issues);
            out.extend(r.value);
        }
        Ok((out, warnings))
    }
}
