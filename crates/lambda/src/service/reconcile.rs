//! Reconciliation: the registry and SES compared, and made consistent without destroying
//! anything a user has. A phantom (a reservation SES never got, or whose identity was
//! deleted in SES directly) is released so it stops using up the tenant's limit; a create
//! that finished in SES but was never confirmed is confirmed; an orphan (an identity SES
//! holds under a Sendready tenant tag, with no reservation: a lost answer whose
//! reservation was given back) is registered to its tenant again when the tenant's rules
//! allow, and reported otherwise. SES identities without Sendready's tag are not ours and
//! are left alone. Every identity the registry holds confirmed is tracked (verification
//! tracking, issue 15): one made before tracking existed, or whose tracking could not
//! start, is enrolled. Every action is in the report.

use crate::error::Problem;
use crate::ports::registry::{NameOwner, canonical_identity, now_secs};
use crate::ports::tracking::Tracked;
use crate::ports::{Owned, Registry, ReserveError, Ses, TrackingStore};
use sendready_core::identity::IdentityKind;
use sendready_core::tracking::Schedule;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// The reconciler over SES and the registry.
#[derive(Clone)]
pub struct Reconciler {
    /// SES v2.
    pub ses: Arc<dyn Ses>,
    /// The tenant registry.
    pub registry: Arc<dyn Registry>,
    /// How old a pending reservation must be before it counts as abandoned.
    pub stale_after: Duration,
    /// Verification tracking.
    pub tracking: Arc<dyn TrackingStore>,
    /// The tracker's times.
    pub schedule: Schedule,
}

/// What a reconciliation found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    /// Identity names the registry holds.
    pub registry_identities: usize,
    /// Identities SES holds in this region.
    pub ses_identities: usize,
    /// Reservations released because SES has no such identity (`tenant identity`).
    pub phantoms_released: Vec<String>,
    /// Creates that finished in SES, now confirmed.
    pub pending_confirmed: Vec<String>,
    /// Tagged SES identities registered to their tenant again.
    pub orphans_registered: Vec<String>,
    /// What was found and left as it is, with the reason (for a person to decide).
    pub left_alone: Vec<String>,
    /// Confirmed identities that were not tracked, now tracked.
    pub tracking_started: Vec<String>,
}

impl Reconciler {
    /// Compares the registry with SES and repairs what it safely can.
    pub async fn run(&self) -> Result<ReconcileReport, Problem> {
        let owners = self.registry.owners().await?;
        let in_ses = self.ses.list_identities().await?;
        let ses_names: HashSet<String> = in_ses.iter().map(|i| canonical_identity(i)).collect();
        let mut report = ReconcileReport {
            registry_identities: owners.len(),
            ses_identities: in_ses.len(),
            ..ReconcileReport::default()
        };
        for o in &owners {
            self.owner(
                o,
                ses_names.contains(&canonical_identity(&o.identity)),
                &mut report,
            )
            .await?;
        }
        let owned: HashSet<String> = owners
            .iter()
            .map(|o| canonical_identity(&o.identity))
            .collect();
        for identity in in_ses
            .iter()
            .filter(|i| !owned.contains(&canonical_identity(i)))
        {
            self.orphan(identity, &mut report).await?;
        }
        tracing::info!(?report, "reconciled the registry with SES");
        Ok(report)
    }

    async fn owner(
        &self,
        o: &NameOwner,
        in_ses: bool,
        report: &mut ReconcileReport,
    ) -> Result<(), Problem> {
        let who = format!("{} {}", o.tenant, o.identity);
        if !in_ses {
            let age = now_secs().saturating_sub(o.reserved_at.unwrap_or(0));
            if o.pending && age < self.stale_after.as_secs() {
                // A create may be under way right now.
                return Ok(());
            }
            self.registry
                .release(&o.tenant, &o.identity, o.kind)
                .await?;
            report.phantoms_released.push(who);
            return Ok(());
        }
        if o.pending {
            let tag = match self.ses.get_identity(&o.identity).await {
                Ok(i) => i.tenant_tag,
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            if tag.as_deref() == Some(o.tenant.as_str()) {
                self.registry.confirm(&o.tenant, &o.identity).await?;
                report.pending_confirmed.push(who);
                self.track(&o.tenant, &o.identity, o.kind, report).await?;
            } else {
                report.left_alone.push(format!(
                    "{who}: pending, and SES holds it under the tag {}",
                    tag.as_deref().unwrap_or("(none)")
                ));
            }
            return Ok(());
        }
        self.track(&o.tenant, &o.identity, o.kind, report).await
    }

    /// Enrolls a confirmed identity that is not tracked.
    async fn track(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
        report: &mut ReconcileReport,
    ) -> Result<(), Problem> {
        let started = self
            .tracking
            .enroll(&Tracked {
                tenant: tenant.to_owned(),
                identity: identity.to_owned(),
                kind,
                track: sendready_core::tracking::start(now_secs(), None, &self.schedule),
                version: 0,
            })
            .await?;
        if started {
            report.tracking_started.push(format!("{tenant} {identity}"));
        }
        Ok(())
    }

    async fn orphan(&self, identity: &str, report: &mut ReconcileReport) -> Result<(), Problem> {
        let tag = match self.ses.get_identity(identity).await {
            Ok(i) => i.tenant_tag,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        // Not created by Sendready: not ours to register or to touch.
        let Some(tenant) = tag else {
            return Ok(());
        };
        let kind = if identity.contains('@') {
            IdentityKind::Email
        } else {
            IdentityKind::Domain
        };
        let owned = Owned::reservation(identity, kind);
        match self.registry.reserve(&tenant, &owned).await {
            Ok(()) => {
                self.registry.confirm(&tenant, identity).await?;
                report.orphans_registered.push(format!("{tenant} {identity}"));
                self.track(&tenant, identity, kind, report).await?;
            }
            Err(ReserveError::Aws(e)) => return Err(e.into()),
            Err(e) => report.left_alone.push(format!(
                "{tenant} {identity}: SES has it under this tenant's tag, but it cannot be registered again ({e})"
            )),
        }
        Ok(())
    }
}
