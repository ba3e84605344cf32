//! The platform's admin view (`GET /v1/platform`, issue 23.7): how close the deployment is
//! to SES's quota of identities per region, how many tenants it holds, what waits in the
//! queues and their dead-letter queues, and how far the reconciler got. Read from the
//! reconciler's cursor (one item by key: the identity counts are those of its last
//! finished pass, which walked SES's whole identity list and the registry's owners index),
//! the tenant count (four items by key) and one `GetQueueAttributes` a queue, so the view
//! costs the same at any size.

use super::identities::Identities;
use crate::error::Problem;
use crate::ports::queue::Depth;
use crate::ports::registry::{ReconcileCursor, Walk};
use sendready_core::events::rfc3339;
use sendready_core::{Code, Issue, Severity};
use serde::Serialize;

/// SES's default quota of identities (domains and addresses) per account and region.
pub const SES_IDENTITY_QUOTA: u64 = 10_000;

/// The share of the quota from which the view warns (`platform-identity-quota-near`).
pub const QUOTA_WARNING_PERCENT: f64 = 80.0;

/// SES identities used of the region's quota.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityHeadroom {
    /// Identities SES held at the reconciler's last finished pass; absent before one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// The region's quota.
    pub quota: u64,
    /// `used` as a percentage of `quota`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Names the registry held at that pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_names: Option<u64>,
    /// When that pass finished (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted_at: Option<String>,
}

/// Where the reconciler got to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcilerView {
    /// True once it has run.
    pub ran: bool,
    /// The pass under way.
    pub pass: u64,
    /// The walk under way: `ses` (SES's identity list) or `registry` (the owners index).
    pub walk: Walk,
    /// The owners-index shard under way (of 16), in the registry walk.
    pub shard: u32,
    /// When the pass under way began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_started_at: Option<String>,
    /// When its last run ended, and how many pages it read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_at: Option<String>,
    /// Pages the last run read.
    pub last_run_pages: u64,
    /// When the last pass finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pass_finished_at: Option<String>,
}

/// One queue's depth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    /// Which: `sesEvents`, `sesEventsDeadLetter`, `sends`, `sendsDeadLetter`.
    pub name: &'static str,
    /// True for a dead-letter queue (what is in it needs a fix and a redrive).
    pub dead_letter: bool,
    /// Its depth, when SQS answered.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Depth>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /v1/platform`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformView {
    /// Tenants the registry holds.
    pub tenants: u64,
    /// SES identities used of the region's quota.
    pub ses_identities: IdentityHeadroom,
    /// The queues the deployment has, with their depths.
    pub queues: Vec<QueueView>,
    /// The reconciler's cursor.
    pub reconciler: ReconcilerView,
    /// What needs the platform's attention.
    pub warnings: Vec<Issue>,
}

/// The view of a cursor (none: the reconciler never ran), the tenant count and the
/// queues' depths.
pub fn platform_view(
    cursor: Option<&ReconcileCursor>,
    quota: u64,
    tenants: u64,
    queues: Vec<QueueView>,
) -> PlatformView {
    let at = |t: Option<u64>| t.map(rfc3339);
    let used = cursor.and_then(|c| c.last_pass_ses_identities);
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let percent = used.map(|u| (u as f64) * 100.0 / (quota.max(1) as f64));
    let mut warnings = Vec::new();
    if let (Some(u), Some(p)) = (used, percent)
        && p >= QUOTA_WARNING_PERCENT
    {
        warnings.push(Issue {
            field: "sesIdentities".to_owned(),
            code: Code::PlatformIdentityQuotaNear,
            severity: Severity::Warning,
            message: format!(
                "SES holds {u} identities in this region, {p:.1} % of its quota of {quota}; ask AWS Support to raise the quota, or use another region or account for new tenants, before creates start failing."
            ),
        });
    }
    for q in queues.iter().filter(|q| q.dead_letter) {
        let waiting = q.depth.map_or(0, |d| d.visible + d.in_flight + d.delayed);
        if waiting > 0 {
            let what = if q.name.starts_with("sesEvents") {
                "SES events sendready-events could not store"
            } else {
                "queued messages the send worker could not handle"
            };
            warnings.push(Issue {
                field: format!("queues.{}", q.name),
                code: Code::PlatformDeadLetters,
                severity: Severity::Warning,
                message: format!(
                    "{waiting} {what} wait in the dead-letter queue after their retries; find the cause in the function's logs, fix it, then redrive them (SQS \"Start DLQ redrive\")."
                ),
            });
        }
    }
    PlatformView {
        tenants,
        queues,
        ses_identities: IdentityHeadroom {
            used,
            quota,
            percent,
            registry_names: cursor.and_then(|c| c.last_pass_registry_names),
            counted_at: at(cursor.and_then(|c| c.last_pass_finished_at)),
        },
        reconciler: ReconcilerView {
            ran: cursor.is_some(),
            pass: cursor.map_or(0, |c| c.pass),
            walk: cursor.map_or(Walk::Ses, |c| c.walk),
            shard: cursor.map_or(0, |c| c.shard),
            pass_started_at: at(cursor.map(|c| c.pass_started_at)),
            last_run_at: at(cursor.and_then(|c| c.last_run_at)),
            last_run_pages: cursor.map_or(0, |c| c.last_run_pages),
            last_pass_finished_at: at(cursor.and_then(|c| c.last_pass_finished_at)),
        },
        warnings,
    }
}

impl Identities {
    /// The platform's admin view.
    pub async fn platform(&self) -> Result<PlatformView, Problem> {
        let cursor = self.registry.reconcile_cursor().await?;
        let tenants = self.registry.tenant_count().await?;
        let u = &self.queue_urls;
        let named = [
            ("sesEvents", false, &u.events),
            ("sesEventsDeadLetter", true, &u.events_dlq),
            ("sends", false, &u.send),
            ("sendsDeadLetter", true, &u.send_dlq),
        ];
        let queues = futures_util::future::join_all(named.into_iter().filter_map(
            |(name, dead_letter, url)| {
                let url = url.clone()?;
                Some(async move {
                    let depth = self.queues.depth(&url).await;
                    QueueView {
                        name,
                        dead_letter,
                        error: depth.as_ref().err().map(ToString::to_string),
                        depth: depth.ok(),
                    }
                })
            },
        ))
        .await;
        Ok(platform_view(
            cursor.as_ref(),
            SES_IDENTITY_QUOTA,
            tenants,
            queues,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_warns_from_eighty_percent_of_the_quota_and_says_nothing_before_a_pass() {
        let none = platform_view(None, 10_000, 0, Vec::new());
        assert_eq!(none.ses_identities.used, None);
        assert!(!none.reconciler.ran && none.warnings.is_empty());
        let cursor = |used| ReconcileCursor {
            pass: 3,
            last_pass_ses_identities: Some(used),
            last_pass_registry_names: Some(used - 5),
            last_pass_finished_at: Some(86_400),
            ..ReconcileCursor::default()
        };
        let fine = platform_view(Some(&cursor(7_999)), 10_000, 3, Vec::new());
        assert!(fine.warnings.is_empty());
        assert_eq!(fine.ses_identities.registry_names, Some(7_994));
        assert_eq!(
            fine.ses_identities.counted_at.as_deref(),
            Some("1970-01-02T00:00:00Z")
        );
        let near = platform_view(Some(&cursor(8_000)), 10_000, 3, Vec::new());
        assert_eq!(near.ses_identities.percent, Some(80.0));
        assert_eq!(near.warnings[0].code, Code::PlatformIdentityQuotaNear);
        assert!(near.warnings[0].message.contains("8000 identities"));
    }

    #[test]
    fn a_dead_letter_queue_holding_messages_is_a_warning_and_a_busy_queue_is_not() {
        let q = |name, dead_letter, visible| QueueView {
            name,
            dead_letter,
            depth: Some(Depth {
                visible,
                ..Depth::default()
            }),
            error: None,
        };
        let v = platform_view(
            None,
            10_000,
            12,
            vec![
                q("sesEvents", false, 900),
                q("sesEventsDeadLetter", true, 0),
                q("sends", false, 40),
                q("sendsDeadLetter", true, 3),
            ],
        );
        assert_eq!(v.tenants, 12);
        assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
        assert_eq!(v.warnings[0].code, Code::PlatformDeadLetters);
        assert_eq!(v.warnings[0].field, "queues.sendsDeadLetter");
        assert!(v.warnings[0].message.starts_with("3 queued messages"));
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["queues"][0]["visible"], 900);
        assert_eq!(json["queues"][3]["deadLetter"], true);
    }
}
