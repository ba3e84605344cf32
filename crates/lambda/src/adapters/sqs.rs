//! SQS: `GetQueueAttributes` for the platform view's depths and `SendMessage` with a
//! `MessageGroupId` for the send queue (on a standard queue that makes it an SQS fair
//! queue: consumers are shared among the message groups, so one tenant's backlog does
//! not hold up the others' messages).

use super::sdk::aws_error;
use crate::ports::AwsError;
use crate::ports::queue::{Depth, Queues};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;

/// SQS over one SDK configuration.
#[derive(Clone, Debug)]
pub struct Sqs {
    client: Client,
}

impl Sqs {
    /// SQS over a client.
    pub fn new(client: Client) -> Self {
        Sqs { client }
    }

    /// SQS over `conf`.
    pub fn from_conf(conf: &aws_config::SdkConfig) -> Self {
        Sqs {
            client: Client::new(conf),
        }
    }
}

/// A received message: its receipt handle, id and body.
#[derive(Clone, Debug)]
pub struct Received {
    /// What deletes it.
    pub receipt: String,
    /// SQS's id.
    pub message_id: String,
    /// The body.
    pub body: String,
}

impl Sqs {
    /// Creates `name` (and `<name>-dlq`, its dead-letter queue after `max_receives`
    /// receives) unless they exist, with `visibility` seconds: for the local stack and
    /// the benches; in AWS the template makes them. Their URLs.
    pub async fn ensure_queue(
        &self,
        name: &str,
        visibility: u32,
        max_receives: u32,
    ) -> Result<(String, String), AwsError> {
        const WHAT: &str = "Creating a queue";
        let dlq = self
            .client
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?
            .queue_url()
            .unwrap_or_default()
            .to_owned();
        let arn = self
            .client
            .get_queue_attributes()
            .queue_url(&dlq)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .unwrap_or_default();
        let redrive = serde_json::json!({
            "deadLetterTargetArn": arn, "maxReceiveCount": max_receives.to_string()
        })
        .to_string();
        let url = self
            .client
            .create_queue()
            .queue_name(name)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                visibility.to_string(),
            )
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?
            .queue_url()
            .unwrap_or_default()
            .to_owned();
        Ok((url, dlq))
    }

    /// Up to `max` (1-10) messages, waiting up to `wait_secs` for the first.
    pub async fn receive(
        &self,
        url: &str,
        max: i32,
        wait_secs: i32,
    ) -> Result<Vec<Received>, AwsError> {
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_secs)
            .send()
            .await
            .map_err(|e| aws_error("Receiving from a queue", &e))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| Received {
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                message_id: m.message_id().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// Deletes a received message.
    pub async fn delete(&self, url: &str, receipt: &str) -> Result<(), AwsError> {
        self.client
            .delete_message()
            .queue_url(url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| aws_error("Deleting from a queue", &e))?;
        Ok(())
    }

    /// Puts `body` on a queue without a message group (the local SES's events).
    pub async fn send_plain(&self, url: &str, body: &str) -> Result<(), AwsError> {
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| aws_error("Putting a message on a queue", &e))?;
        Ok(())
    }

    /// What a Lambda event source mapping does with `received`: one SQS event of
    /// them, handed to `handle`, then every message not named in its partial batch
    /// response deleted (those named come again after the visibility timeout). The
    /// number deleted.
    pub async fn drain<F, Fut>(&self, url: &str, received: Vec<Received>, handle: F) -> usize
    where
        F: FnOnce(serde_json::Value) -> Fut,
        Fut: std::future::Future<Output = serde_json::Value>,
    {
        let event = serde_json::json!({ "Records": received.iter().map(|m| serde_json::json!({
            "messageId": m.message_id, "body": m.body, "eventSource": "aws:sqs"
        })).collect::<Vec<_>>() });
        let answer = handle(event).await;
        let failed: std::collections::HashSet<&str> = answer["batchItemFailures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["itemIdentifier"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let mut deleted = 0;
        for m in received
            .iter()
            .filter(|m| !failed.contains(m.message_id.as_str()))
        {
            match self.delete(url, &m.receipt).await {
                Ok(()) => deleted += 1,
                Err(e) => tracing::warn!(error = %e, "a handled message could not be deleted"),
            }
        }
        deleted
    }
}

#[async_trait]
impl Queues for Sqs {
    async fn depth(&self, url: &str) -> Result<Depth, AwsError> {
        const WHAT: &str = "Reading a queue's depth from SQS";
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let attrs = out.attributes();
        let count = |name: QueueAttributeName| {
            attrs
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(Depth {
            visible: count(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
            delayed: count(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
        })
    }

    async fn send(&self, url: &str, group: &str, body: &str) -> Result<String, AwsError> {
        const WHAT: &str = "Putting a message on the send queue";
        let out = self
            .client
            .send_message()
            .queue_url(url)
            .message_group_id(group)
            .message_body(body)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
