//! The send route's record of `Idempotency-Key`s, so a retried call never sends twice.
//!
//! A key moves one way: claimed (`sending`), then `sent` with its answer, `unknown` when
//! the send's outcome could not be learnt, or released (gone) when the send surely did not
//! happen. A claim never runs out into a new send: a `sending` claim older than a request
//! can live was cut off mid-send (a deadline, a crash), so its outcome is unknown too.

use super::AwsError;
use async_trait::async_trait;

/// What a claim of a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: send.
    New,
    /// A send with this key finished: its answer (JSON), to repeat.
    Done(String),
    /// A send with this key began at this time (seconds since the Unix epoch) and has not
    /// reported back.
    Sending(u64),
    /// A send with this key may or may not have delivered: why that is not known.
    Unknown(String),
    /// The key was used for another request.
    Mismatch,
}

/// Where keys are kept (a day each).
#[async_trait]
pub trait SendLog: Send + Sync {
    /// Claims `key` for `request` (the request's canonical JSON) unless any claim holds
    /// it; `nonce` marks this claim, so a claim whose answer was lost and that the SDK
    /// sent again is recognized as this request's own.
    async fn claim(
        &self,
        tenant: &str,
        key: &str,
        request: &str,
        nonce: &str,
    ) -> Result<Claim, AwsError>;
    /// Records the answer of the send that holds `key`.
    async fn finish(&self, tenant: &str, key: &str, answer: &str) -> Result<(), AwsError>;
    /// Records that the send that holds `key` may have delivered, and why that is not
    /// known; the key stays held for its day.
    async fn unknown(&self, tenant: &str, key: &str, why: &str) -> Result<(), AwsError>;
    /// Gives `key` back after a send that surely did not happen.
    async fn release(&self, tenant: &str, key: &str) -> Result<(), AwsError>;
}
