//! The send route's record of `Idempotency-Key`s, so a retried call never sends twice.
//!
//! A key moves one way: claimed (`sending`), then `sent` with its answer, `unknown` when
//! the send's outcome could not be learnt, or released (gone) when the send surely did not
//! happen. A claim never runs out into a new send: a `sending` claim older than a request
//! can live was cut off mid-send (a deadline, a crash), so its outcome is unknown too.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::api::MessageStatus;

/// How long a message sent with `Prefer: respond-async` and its status are kept.
pub const JOB_SECS: u64 = 7 * 86_400;

/// A message on the send queue, as stored (`MESSAGES#<tenant>` / `JOB#<id>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Sendready's id of the message.
    pub id: String,
    /// The request (the send's canonical JSON).
    pub request: String,
    /// Where it is.
    pub status: MessageStatus,
    /// Times a worker took it.
    pub attempts: u32,
    /// When it was queued (seconds since the Unix epoch).
    pub queued_at: u64,
    /// When its status last changed.
    pub updated_at: u64,
    /// Once settled: the sent message's answer or the problem (JSON).
    pub answer: Option<String>,
}

/// What taking a queued message for delivery found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Take {
    /// It is this worker's to deliver now (its attempts counted).
    Taken(Job),
    /// Another worker took it and has not settled it.
    Sending(Job),
    /// It is settled already (a queue message delivered twice).
    Settled(Job),
    /// No such message (expired, or never queued).
    Missing,
}

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
    /// Stores a new message on the send queue, `queued`.
    async fn queue_job(&self, tenant: &str, id: &str, request: &str) -> Result<(), AwsError>;
    /// The stored message, read consistently.
    async fn job(&self, tenant: &str, id: &str) -> Result<Option<Job>, AwsError>;
    /// Moves a `queued` message to `sending`, counting the attempt; only one worker can.
    async fn take_job(&self, tenant: &str, id: &str) -> Result<Take, AwsError>;
    /// Settles a `sending` message as `status` with `answer`; `Queued` puts it back (with
    /// `refund`, the attempt is not counted: it waited for a place and sent nothing).
    async fn settle_job(
        &self,
        tenant: &str,
        id: &str,
        status: MessageStatus,
        answer: Option<&str>,
        refund: bool,
    ) -> Result<(), AwsError>;
}
