//! Sends through the send queue (issue 23.4): with `Prefer: respond-async` (RFC 7240
//! §4.1) and a send queue configured, `POST /v1/messages` checks the request, stores it as
//! a message `queued` under the tenant and puts its id on an SQS fair queue whose message
//! group is the tenant, and answers 202 with the message's id and its status route
//! (`GET /v1/messages/{messageId}`). A worker (`sendready-deliver`, fed by the queue with
//! partial batch responses) takes each message and delivers it through the tenant's
//! route, holding one of the tenant's places for its own server like a synchronous send.
//!
//! At most once, whatever SQS does:
//! - a worker moves the message `queued` → `sending` conditionally, so a queue message
//!   delivered twice is handed over once; a duplicate finds it settled and is dropped;
//! - a message found `sending` past [`SENDING_SECS`] was cut off mid-send: its outcome
//!   is `unknown`, and it is never sent again;
//! - a send surely not made (the tenant's places all busy, a retryable refusal) goes back
//!   to `queued` and its queue message comes again after the queue's visibility timeout;
//!   the tenant's places being busy does not count as an attempt. After
//!   [`MAX_ATTEMPTS`] attempts it is `failed` with the last problem.
//!
//! Fairness: SQS fair queues hand a consumer the groups' messages in turn, so a tenant
//! with a thousand messages waiting on a slow server delays only its own; and the worker
//! holds the tenant's share of places, so that tenant never holds more of the worker's
//! concurrency than its share.

use super::{Messages, SENDING_SECS, Undelivered, checked};
use crate::error::Problem;
use crate::ports::Queues;
use crate::ports::registry::now_secs;
use crate::ports::sendlog::{Job, Take};
use axum::http::StatusCode;
use sendready_core::Code;
use sendready_core::api::{MessageProblem, MessageStatus, QueuedMessage, SendMessage, SentMessage};
use sendready_core::events::rfc3339;
use serde_json::{Value, json};
use std::sync::Arc;

/// Attempts (retryable refusals) before a queued message is `failed`.
pub const MAX_ATTEMPTS: u32 = 5;

/// The send queue: where `Prefer: respond-async` sends go.
#[derive(Clone)]
pub struct SendQueue {
    /// SQS.
    pub queues: Arc<dyn Queues>,
    /// The queue's URL.
    pub url: String,
}

/// What a worker did with one queue message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Done with (settled, or nothing to do): delete it from the queue.
    Done,
    /// Not done: let it come again after the visibility timeout.
    Again,
}

/// A message id Sendready gives: `msg_` and 32 hex digits.
fn is_message_id(id: &str) -> bool {
    id.strip_prefix("msg_")
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// 404 for a message id no queued message of the tenant has.
fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        Code::MessageNotFound,
        "No message of this account has this id; a message sent with Prefer: respond-async is kept 7 days, under the id its 202 answer gave.",
    )
}

/// The stored form of a problem.
fn problem_json(p: &Problem) -> String {
    json!({ "status": p.status, "code": p.code.as_str(), "detail": p.detail }).to_string()
}

/// The API's view of a stored message.
pub fn view(job: &Job) -> QueuedMessage {
    let answer = job.answer.as_deref();
    QueuedMessage {
        message_id: job.id.clone(),
        status: job.status,
        status_url: format!("/v1/messages/{}", job.id),
        queued_at: rfc3339(job.queued_at),
        updated_at: rfc3339(job.updated_at),
        attempts: job.attempts,
        sent: (job.status == MessageStatus::Sent)
            .then(|| answer.and_then(|a| serde_json::from_str::<SentMessage>(a).ok()))
            .flatten(),
        problem: matches!(job.status, MessageStatus::Failed | MessageStatus::Unknown)
            .then(|| answer.and_then(|a| serde_json::from_str::<MessageProblem>(a).ok()))
            .flatten(),
        replayed: false,
    }
}

impl Messages {
    /// True when `Prefer: respond-async` can be honoured (a send queue is configured).
    pub fn can_queue(&self) -> bool {
        self.queue.is_some()
    }

    /// Stores the checked request `request` (its canonical JSON) as a queued message and
    /// puts it on the send queue.
    pub(super) async fn enqueue(
        &self,
        tenant: &str,
        request: &str,
    ) -> Result<QueuedMessage, Problem> {
        let Some(q) = &self.queue else {
            return Err(Problem::internal("no send queue is configured"));
        };
        let id = format!("msg_{:032x}", rand::random::<u128>());
        self.log.queue_job(tenant, &id, request).await?;
        let body = json!({ "tenant": tenant, "messageId": id }).to_string();
        if let Err(e) = q.queues.send(&q.url, tenant, &body).await {
            // Never on the queue: settle it failed, so its status says so.
            let p: Problem = e.into();
            if matches!(self.log.take_job(tenant, &id).await, Ok(Take::Taken(_))) {
                let _ = self
                    .log
                    .settle_job(
                        tenant,
                        &id,
                        MessageStatus::Failed,
                        Some(&problem_json(&p)),
                        false,
                    )
                    .await;
            }
            return Err(p);
        }
        let now = now_secs();
        Ok(view(&Job {
            id,
            request: request.to_owned(),
            status: MessageStatus::Queued,
            attempts: 0,
            queued_at: now,
            updated_at: now,
            answer: None,
        }))
    }

    /// `GET /v1/messages/{messageId}`: where the tenant's queued message got to.
    pub async fn status(&self, tenant: &str, id: &str) -> Result<QueuedMessage, Problem> {
        if !is_message_id(id) {
            return Err(not_found());
        }
        let job = self.log.job(tenant, id).await?.ok_or_else(not_found)?;
        Ok(view(&job))
    }

    /// The current view of a message a replayed `Idempotency-Key` answered with.
    pub(super) async fn replay_queued(
        &self,
        tenant: &str,
        mut first: QueuedMessage,
    ) -> Result<QueuedMessage, Problem> {
        if let Some(job) = self.log.job(tenant, &first.message_id).await? {
            first = view(&job);
        }
        first.replayed = true;
        Ok(first)
    }

    /// Delivers one queued message of `tenant` (the worker's step).
    pub async fn deliver_queued(&self, tenant: &str, id: &str) -> Handled {
        let job = match self.log.take_job(tenant, id).await {
            Ok(Take::Taken(job)) => job,
            Ok(Take::Missing) => {
                tracing::warn!(tenant = %tenant, message = %id, "a queued message that is not stored");
                return Handled::Done;
            }
            Ok(Take::Settled(_)) => return Handled::Done,
            Ok(Take::Sending(job)) => return self.cut_off(tenant, &job).await,
            Err(e) => {
                tracing::warn!(tenant = %tenant, error = %e, "taking a queued message");
                return Handled::Again;
            }
        };
        let outcome = match serde_json::from_str::<SendMessage>(&job.request) {
            Err(e) => Err(Undelivered::from(Problem::internal(format!(
                "the queued request cannot be read: {e}"
            )))),
            Ok(req) => match checked(&req) {
                Err(p) => Err(Undelivered::from(p)),
                Ok((to, cc, reply_to)) => self.deliver(tenant, &req, to, cc, reply_to).await,
            },
        };
        let (status, answer, refund) = match outcome {
            Ok(sent) => (
                MessageStatus::Sent,
                serde_json::to_string(&sent).unwrap_or_default(),
                false,
            ),
            Err(Undelivered {
                problem,
                uncertain: true,
            }) => (MessageStatus::Unknown, problem_json(&problem), false),
            Err(Undelivered { problem, .. }) => {
                let busy = problem.code == Code::LimitTenantBusy;
                let retryable = problem.retry_after.is_some()
                    || problem.status == StatusCode::SERVICE_UNAVAILABLE.as_u16();
                if busy || (retryable && job.attempts < MAX_ATTEMPTS) {
                    (MessageStatus::Queued, problem_json(&problem), busy)
                } else {
                    (MessageStatus::Failed, problem_json(&problem), false)
                }
            }
        };
        match self
            .log
            .settle_job(tenant, id, status, Some(&answer), refund)
            .await
        {
            Ok(()) if status == MessageStatus::Queued => Handled::Again,
            Ok(()) => {
                tracing::info!(tenant = %tenant, message = %id, status = ?status, "queued message settled");
                Handled::Done
            }
            Err(e) => {
                // Still `sending`: its next delivery, after SENDING_SECS, settles it as
                // unknown when it may have left, and never sends it again.
                tracing::warn!(tenant = %tenant, error = %e, "a queued message could not be settled");
                Handled::Again
            }
        }
    }

    /// A message another worker took: cut off when it has been `sending` too long.
    async fn cut_off(&self, tenant: &str, job: &Job) -> Handled {
        if job.status == MessageStatus::Queued || now_secs() < job.updated_at + SENDING_SECS {
            return Handled::Again;
        }
        let p = Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            Code::MessageOutcomeUnknown,
            "The worker that was sending this message did not report back (it was cut off mid-send); it is never sent again.",
        );
        match self
            .log
            .settle_job(
                tenant,
                &job.id,
                MessageStatus::Unknown,
                Some(&problem_json(&p)),
                false,
            )
            .await
        {
            Ok(()) => Handled::Done,
            Err(_) => Handled::Again,
        }
    }

    /// The worker over one SQS batch: each record's message delivered, the batch's
    /// records at once (each tenant's share holds its own), answered as a partial batch
    /// response naming the records to deliver again.
    pub async fn consume_batch(&self, batch: &Value) -> Value {
        let records = batch["Records"].as_array().cloned().unwrap_or_default();
        let handled = futures_util::future::join_all(records.iter().map(|r| async move {
            let id = r["messageId"].as_str().unwrap_or_default().to_owned();
            let body: Value = r["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(Value::Null);
            match (body["tenant"].as_str(), body["messageId"].as_str()) {
                (Some(tenant), Some(message)) if !tenant.is_empty() => {
                    (id, self.deliver_queued(tenant, message).await)
                }
                _ => {
                    tracing::warn!(record = %id, "a send-queue message that is not Sendready's; dropped");
                    (id, Handled::Done)
                }
            }
        }))
        .await;
        let failures: Vec<Value> = handled
            .into_iter()
            .filter(|(_, h)| *h == Handled::Again)
            .map(|(id, _)| json!({ "itemIdentifier": id }))
            .collect();
        json!({ "batchItemFailures": failures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sendreadys_own_ids_are_looked_up() {
        assert!(is_message_id("msg_0123456789abcdef0123456789abcdef"));
        assert!(!is_message_id("msg_0123"));
        assert!(!is_message_id("KEY#x"));
        assert!(!is_message_id("msg_0123456789abcdef0123456789abcdeg"));
    }

    #[test]
    fn a_settled_view_carries_the_sent_message_or_the_problem() {
        let mut job = Job {
            id: "msg_1".into(),
            request: "{}".into(),
            status: MessageStatus::Failed,
            attempts: 5,
            queued_at: 0,
            updated_at: 60,
            answer: Some(r#"{"status":503,"code":"smtp-connect-refused","detail":"x"}"#.into()),
        };
        let v = view(&job);
        assert_eq!(v.problem.unwrap().code, "smtp-connect-refused");
        assert_eq!(v.status_url, "/v1/messages/msg_1");
        assert!(v.sent.is_none());
        job.status = MessageStatus::Queued;
        assert!(
            view(&job).problem.is_none(),
            "a retry's problem is not the answer"
        );
    }
}
