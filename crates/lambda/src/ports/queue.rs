//! SQS queues: the SES events queue and its dead-letter queue (issue 23.3), the send
//! queue for `Prefer: respond-async` and its dead-letter queue (issue 23.4). The platform
//! view reads their depths; the send route puts a message on the send queue with the
//! tenant as its message group, so SQS's fair queues keep one tenant's backlog from
//! delaying the others'.

use super::AwsError;
use async_trait::async_trait;
use serde::Serialize;

/// How many messages a queue holds (SQS's approximate counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Depth {
    /// Waiting to be received (`ApproximateNumberOfMessages`).
    pub visible: u64,
    /// Received and not yet deleted (`ApproximateNumberOfMessagesNotVisible`).
    pub in_flight: u64,
    /// Not yet visible (`ApproximateNumberOfMessagesDelayed`).
    pub delayed: u64,
}

/// The queues, by URL.
#[async_trait]
pub trait Queues: Send + Sync {
    /// The queue's depth.
    async fn depth(&self, url: &str) -> Result<Depth, AwsError>;
    /// Puts `body` on the queue in message group `group` (the tenant: SQS fair queues
    /// share the consumers among groups); the message's id.
    async fn send(&self, url: &str, group: &str, body: &str) -> Result<String, AwsError>;
}
