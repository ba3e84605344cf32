//! The send route's record of `Idempotency-Key`s, so a retried call never sends twice.

use super::AwsError;
use async_trait::async_trait;

/// What a claim of a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: send.
    New,
    /// A send with this key finished: its answer (JSON), to repeat.
    Done(String),
    /// A send with this key is under way or its outcome unknown, until this time
    /// (seconds since the Unix epoch); after it the key may be claimed again.
    Pending(u64),
    /// The key was used for another request.
    Mismatch,
}

/// Where keys are kept (a day each).
#[async_trait]
pub trait SendLog: Send + Sync {
    /// Claims `key` for `request` (the request's canonical JSON) until `pending_until`,
    /// unless a claim holds it.
    async fn claim(
        &self,
        tenant: &str,
        key: &str,
        request: &str,
        pending_until: u64,
    ) -> Result<Claim, AwsError>;
    /// Records the answer of the send that holds `key`.
    async fn finish(&self, tenant: &str, key: &str, answer: &str) -> Result<(), AwsError>;
    /// Gives `key` back after a send that surely did not happen.
    async fn release(&self, tenant: &str, key: &str) -> Result<(), AwsError>;
}
