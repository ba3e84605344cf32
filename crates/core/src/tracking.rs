//! Verification that tracks itself (issue 15): when to look at an identity again, and what
//! changed between two looks.
//!
//! SES checks a pending domain's records for up to 72 hours, then fails it (SES Developer
//! Guide, "Verifying a DKIM domain identity": "If Amazon SES is unable to detect the
//! records within 72 hours, the verification status changes to Failed"). The tracker looks
//! often at first and less often later ([`next_at`]), and keeps looking at a verified
//! identity once a day for records removed or changed. A record that looks lost must look
//! lost again after [`QUIET`] before it is announced, so a DNS blip is not an alarm.
//!
//! Everything here is pure: the time is an argument, so a test drives it with a simulated
//! clock.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SES's verification window: 72 hours.
pub const WINDOW: u64 = 72 * 3600;
/// The first look after tracking starts: 5 minutes.
pub const FIRST: u64 = 5 * 60;
/// The longest gap between two looks at a pending identity: 6 hours.
pub const MAX_PENDING_GAP: u64 = 6 * 3600;
/// The gap between two looks at a settled identity (verified or failed): a day.
pub const DAILY: u64 = 24 * 3600;
/// How long a record must stay lost or changed before it is announced: an hour.
pub const QUIET: u64 = 3600;

/// The tracker's times. [`Schedule::default`] is SES's; a local stack compresses it
/// ([`Schedule::scaled`]) the way its local SES compresses the 72 hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// SES's verification window.
    pub window: u64,
    /// The first look after tracking starts.
    pub first: u64,
    /// The longest gap between two looks at a pending identity.
    pub max_pending_gap: u64,
    /// The gap between two looks at a settled identity.
    pub daily: u64,
    /// How long a record must stay lost or changed before it is announced.
    pub quiet: u64,
    /// How long past SES's window an identity that never verified keeps its name before
    /// it is released ([`held_too_long`]).
    pub grace: u64,
}

/// The grace past SES's 72 hours before an unverified name is released: a day.
pub const GRACE: u64 = 24 * 3600;

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            window: WINDOW,
            first: FIRST,
            max_pending_gap: MAX_PENDING_GAP,
            daily: DAILY,
            quiet: QUIET,
            grace: GRACE,
        }
    }
}

/// True when an identity that is not verified has held its name for SES's whole window
/// and the grace after it since tracking last started (the create, or a Retry): its
/// reservation is released so the name's rightful owner can add it (issue 23.6).
pub fn held_too_long(track: &Track, verified: bool, now: u64, at: &Schedule) -> bool {
    !verified
        && !track.ever_verified
        && track.status.as_deref() != Some("SUCCESS")
        && now
            >= track
                .since
                .saturating_add(at.window)
                .saturating_add(at.grace)
}

impl Schedule {
    /// Every time divided by `factor` (at least a second each).
    pub fn scaled(factor: u64) -> Schedule {
        let d = Schedule::default();
        let f = factor.max(1);
        let s = |v: u64| (v / f).max(1);
        Schedule {
            window: s(d.window),
            first: s(d.first),
            max_pending_gap: s(d.max_pending_gap),
            daily: s(d.daily),
            quiet: s(d.quiet),
            grace: s(d.grace),
        }
    }
}

/// The code of a record found as it should be (`dns-record-found`).
pub const FOUND: &str = "dns-record-found";

/// What the tracker keeps of an identity between two looks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    /// When tracking started (the create, or the last retry), seconds since the epoch.
    pub since: u64,
    /// Looks taken since `since`.
    pub checks: u32,
    /// SES's verification status at the last look; `None` before the first.
    pub status: Option<String>,
    /// Each record (`name TYPE`) with its check's code, as last confirmed.
    pub records: BTreeMap<String, String>,
    /// A worse record state seen and waiting out the quiet period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspect: Option<Suspect>,
    /// When to look next.
    pub next_at: u64,
    /// Announced changes some announcer has not taken yet, offered again at each look.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<Owed>,
    /// Looks in a row that did not finish (failed, cut off by their deadline, or lost
    /// with the function): each puts the next one off twice as long ([`put_off`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
    /// True once a look saw SES verify it: a name that was verified is never released for
    /// failing later ([`held_too_long`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ever_verified: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The longest a look that keeps failing is put off: one day, as a verified identity's.
pub const MAX_PUT_OFF: u64 = 86_400;

/// When to look again at an identity whose look, started at `now`, may not finish: the
/// schedule's first gap, doubled for each look in a row that did not finish, at most
/// [`MAX_PUT_OFF`]; so identities that keep failing never hold the front of the due
/// queue. The tracker saves this before it looks, so a look that never ends is put off
/// too.
pub fn put_off(track: &Track, now: u64, at: &Schedule) -> Track {
    let gap = at
        .first
        .saturating_mul(1u64 << track.failures.min(16))
        .min(MAX_PUT_OFF);
    Track {
        next_at: now + gap,
        failures: track.failures.saturating_add(1),
        ..track.clone()
    }
}

/// A change still owed to some announcers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    /// The change.
    pub change: Change,
    /// The announcers (by name: `eventbridge`, `webhook`) that have not taken it yet.
    pub to: Vec<String>,
}

/// Records seen worse than confirmed, since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suspect {
    /// When the worse state was first seen.
    pub since: u64,
    /// The records as then seen.
    pub records: BTreeMap<String, String>,
}

/// One look: SES's status and each record's check code in live DNS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Look {
    /// SES's `VerificationStatus`.
    pub status: String,
    /// Each record (`name TYPE`) with its check's code.
    pub records: BTreeMap<String, String>,
}

/// What a change is announced as (the EventBridge `detail-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum Announcement {
    /// SES verified the identity.
    #[serde(rename = "Identity Verified")]
    Verified,
    /// SES failed the identity's verification (`FAILED` or `TEMPORARY_FAILURE`).
    #[serde(rename = "Identity Verification Failed")]
    VerificationFailed,
    /// A record that was right is gone or changed, past the quiet period.
    #[serde(rename = "Records Changed")]
    RecordsChanged,
    /// The identity never verified within SES's window and the grace after it; its name
    /// was released (`status` `RELEASED`) so its rightful owner can add it.
    #[serde(rename = "Identity Released")]
    Released,
    /// Another tenant proved in DNS that it owns the domain, which this tenant held
    /// unverified; the name moved to it (`status` `CLAIMED`).
    #[serde(rename = "Identity Claimed")]
    Claimed,
}

impl Announcement {
    /// The EventBridge `detail-type`.
    pub fn detail_type(self) -> &'static str {
        match self {
            Announcement::Verified => "Identity Verified",
            Announcement::VerificationFailed => "Identity Verification Failed",
            Announcement::RecordsChanged => "Records Changed",
            Announcement::Claimed => "Identity Claimed",
            Announcement::Released => "Identity Released",
        }
    }
}

/// A record whose check changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RecordChange {
    /// `name TYPE`.
    pub record: String,
    /// The code before (`None`: not a record of the identity before).
    pub from: Option<String>,
    /// The code now (`None`: no longer a record of the identity).
    pub to: Option<String>,
}

/// A change between two looks, as recorded in the identity's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// When it was seen, seconds since the epoch.
    pub at: u64,
    /// SES's status before (`None` when only records changed, or at the first look).
    pub from: Option<String>,
    /// SES's status now.
    pub status: String,
    /// The records whose checks changed.
    pub records: Vec<RecordChange>,
    /// What the change is announced as, when it is.
    pub announce: Option<Announcement>,
}

fn announce_status(to: &str) -> Option<Announcement> {
    match to {
        "SUCCESS" => Some(Announcement::Verified),
        "FAILED" | "TEMPORARY_FAILURE" => Some(Announcement::VerificationFailed),
        _ => None,
    }
}

fn diff(before: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<RecordChange> {
    let mut out = Vec::new();
    for (k, v) in before {
        if now.get(k) != Some(v) {
            out.push(RecordChange {
                record: k.clone(),
                from: Some(v.clone()),
                to: now.get(k).cloned(),
            });
        }
    }
    for (k, v) in now {
        if !before.contains_key(k) {
            out.push(RecordChange {
                record: k.clone(),
                from: None,
                to: Some(v.clone()),
            });
        }
    }
    out
}

/// True when the change loses something that was right: a found record no longer found.
fn worse(c: &RecordChange) -> bool {
    c.from.as_deref() == Some(FOUND) && c.to.as_deref() != Some(FOUND)
}

/// The next track and the changes between `track` and `look`, taken at `now`.
///
/// SES's status is authoritative, so a status change is recorded at once: announced as
/// verified on `SUCCESS`, as failed on `FAILED` or `TEMPORARY_FAILURE`. Records that got
/// better are recorded at once, unannounced. Records that got worse are recorded and
/// announced only when a look at least [`QUIET`] later sees the same.
pub fn step(track: &Track, look: &Look, now: u64, at: &Schedule) -> (Track, Vec<Change>) {
    let mut next = Track {
        checks: track.checks.saturating_add(1),
        status: Some(look.status.clone()),
        ever_verified: track.ever_verified
            || look.status == "SUCCESS"
            || track.status.as_deref() == Some("SUCCESS"),
        ..track.clone()
    };
    let mut changes = Vec::new();
    let first = track.status.is_none();
    if track.status.as_deref() != Some(look.status.as_str()) {
        let announce = announce_status(&look.status);
        if !first || announce.is_some() {
            changes.push(Change {
                at: now,
                from: track.status.clone(),
                status: look.status.clone(),
                records: Vec::new(),
                announce,
            });
        }
    }
    if first {
        next.records = look.records.clone();
        next.suspect = None;
    } else {
        let d = diff(&track.records, &look.records);
        if d.is_empty() {
            next.suspect = None;
        } else if !d.iter().any(worse) {
            next.records = look.records.clone();
            next.suspect = None;
            changes.push(Change {
                at: now,
                from: None,
                status: look.status.clone(),
                records: d,
                announce: None,
            });
        } else {
            match &track.suspect {
                Some(s) if s.records == look.records && now >= s.since + at.quiet => {
                    next.records = look.records.clone();
                    next.suspect = None;
                    changes.push(Change {
                        at: now,
                        from: None,
                        status: look.status.clone(),
                        records: d,
                        announce: Some(Announcement::RecordsChanged),
                    });
                }
                Some(s) if s.records == look.records => {}
                _ => {
                    next.suspect = Some(Suspect {
                        since: now,
                        records: look.records.clone(),
                    });
                }
            }
        }
    }
    next.next_at = next_at(&next, now, at);
    next.failures = 0;
    (next, changes)
}

/// When to look next after a look at `now` left `track`.
///
/// Pending: 5 minutes, doubling each look up to 6 hours, while SES's 72 hours run (and 6
/// hours past them, for SES's last check to show); then daily. Verified or failed: daily.
/// A suspect record state: once the quiet period is over.
pub fn next_at(track: &Track, now: u64, at: &Schedule) -> u64 {
    if let Some(s) = &track.suspect {
        return (s.since + at.quiet).max(now + 1);
    }
    let pending = matches!(
        track.status.as_deref(),
        None | Some("PENDING" | "NOT_STARTED")
    );
    if pending && now < track.since + at.window + at.max_pending_gap {
        let shift = track.checks.saturating_sub(1).min(16);
        return now + (at.first << shift).min(at.max_pending_gap);
    }
    now + at.daily
}

/// A new track started at `now` (an identity created, or retried): first look after
/// [`FIRST`]. `keep` carries what an earlier track confirmed, so a retry does not lose it.
pub fn start(now: u64, keep: Option<&Track>, at: &Schedule) -> Track {
    Track {
        since: now,
        checks: 0,
        status: keep.and_then(|t| t.status.clone()),
        records: keep.map(|t| t.records.clone()).unwrap_or_default(),
        suspect: None,
        next_at: now + at.first,
        outbox: keep.map(|t| t.outbox.clone()).unwrap_or_default(),
        failures: 0,
        ever_verified: keep.is_some_and(|t| t.ever_verified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSING: &str = "dns-record-missing";

    fn look(status: &str, records: &[(&str, &str)]) -> Look {
        Look {
            status: status.to_owned(),
            records: records
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Runs the looks at their times from a track started at 0; returns every change and
    /// the final track.
    fn run(looks: &[(u64, Look)]) -> (Track, Vec<Change>) {
        let mut t = start(0, None, &Schedule::default());
        let mut all = Vec::new();
        for (at, l) in looks {
            let (n, c) = step(&t, l, *at, &Schedule::default());
            t = n;
            all.extend(c);
        }
        (t, all)
    }

    #[test]
    fn a_pending_identity_is_looked_at_after_5_minutes_then_less_often_up_to_6_hours() {
        let mut t = start(0, None, &Schedule::default());
        assert_eq!(t.next_at, FIRST);
        let mut gaps = Vec::new();
        let mut now = t.next_at;
        for _ in 0..10 {
            let (n, _) = step(&t, &look("PENDING", &[]), now, &Schedule::default());
            gaps.push(n.next_at - now);
            now = n.next_at;
            t = n;
        }
        assert_eq!(
            gaps,
            [300, 600, 1200, 2400, 4800, 9600, 19200, 21600, 21600, 21600]
        );
    }

    #[test]
    fn past_ses_72_hours_a_pending_identity_is_looked_at_daily() {
        let t = Track {
            status: Some("PENDING".into()),
            checks: 30,
            ..start(0, None, &Schedule::default())
        };
        assert_eq!(
            next_at(&t, WINDOW + MAX_PENDING_GAP, &Schedule::default()),
            WINDOW + MAX_PENDING_GAP + DAILY
        );
    }

    #[test]
    fn status_changes_are_recorded_and_announced_as_ses_decides() {
        // (from, to, announced as, recorded)
        let table = [
            ("PENDING", "SUCCESS", Some(Announcement::Verified), true),
            (
                "PENDING",
                "FAILED",
                Some(Announcement::VerificationFailed),
                true,
            ),
            (
                "SUCCESS",
                "TEMPORARY_FAILURE",
                Some(Announcement::VerificationFailed),
                true,
            ),
            ("FAILED", "PENDING", None, true),
            ("PENDING", "PENDING", None, false),
        ];
        for (from, to, announce, recorded) in table {
            let (_, changes) = run(&[(300, look(from, &[])), (600, look(to, &[]))]);
            let got: Vec<_> = changes.iter().filter(|c| c.at == 600).collect();
            assert_eq!(got.len(), usize::from(recorded), "{from} -> {to}");
            if recorded {
                assert_eq!(got[0].from.as_deref(), Some(from));
                assert_eq!(got[0].announce, announce, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_first_look_announces_only_a_settled_status() {
        let (_, c) = run(&[(300, look("PENDING", &[("a TXT", MISSING)]))]);
        assert!(c.is_empty());
        let (_, c) = run(&[(300, look("SUCCESS", &[("a TXT", FOUND)]))]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].announce, Some(Announcement::Verified));
        assert_eq!(c[0].from, None);
    }

    #[test]
    fn a_record_found_is_recorded_at_once_without_an_announcement() {
        let (t, c) = run(&[
            (300, look("PENDING", &[("a CNAME", MISSING)])),
            (600, look("PENDING", &[("a CNAME", FOUND)])),
        ]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].announce, None);
        assert_eq!(c[0].records[0].to.as_deref(), Some(FOUND));
        assert_eq!(t.records["a CNAME"], FOUND);
    }

    #[test]
    fn a_record_lost_for_less_than_the_quiet_period_is_a_blip() {
        let ok = look("SUCCESS", &[("a CNAME", FOUND)]);
        let lost = look("SUCCESS", &[("a CNAME", MISSING)]);
        let (t, c) = run(&[(300, ok.clone()), (DAILY, lost), (DAILY + QUIET, ok)]);
        assert_eq!(c.len(), 1, "only the first look's Verified: {c:?}");
        assert_eq!(t.suspect, None);
        assert_eq!(t.next_at, DAILY + QUIET + DAILY);
    }

    #[test]
    fn a_record_lost_past_the_quiet_period_is_announced_once() {
        let ok = look("SUCCESS", &[("a CNAME", FOUND)]);
        let lost = look("SUCCESS", &[("a CNAME", MISSING)]);
        let mut t = start(0, None, &Schedule::default());
        let mut announced = Vec::new();
        let mut now = 300;
        for l in [ok, lost.clone(), lost.clone(), lost] {
            let (n, c) = step(&t, &l, now, &Schedule::default());
            announced.extend(c.iter().filter_map(|c| c.announce).map(|a| (now, a)));
            now = n.next_at;
            t = n;
        }
        // Seen lost at 300 + DAILY; looked at again once the quiet hour is over.
        let lost_at = 300 + DAILY;
        assert_eq!(
            announced,
            [
                (300, Announcement::Verified),
                (lost_at + QUIET, Announcement::RecordsChanged)
            ]
        );
        assert_eq!(t.records["a CNAME"], MISSING);
    }

    #[test]
    fn a_lost_record_that_changes_again_restarts_the_quiet_period() {
        let ok = look("SUCCESS", &[("a TXT", FOUND)]);
        let lost = look("SUCCESS", &[("a TXT", MISSING)]);
        let wrong = look("SUCCESS", &[("a TXT", "dns-record-wrong-value")]);
        let (t, c) = run(&[(300, ok), (1000, lost), (1000 + QUIET, wrong)]);
        assert_eq!(c.iter().filter(|c| c.announce.is_some()).count(), 1);
        assert_eq!(t.suspect.as_ref().map(|s| s.since), Some(1000 + QUIET));
    }

    #[test]
    fn a_retry_starts_over_keeping_what_was_confirmed() {
        let (t, _) = run(&[(300, look("FAILED", &[("a CNAME", FOUND)]))]);
        let r = start(5000, Some(&t), &Schedule::default());
        assert_eq!((r.since, r.checks, r.next_at), (5000, 0, 5000 + FIRST));
        assert_eq!(r.status.as_deref(), Some("FAILED"));
        assert_eq!(r.records, t.records);
    }

    #[test]
    fn announcements_carry_the_detail_types_the_issue_names() {
        for a in [
            Announcement::Verified,
            Announcement::VerificationFailed,
            Announcement::RecordsChanged,
        ] {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::Value::String(a.detail_type().to_owned())
            );
        }
    }

    #[test]
    fn a_scaled_schedule_divides_every_time() {
        let s = Schedule::scaled(300);
        assert_eq!((s.first, s.quiet, s.daily, s.window), (1, 12, 288, 864));
        assert_eq!(Schedule::scaled(0), Schedule::default());
    }

    #[test]
    fn a_look_that_keeps_failing_is_put_off_twice_as_long_each_time_up_to_a_day() {
        let at = Schedule::default();
        let mut t = start(0, None, &at);
        let mut gaps = Vec::new();
        for _ in 0..20 {
            t = put_off(&t, 1000, &at);
            gaps.push(t.next_at - 1000);
        }
        assert_eq!(gaps[0], at.first);
        assert_eq!(gaps[1], at.first * 2);
        assert_eq!(gaps[2], at.first * 4);
        assert_eq!(*gaps.last().unwrap(), MAX_PUT_OFF);
        assert!(gaps.windows(2).all(|w| w[0] <= w[1]));
        // A look that finishes starts the count again.
        let (next, _) = step(&t, &Look::default(), 2000, &at);
        assert_eq!(next.failures, 0);
    }

    #[test]
    fn an_unverified_name_is_held_for_the_window_and_the_grace_and_no_longer() {
        let at = Schedule::default();
        let t = start(1000, None, &at);
        let end = 1000 + WINDOW + GRACE;
        for (verified, now, released) in [
            (false, 1000, false),
            (false, 1000 + WINDOW, false),
            (false, end - 1, false),
            (false, end, true),
            (true, end + 10 * DAILY, false),
        ] {
            assert_eq!(
                held_too_long(&t, verified, now, &at),
                released,
                "{verified} {now}"
            );
        }
        // A Retry starts the window again.
        let retried = start(end, Some(&t), &at);
        assert!(!held_too_long(&retried, false, end + 1, &at));
        // A name SES verified once is never released for failing later.
        let look = |status: &str| Look {
            status: status.to_owned(),
            ..Look::default()
        };
        let (was, _) = step(&t, &look("SUCCESS"), 2000, &at);
        let (now_failing, _) = step(&was, &look("FAILED"), 3000, &at);
        assert!(now_failing.ever_verified);
        assert!(!held_too_long(&now_failing, false, end + 10 * DAILY, &at));
    }
}
