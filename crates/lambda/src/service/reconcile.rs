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
//!
//! It finishes at any size (issue 23.2): a pass is two walks, each a page at a time —
//! SES's identity list (each name looked up in the registry by key, and marked seen with
//! the pass number), then the registry's sparse owners index a shard at a time (each
//! owner the first walk did not see checked in SES by name). A run works under a time
//! budget and keeps its cursor after every page, so a run cut off by the budget or killed
//! mid-page loses nothing: the next run goes on from the cursor, and a page done twice
//! does nothing twice (each repair is conditional). Memory and reads per page are
//! bounded; nothing is ever held for the whole account.

use crate::error::Problem;
use crate::ports::registry::{
    NameOwner, OWNER_SHARDS, ReconcileCursor, Walk, canonical_identity, now_secs,
};
use crate::ports::tracking::Tracked;
use crate::ports::{Owned, Registry, ReserveError, Ses, TrackingStore};
use futures_util::StreamExt;
use sendready_core::identity::IdentityKind;
use sendready_core::tracking::Schedule;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Names handled at once within a page.
const CONCURRENCY: usize = 8;

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
    /// Names read a page (SES's list and the owners index alike).
    pub page_size: usize,
    /// How long a run starts new pages for; the page under way when it runs out is
    /// finished, so the budget plus one page must fit the function's timeout.
    pub budget: Duration,
}

/// What a reconciliation run found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    /// Owners read from the registry's index this run.
    pub registry_identities: usize,
    /// Identities read from SES's list this run.
    pub ses_identities: usize,
    /// Pages read this run.
    pub pages: u64,
    /// True when this run ended its pass (both walks done); false when it stopped at its
    /// budget and the next run goes on from the cursor.
    pub finished: bool,
    /// Where the next run starts.
    pub cursor: ReconcileCursor,
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

/// What handling one name did, for the report.
#[derive(Default)]
struct Done {
    released: Option<String>,
    confirmed: Option<String>,
    registered: Option<String>,
    left_alone: Option<String>,
    tracked: Option<String>,
}

impl ReconcileReport {
    fn add(&mut self, d: Done) {
        self.phantoms_released.extend(d.released);
        self.pending_confirmed.extend(d.confirmed);
        self.orphans_registered.extend(d.registered);
        self.left_alone.extend(d.left_alone);
        self.tracking_started.extend(d.tracked);
    }
}

impl Reconciler {
    /// Goes on from the cursor, a page at a time, until the pass ends or the budget is
    /// spent; keeps the cursor after every page.
    pub async fn run(&self) -> Result<ReconcileReport, Problem> {
        let started = Instant::now();
        let mut cur = match self.registry.reconcile_cursor().await? {
            Some(c) if c.pass > 0 => c,
            _ => ReconcileCursor {
                pass: 1,
                pass_started_at: now_secs(),
                ..ReconcileCursor::default()
            },
        };
        let mut report = ReconcileReport::default();
        loop {
            let mut done = Vec::new();
            match cur.walk {
                Walk::Ses => {
                    let (names, next) = self
                        .ses
                        .list_identities_page(cur.ses_token.clone(), self.page_size)
                        .await?;
                    report.ses_identities += names.len();
                    cur.pass_ses_identities += names.len() as u64;
                    let pass = cur.pass;
                    let mut results = futures_util::stream::iter(names)
                        .map(|name| async move { self.in_ses(&name, pass).await })
                        .buffer_unordered(CONCURRENCY);
                    while let Some(r) = results.next().await {
                        done.push(r?);
                    }
                    cur.ses_token = next;
                    if cur.ses_token.is_none() {
                        cur.walk = Walk::Registry;
                        cur.shard = 0;
                        cur.after = None;
                    }
                }
                Walk::Registry => {
                    let (owners, next) = self
                        .registry
                        .owners_page(cur.shard, cur.after.as_deref(), self.page_size)
                        .await?;
                    report.registry_identities += owners.len();
                    cur.pass_registry_names += owners.len() as u64;
                    let pass = cur.pass;
                    let mut results = futures_util::stream::iter(owners)
                        .map(|o| async move { self.in_registry(&o, pass).await })
                        .buffer_unordered(CONCURRENCY);
                    while let Some(r) = results.next().await {
                        done.push(r?);
                    }
                    cur.after = next;
                    if cur.after.is_none() {
                        cur.shard += 1;
                    }
                }
            }
            for d in done {
                report.add(d);
            }
            report.pages += 1;
            let pass_ended = cur.walk == Walk::Registry && cur.shard >= OWNER_SHARDS;
            if pass_ended {
                let now = now_secs();
                cur = ReconcileCursor {
                    pass: cur.pass + 1,
                    pass_started_at: now,
                    last_pass_finished_at: Some(now),
                    last_pass_ses_identities: Some(cur.pass_ses_identities),
                    last_pass_registry_names: Some(cur.pass_registry_names),
                    ..ReconcileCursor::default()
                };
            }
            let out_of_time = started.elapsed() >= self.budget;
            if pass_ended || out_of_time {
                cur.last_run_at = Some(now_secs());
                cur.last_run_pages = report.pages;
            }
            self.registry.save_reconcile_cursor(&cur).await?;
            if pass_ended || out_of_time {
                report.finished = pass_ended;
                report.cursor = cur;
                break;
            }
        }
        for v in [
            &mut report.phantoms_released,
            &mut report.pending_confirmed,
            &mut report.orphans_registered,
            &mut report.left_alone,
            &mut report.tracking_started,
        ] {
            v.sort();
        }
        tracing::info!(?report, "reconciled the registry with SES");
        Ok(report)
    }

    /// A name SES's list shows: its registry owner confirmed or enrolled, or (none) the
    /// name handled as an orphan; marked seen in this pass.
    async fn in_ses(&self, name: &str, pass: u64) -> Result<Done, Problem> {
        let Some(owner) = self.registry.owner(&canonical_identity(name)).await? else {
            return self.orphan(name).await;
        };
        let done = self.present(&owner).await?;
        self.registry.mark_seen(&owner.identity, pass).await?;
        Ok(done)
    }

    /// An owner of the registry's index: nothing to do when this pass's walk of SES saw
    /// it; otherwise SES is asked for it by name, and a stale reservation SES does not
    /// have is released.
    async fn in_registry(&self, o: &NameOwner, pass: u64) -> Result<Done, Problem> {
        if o.seen_pass == Some(pass) {
            return Ok(Done::default());
        }
        match self.ses.get_identity(&o.identity).await {
            Ok(_) => {
                // Made after the walk of SES's list passed it.
                let done = self.present(o).await?;
                self.registry.mark_seen(&o.identity, pass).await?;
                Ok(done)
            }
            Err(e) if e.is_not_found() => {
                let age = now_secs().saturating_sub(o.reserved_at.unwrap_or(0));
                if o.pending && age < self.stale_after.as_secs() {
                    // A create may be under way right now.
                    return Ok(Done::default());
                }
                self.registry
                    .release(&o.tenant, &o.identity, o.kind)
                    .await?;
                Ok(Done {
                    released: Some(format!("{} {}", o.tenant, o.identity)),
                    ..Done::default()
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An owner whose identity SES has: a pending one confirmed when SES's tag names its
    /// tenant, and a confirmed one tracked.
    async fn present(&self, o: &NameOwner) -> Result<Done, Problem> {
        let who = format!("{} {}", o.tenant, o.identity);
        if !o.pending {
            return Ok(Done {
                tracked: self.track(&o.tenant, &o.identity, o.kind).await?,
                ..Done::default()
            });
        }
        let tag = match self.ses.get_identity(&o.identity).await {
            Ok(i) => i.tenant_tag,
            Err(e) if e.is_not_found() => return Ok(Done::default()),
            Err(e) => return Err(e.into()),
        };
        if tag.as_deref() == Some(o.tenant.as_str()) {
            self.registry.confirm(&o.tenant, &o.identity).await?;
            Ok(Done {
                confirmed: Some(who),
                tracked: self.track(&o.tenant, &o.identity, o.kind).await?,
                ..Done::default()
            })
        } else {
            Ok(Done {
                left_alone: Some(format!(
                    "{who}: pending, and SES holds it under the tag {}",
                    tag.as_deref().unwrap_or("(none)")
                )),
                ..Done::default()
            })
        }
    }

    /// Enrolls a confirmed identity that is not tracked; `tenant identity` when it did.
    async fn track(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
    ) -> Result<Option<String>, Problem> {
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
        Ok(started.then(|| format!("{tenant} {identity}")))
    }

    async fn orphan(&self, identity: &str) -> Result<Done, Problem> {
        let tag = match self.ses.get_identity(identity).await {
            Ok(i) => i.tenant_tag,
            Err(e) if e.is_not_found() => return Ok(Done::default()),
            Err(e) => return Err(e.into()),
        };
        // Not created by Sendready: not ours to register or to touch.
        let Some(tenant) = tag else {
            return Ok(Done::default());
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
                Ok(Done {
                    registered: Some(format!("{tenant} {identity}")),
                    tracked: self.track(&tenant, identity, kind).await?,
                    ..Done::default()
                })
            }
            Err(ReserveError::Aws(e)) => Err(e.into()),
            Err(e) => Ok(Done {
                left_alone: Some(format!(
                    "{tenant} {identity}: SES has it under this tenant's tag, but it cannot be registered again ({e})"
                )),
                ..Done::default()
            }),
        }
    }
}
