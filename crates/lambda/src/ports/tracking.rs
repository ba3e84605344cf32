//! Where verification tracking is kept (issue 15): each tracked identity's [`Track`],
//! the identities due for a look, and each identity's recorded changes.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::identity::IdentityKind;
use sendready_core::tracking::{Change, Track};

/// How long a recorded change is kept (the table's TTL).
pub const HISTORY_DAYS: u64 = 90;

/// A tracked identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// The tenant that owns it.
    pub tenant: String,
    /// The identity.
    pub identity: String,
    /// Domain or email.
    pub kind: IdentityKind,
    /// What the tracker keeps.
    pub track: Track,
    /// The stored version, for a conditional save (0: not stored yet).
    pub version: u64,
}

/// The tracking store.
#[async_trait]
pub trait TrackingStore: Send + Sync {
    /// Starts tracking an identity not tracked yet (`t.version` is ignored);
    /// `track.next_at` is when it is first due. False when it is tracked already: nothing
    /// is written (a restart is a [`TrackingStore::save`] over the stored version).
    async fn enroll(&self, t: &Tracked) -> Result<bool, AwsError>;
    /// The tracked identity, when it is tracked.
    async fn get(&self, tenant: &str, identity: &str) -> Result<Option<Tracked>, AwsError>;
    /// Identities due at `now` (`next_at <= now`), earliest first, at most `limit`, and
    /// how many orphaned due items (no tracking behind them any more) it removed on the way.
    async fn due(&self, now: u64, limit: usize) -> Result<(Vec<Tracked>, usize), AwsError>;
    /// Saves a look's outcome and its changes, only if `t.version` is still the stored
    /// one: false when another look or a retry got there first (nothing is written).
    async fn save(&self, t: &Tracked, next: &Track, changes: &[Change]) -> Result<bool, AwsError>;
    /// Stops tracking (the identity was deleted); the history stays until its TTL.
    async fn forget(&self, tenant: &str, identity: &str) -> Result<(), AwsError>;
    /// The identity's recorded changes, newest first (at most `limit`).
    async fn history(
        &self,
        tenant: &str,
        identity: &str,
        limit: usize,
    ) -> Result<Vec<Change>, AwsError>;
}
