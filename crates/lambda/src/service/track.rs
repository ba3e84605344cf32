//! Verification that tracks itself (issue 15): `sendready-track`, run on a schedule, looks
//! at each identity that is due (SES's status, and each record in live DNS, as Verify
//! does), records what changed in the identity's history, announces it, and sets the next
//! look ([`sendready_core::tracking`] decides when and what).
//!
//! Announcements are at least once: a change to announce waits in the track's outbox,
//! with the announcers that have not taken it, and is offered again to those (and only
//! those) at the next look, which comes sooner than the schedule (after its first gap, 5
//! minutes); its id stays the same, so a receiver drops a repeat. An announcer that fails
//! is not tried again within the same look, so one that hangs costs one timeout per look,
//! not one per waiting announcement.
//!
//! No tenant's domain can stall it (issue 23.5): each identity is put off before its look
//! (the schedule's first gap, doubled for each look in a row that did not finish), and
//! each look has its own deadline, so a look that fails (SES throttled, DNS down), is cut
//! off, or dies with the function leaves its identity put off, and identities that keep
//! failing never hold the front of the due index; due items with nothing tracked behind
//! them are removed where they are found.

use super::identities::Identities;
use crate::error::Problem;
use crate::ports::TrackingStore;
use crate::ports::announce::{Announced, Announcer};
use crate::ports::tracking::Tracked;
use sendready_core::Code;
use sendready_core::events::rfc3339;
use sendready_core::tracking::{self, Change, Owed};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The most announcements kept waiting for one identity; older ones are dropped (and
/// logged), so an announcer down for weeks cannot grow an item past DynamoDB's size.
pub const OUTBOX_MAX: usize = 20;

/// The tracker.
#[derive(Clone)]
pub struct Tracker {
    /// Reads SES and live DNS the way Verify does.
    pub identities: Identities,
    /// The tracking store.
    pub store: Arc<dyn TrackingStore>,
    /// Where changes are announced (EventBridge, the platform's webhook; may be empty).
    pub announcers: Vec<Arc<dyn Announcer>>,
    /// The most identities one run looks at; the rest are looked at in the next run.
    pub batch: usize,
    /// How many looks run at once (each waits mostly on SES and DNS).
    pub concurrency: usize,
    /// When a run starts no new look (under the function's 30 s timeout); the identities
    /// left are still due, and the next run takes them.
    pub deadline: std::time::Duration,
    /// The longest one look may take (SES, every DNS lookup, the announcements); one cut
    /// off is put off like one that failed. `deadline` plus this fits the timeout.
    pub look_deadline: std::time::Duration,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackReport {
    /// Identities looked at.
    pub looked: usize,
    /// Changes recorded.
    pub changes: usize,
    /// Announcements delivered to every announcer.
    pub announced: usize,
    /// Announcements waiting for a retry.
    pub waiting: usize,
    /// Identities no longer there (deleted), no longer tracked.
    pub forgotten: Vec<String>,
    /// Looks that failed (`tenant identity: why`), tried again at the next run.
    pub failed: Vec<String>,
    /// Identities due but not looked at before the deadline: the next run takes them.
    pub deferred: usize,
    /// Orphaned due items (their identity no longer tracked) removed where found.
    pub orphans_removed: usize,
    /// Identities that never verified within SES's window and the grace after it, their
    /// names released (`tenant identity`).
    pub released: Vec<String>,
}

impl TrackReport {
    /// Adds what another look did.
    fn merge(&mut self, other: TrackReport) {
        self.looked += other.looked;
        self.changes += other.changes;
        self.announced += other.announced;
        self.waiting += other.waiting;
        self.deferred += other.deferred;
        self.orphans_removed += other.orphans_removed;
        self.forgotten.extend(other.forgotten);
        self.released.extend(other.released);
        self.failed.extend(other.failed);
    }
}

/// The announcement of `c` for `t`; its id is the same every time `c` is announced.
pub fn announced(t: &Tracked, c: &Change) -> Option<Announced> {
    let kind = c.announce?;
    let mut h = Sha256::new();
    for part in [
        t.tenant.as_str(),
        t.identity.as_str(),
        kind.detail_type(),
        &c.at.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let id = crate::adapters::webhook::hex(&h.finalize()[..16]);
    Some(Announced {
        id,
        kind,
        tenant: t.tenant.clone(),
        identity: t.identity.clone(),
        from: c.from.clone(),
        status: c.status.clone(),
        records: c.records.clone(),
        at: rfc3339(c.at),
    })
}

impl Tracker {
    /// Looks at every identity due at `now` (at most `batch`, `concurrency` at a time,
    /// none started after `deadline`, each within `look_deadline`).
    pub async fn run(&self, now: u64) -> Result<TrackReport, Problem> {
        use futures_util::StreamExt;
        let started = std::time::Instant::now();
        let (due, orphans) = self.store.due(now, self.batch).await?;
        let mut looks = futures_util::stream::iter(due)
            .map(|t| async move {
                let mut one = TrackReport::default();
                if started.elapsed() >= self.deadline {
                    one.deferred = 1;
                    return one;
                }
                let failed = match self.claim(&t, now).await {
                    Ok(None) => None, // another run has it
                    Ok(Some(claimed)) => {
                        match tokio::time::timeout(
                            self.look_deadline,
                            self.look_at(&claimed, now, &mut one),
                        )
                        .await
                        {
                            Ok(Ok(())) => None,
                            Ok(Err(p)) => Some(p.detail.clone()),
                            Err(_) => Some(format!(
                                "the look took longer than {} s (SES or the domain's name servers answer slowly)",
                                self.look_deadline.as_secs()
                            )),
                        }
                    }
                    Err(p) => Some(p.detail.clone()),
                };
                if let Some(why) = failed {
                    tracing::warn!(tenant = %t.tenant, identity = %t.identity, error = %why, "look failed; put off, tried again later");
                    one.failed.push(format!("{} {}: {why}", t.tenant, t.identity));
                }
                one
            })
            .buffer_unordered(self.concurrency.max(1));
        let mut report = TrackReport {
            orphans_removed: orphans,
            ..TrackReport::default()
        };
        while let Some(one) = looks.next().await {
            report.merge(one);
        }
        tracing::info!(?report, "tracked verification");
        Ok(report)
    }

    /// Puts the identity off before looking ([`tracking::put_off`]: the schedule's first
    /// gap, longer for each look in a row that did not finish), so a look that fails, is
    /// cut off by its deadline or dies with the function leaves it put off, never at the
    /// front of the due queue. The look's own save then sets the real next look. `None`
    /// when another run claimed it first.
    async fn claim(&self, t: &Tracked, now: u64) -> Result<Option<Tracked>, Problem> {
        let later = tracking::put_off(&t.track, now, &self.identities.schedule);
        if !self.store.save(t, &later, &[]).await? {
            return Ok(None);
        }
        Ok(Some(Tracked {
            track: later,
            version: t.version + 1,
            ..t.clone()
        }))
    }

    async fn look_at(
        &self,
        t: &Tracked,
        now: u64,
        report: &mut TrackReport,
    ) -> Result<(), Problem> {
        let observed = match self.identities.observe(&t.tenant, &t.identity).await {
            Ok(o) => o,
            Err(p) if matches!(p.code, Code::IdentityNotFound | Code::SesNotFound) => {
                self.store.forget(&t.tenant, &t.identity).await?;
                report
                    .forgotten
                    .push(format!("{} {}", t.tenant, t.identity));
                return Ok(());
            }
            Err(p) => return Err(p),
        };
        report.looked += 1;
        let verified =
            observed.ses.verified_for_sending || observed.ses.verification_status == "SUCCESS";
        if tracking::held_too_long(&t.track, verified, now, &self.identities.schedule) {
            return self
                .release_unverified(t, &observed.ses.verification_status, now, report)
                .await;
        }
        let (mut next, changes) =
            tracking::step(&t.track, &observed.look(), now, &self.identities.schedule);
        report.changes += changes.len();
        let names: Vec<String> = self
            .announcers
            .iter()
            .map(|a| a.name().to_owned())
            .collect();
        next.outbox.extend(
            changes
                .iter()
                .filter(|c| c.announce.is_some())
                .map(|c| Owed {
                    change: c.clone(),
                    to: names.clone(),
                }),
        );
        if next.outbox.len() > OUTBOX_MAX {
            let dropped = next.outbox.len() - OUTBOX_MAX;
            tracing::error!(tenant = %t.tenant, identity = %t.identity, dropped, "announcements dropped: the announcers refused them for too long");
            next.outbox.drain(..dropped);
        }
        for c in &changes {
            tracing::info!(tenant = %t.tenant, identity = %t.identity, from = ?c.from, status = %c.status, records = c.records.len(), announce = ?c.announce, "verification changed");
        }
        // Saved first, owed to every announcer: only a change that is recorded is ever
        // announced, so an announcement is never of a change the next look finds again
        // (with another id). A save that fails or is superseded announces nothing.
        let scheduled = next.next_at;
        if !next.outbox.is_empty() {
            next.next_at = scheduled.min(now + self.identities.schedule.first);
        }
        if !self.store.save(t, &next, &changes).await? {
            // Another look, or a retry, saved first; it saw the same or newer.
            tracing::info!(tenant = %t.tenant, identity = %t.identity, "look superseded");
            return Ok(());
        }
        if next.outbox.is_empty() {
            return Ok(());
        }
        let saved = Tracked {
            track: next.clone(),
            version: t.version + 1,
            ..t.clone()
        };
        next.outbox = deliver(
            &self.announcers,
            t,
            std::mem::take(&mut next.outbox),
            report,
        )
        .await;
        if next.outbox == saved.track.outbox {
            // Nothing taken: the saved outbox already says what is owed.
            return Ok(());
        }
        if next.outbox.is_empty() {
            // Nothing owed any more: back to the schedule's own next look.
            next.next_at = scheduled;
        }
        // What was taken is no longer owed. If this save fails the announcers that took a
        // change are offered it again at the next look, with the same id.
        if let Err(e) = self.store.save(&saved, &next, &[]).await {
            tracing::warn!(tenant = %t.tenant, identity = %t.identity, error = %e, "delivered announcements not recorded; offered again with the same id");
        }
        Ok(())
    }
}

impl Tracker {
    /// Releases the name of an identity that never verified within SES's window and the
    /// grace after it (issue 23.6): its tenant is told first (`Identity Released`, with the
    /// same id on every try; while an announcer refuses, for up to one more grace period,
    /// the release waits), then its SES identity, reservation and tracking go, so the
    /// name's rightful owner can add it. A failure part-way leaves it due, and the next
    /// look goes on.
    async fn release_unverified(
        &self,
        t: &Tracked,
        status: &str,
        now: u64,
        report: &mut TrackReport,
    ) -> Result<(), Problem> {
        let change = Change {
            at: t.track.since,
            from: Some(status.to_owned()),
            status: "RELEASED".to_owned(),
            records: Vec::new(),
            announce: Some(sendready_core::tracking::Announcement::Released),
        };
        let mut untold = Vec::new();
        if let Some(a) = announced(t, &change) {
            for to in &self.announcers {
                if let Err(e) = to.announce(&a).await {
                    tracing::warn!(tenant = %t.tenant, identity = %t.identity, announcer = to.name(), error = %e, "the release was not announced");
                    untold.push(to.name());
                }
            }
        }
        // Told first: while an announcer refuses, the release waits (the look fails, its
        // identity is put off and looked at again, the announcement keeping its id), for
        // at most one more grace period; then the name goes untold rather than held.
        let at = &self.identities.schedule;
        let last_chance = t
            .track
            .since
            .saturating_add(at.window)
            .saturating_add(at.grace.saturating_mul(2));
        if !untold.is_empty() {
            if now < last_chance {
                return Err(Problem::internal(format!(
                    "The release of {} waits until its tenant is told: {} did not take the announcement. The next look offers it again; from {} the name is released untold.",
                    t.identity,
                    untold.join(", "),
                    rfc3339(last_chance)
                )));
            }
            tracing::error!(tenant = %t.tenant, identity = %t.identity, untold = ?untold, "released without telling its tenant: the announcers refused for a whole grace period");
        }
        self.identities.ses.delete_identity(&t.identity).await?;
        self.identities
            .registry
            .release(&t.tenant, &t.identity, t.kind)
            .await?;
        self.store.forget(&t.tenant, &t.identity).await?;
        tracing::warn!(tenant = %t.tenant, identity = %t.identity, status, "unverified name released after SES's window and the grace");
        report.released.push(format!("{} {}", t.tenant, t.identity));
        Ok(())
    }
}

/// Offers each owed change to the announcers that have not taken it; returns what is
/// still owed. An announcer that fails is not offered the rest; one no longer
/// configured is owed nothing.
async fn deliver(
    announcers: &[Arc<dyn Announcer>],
    t: &Tracked,
    outbox: Vec<Owed>,
    report: &mut TrackReport,
) -> Vec<Owed> {
    let mut kept = Vec::new();
    let mut down = vec![false; announcers.len()];
    for mut owed in outbox {
        let Some(a) = announced(t, &owed.change) else {
            continue;
        };
        owed.to.retain(|n| announcers.iter().any(|x| x.name() == n));
        for (to, down) in announcers.iter().zip(down.iter_mut()) {
            if *down || !owed.to.iter().any(|n| n == to.name()) {
                continue;
            }
            match to.announce(&a).await {
                Ok(()) => owed.to.retain(|n| n != to.name()),
                Err(e) => {
                    tracing::warn!(tenant = %t.tenant, identity = %t.identity, announcer = to.name(), error = %e, "announcement not delivered; offered again at the next look");
                    *down = true;
                }
            }
        }
        if owed.to.is_empty() {
            report.announced += 1;
        } else {
            report.waiting += 1;
            kept.push(owed);
        }
    }
    kept
}

/// How many changes `history` returns.
pub const HISTORY_LIMIT: usize = 50;

impl Identities {
    /// The tenant's identity's tracking and recorded changes (newest first), or 404 for
    /// an identity the tenant does not own (another tenant's included).
    pub async fn history(
        &self,
        tenant: &str,
        identity: &str,
    ) -> Result<sendready_core::api::IdentityHistory, Problem> {
        let o = super::identities::owned(self.registry.as_ref(), tenant, identity).await?;
        let tracked = self.tracking.get(tenant, &o.identity).await?;
        let changes = self
            .tracking
            .history(tenant, &o.identity, HISTORY_LIMIT)
            .await?;
        Ok(sendready_core::api::IdentityHistory {
            identity: o.identity.clone(),
            tracked: tracked.is_some(),
            status: tracked.as_ref().and_then(|t| t.track.status.clone()),
            next_check_at: tracked.as_ref().map(|t| rfc3339(t.track.next_at)),
            waiting_announcements: tracked.as_ref().map_or(0, |t| t.track.outbox.len()),
            changes: changes
                .into_iter()
                .map(|c| sendready_core::api::HistoryEntry {
                    at: rfc3339(c.at),
                    from: c.from,
                    status: c.status,
                    records: c.records,
                    announced_as: c.announce,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::AwsError;
    use sendready_core::identity::IdentityKind;
    use sendready_core::tracking::{Announcement, Track};
    use std::sync::Mutex;

    /// An announcer that takes (or refuses) everything, counting the offers.
    struct Counting {
        name: &'static str,
        up: bool,
        offers: Mutex<usize>,
    }

    impl Counting {
        fn new(name: &'static str, up: bool) -> Arc<Counting> {
            Arc::new(Counting {
                name,
                up,
                offers: Mutex::new(0),
            })
        }
        fn offers(&self) -> usize {
            *self.offers.lock().unwrap()
        }
    }

    #[async_trait::async_trait]
    impl Announcer for Counting {
        async fn announce(&self, _: &Announced) -> Result<(), AwsError> {
            *self.offers.lock().unwrap() += 1;
            if self.up {
                Ok(())
            } else {
                Err(AwsError::service(
                    "Webhook",
                    "test",
                    "WebhookFailed",
                    "down",
                ))
            }
        }
        fn name(&self) -> &'static str {
            self.name
        }
    }

    fn change(at: u64) -> Change {
        Change {
            at,
            from: Some("PENDING".into()),
            status: "SUCCESS".into(),
            records: Vec::new(),
            announce: Some(Announcement::Verified),
        }
    }

    fn tracked() -> Tracked {
        Tracked {
            tenant: "acme".into(),
            identity: "acme.example.com".into(),
            kind: IdentityKind::Domain,
            track: Track::default(),
            version: 1,
        }
    }

    fn owed(at: u64, to: &[&str]) -> Owed {
        Owed {
            change: change(at),
            to: to.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    #[tokio::test]
    async fn a_failing_announcer_is_offered_one_per_look_and_the_others_are_not_offered_twice() {
        let bus = Counting::new("eventbridge", true);
        let hook = Counting::new("webhook", false);
        let announcers: Vec<Arc<dyn Announcer>> = vec![bus.clone(), hook.clone()];
        let mut report = TrackReport::default();
        let outbox: Vec<Owed> = (1..=5)
            .map(|at| owed(at, &["eventbridge", "webhook"]))
            .collect();
        let kept = deliver(&announcers, &tracked(), outbox, &mut report).await;
        // The bus took all five; the webhook was offered one, then left alone.
        assert_eq!((bus.offers(), hook.offers()), (5, 1));
        assert_eq!(
            kept,
            (1..=5).map(|at| owed(at, &["webhook"])).collect::<Vec<_>>()
        );
        assert_eq!((report.announced, report.waiting), (0, 5));

        // The next look offers them to the webhook only.
        let hook_up = Counting::new("webhook", true);
        let announcers: Vec<Arc<dyn Announcer>> = vec![bus.clone(), hook_up.clone()];
        let mut report = TrackReport::default();
        let kept = deliver(&announcers, &tracked(), kept, &mut report).await;
        assert!(kept.is_empty());
        assert_eq!((bus.offers(), hook_up.offers()), (5, 5));
        assert_eq!(report.announced, 5);
    }

    #[tokio::test]
    async fn an_announcer_no_longer_configured_is_owed_nothing() {
        let bus = Counting::new("eventbridge", true);
        let announcers: Vec<Arc<dyn Announcer>> = vec![bus.clone()];
        let mut report = TrackReport::default();
        let kept = deliver(
            &announcers,
            &tracked(),
            vec![owed(1, &["webhook"])],
            &mut report,
        )
        .await;
        assert!(kept.is_empty());
        assert_eq!(bus.offers(), 0);
    }

    #[test]
    fn an_announcements_id_is_the_same_every_time_and_differs_between_changes() {
        let t = tracked();
        let a = announced(&t, &change(1)).unwrap();
        assert_eq!(a.id, announced(&t, &change(1)).unwrap().id);
        assert_ne!(a.id, announced(&t, &change(2)).unwrap().id);
        assert_eq!(a.id.len(), 32);
        assert_eq!(a.at, "1970-01-01T00:00:01Z");
    }
}
