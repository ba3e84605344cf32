//! The platform's admin view (`GET /v1/platform`, issue 23.7): how close the deployment is
//! to SES's quota of identities per region, and how far the reconciler got. Read from the
//! reconciler's cursor (one item by key): the counts are those of its last finished pass,
//! which walked SES's whole identity list and the registry's owners index, so the view
//! costs the same at any size.

use super::identities::Identities;
use crate::error::Problem;
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

/// `GET /v1/platform`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformView {
    /// SES identities used of the region's quota.
    pub ses_identities: IdentityHeadroom,
    /// The reconciler's cursor.
    pub reconciler: ReconcilerView,
    /// What needs the platform's attention.
    pub warnings: Vec<Issue>,
}

/// The view of a cursor (none: the reconciler never ran).
pub fn platform_view(cursor: Option<&ReconcileCursor>, quota: u64) -> PlatformView {
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
    PlatformView {
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
        Ok(platform_view(cursor.as_ref(), SES_IDENTITY_QUOTA))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_warns_from_eighty_percent_of_the_quota_and_says_nothing_before_a_pass() {
        let none = platform_view(None, 10_000);
        assert_eq!(none.ses_identities.used, None);
        assert!(!none.reconciler.ran && none.warnings.is_empty());
        let cursor = |used| ReconcileCursor {
            pass: 3,
            last_pass_ses_identities: Some(used),
            last_pass_registry_names: Some(used - 5),
            last_pass_finished_at: Some(86_400),
            ..ReconcileCursor::default()
        };
        let fine = platform_view(Some(&cursor(7_999)), 10_000);
        assert!(fine.warnings.is_empty());
        assert_eq!(fine.ses_identities.registry_names, Some(7_994));
        assert_eq!(
            fine.ses_identities.counted_at.as_deref(),
            Some("1970-01-02T00:00:00Z")
        );
        let near = platform_view(Some(&cursor(8_000)), 10_000);
        assert_eq!(near.ses_identities.percent, Some(80.0));
        assert_eq!(near.warnings[0].code, Code::PlatformIdentityQuotaNear);
        assert!(near.warnings[0].message.contains("8000 identities"));
    }
}
