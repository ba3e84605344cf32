//! SES events through the queue (issue 23.3): batches delivered in parallel, with
//! duplicates and deliveries that fail on purpose, are each recorded and counted once and
//! none is lost; a failed event is reported as a partial batch failure, so only it comes
//! again. Against moto's DynamoDB, with a store that fails some writes the first time.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use async_trait::async_trait;
use common::Moto;
use sendready_core::events::{Counts, SesEvent};
use sendready_lambda::ports::AwsError;
use sendready_lambda::ports::events::EventStore;
use sendready_lambda::service::events::Events;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The table's store, failing the first write of one event in ten (by its id's digits).
struct Flaky {
    inner: Arc<dyn EventStore>,
    failed: Mutex<HashSet<String>>,
}

#[async_trait]
impl EventStore for Flaky {
    async fn record(&self, key: &str, event: &SesEvent, hour: &str) -> Result<bool, AwsError> {
        let tenth = event.id.bytes().map(u32::from).sum::<u32>() % 10 == 7;
        if tenth && self.failed.lock().unwrap().insert(event.id.clone()) {
            return Err(AwsError::service(
                "DynamoDB",
                "Recording an SES event",
                "ProvisionedThroughputExceededException",
                "injected",
            ));
        }
        self.inner.record(key, event, hour).await
    }
    async fn recent(&self, key: &str, limit: usize) -> Result<Vec<SesEvent>, AwsError> {
        self.inner.recent(key, limit).await
    }
    async fn counts(&self, key: &str, since_hour: &str) -> Result<Vec<(String, Counts)>, AwsError> {
        self.inner.counts(key, since_hour).await
    }
}

/// An EventBridge event for SES's bounce of message `id` in the tenant's set.
fn bounce(id: &str) -> Value {
    let now = sendready_core::events::rfc3339(sendready_lambda::ports::registry::now_secs());
    json!({
        "version": "0", "id": format!("eb-{id}"), "detail-type": "Email Bounced", "source": "aws.ses",
        "detail": {
            "eventType": "Bounce",
            "mail": {
                "timestamp": now, "messageId": id, "source": "billing@acme.example.com",
                "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/acme.example.com",
                "destination": ["bounce@simulator.amazonses.com"],
                "tags": { "ses:configuration-set": ["sendready-t-acme"] }
            },
            "bounce": {
                "bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
                "bouncedRecipients": [{ "emailAddress": "bounce@simulator.amazonses.com" }]
            }
        }
    })
}

#[tokio::test]
async fn queued_events_in_parallel_batches_with_duplicates_and_failures_are_counted_once_and_none_lost()
 {
    let moto = Moto::start();
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let aws = sendready_lambda::state::Aws::from_sdk(&conf, "sendready-tenants");
    let events = Events {
        store: Arc::new(Flaky {
            inner: aws.events.clone(),
            failed: Mutex::new(HashSet::new()),
        }),
    };
    // 300 events, 1 % of them delivered twice, in batches of 10 as SQS hands them over.
    let mut queue: Vec<(String, Value)> = (0..300)
        .map(|i| (format!("m-{i}"), bounce(&format!("0100-{i:05}"))))
        .collect();
    for i in (0..300).step_by(100) {
        queue.push((format!("m-dup-{i}"), bounce(&format!("0100-{i:05}"))));
    }
    let mut rounds = 0;
    let mut redelivered = 0;
    while !queue.is_empty() {
        rounds += 1;
        assert!(rounds < 10, "the failed ones kept failing");
        let batches: Vec<Value> = queue
            .chunks(10)
            .map(|c| {
                json!({ "Records": c.iter().map(|(id, body)| json!({
                    "messageId": id, "body": body.to_string(), "eventSource": "aws:sqs"
                })).collect::<Vec<_>>() })
            })
            .collect();
        let bodies: HashMap<String, Value> = queue.drain(..).collect();
        // Eight batches at once, as concurrent invocations take them.
        let mut tasks = Vec::new();
        for chunk in batches.chunks(8) {
            let answers =
                futures_util::future::join_all(chunk.iter().map(|b| events.consume_batch(b))).await;
            tasks.extend(answers);
        }
        for answer in tasks {
            for f in answer["batchItemFailures"].as_array().unwrap() {
                let id = f["itemIdentifier"].as_str().unwrap().to_owned();
                queue.push((id.clone(), bodies[&id].clone()));
                redelivered += 1;
            }
        }
    }
    assert!(
        redelivered >= 10,
        "one event in ten failed once: {redelivered}"
    );

    // Counted once each: 300 bounces in the day's rate, whatever was delivered twice.
    let svc = aws.events_service();
    let (rates, _) = svc.rates("acme").await.unwrap();
    assert_eq!(rates[0].window, "24h");
    assert_eq!(rates[0].counts.bounced, 300, "{rates:?}");
    assert_eq!(rates[1].counts.bounced, 300, "{rates:?}");
    // Another tenant's rates hold none of them.
    let (other, _) = svc.rates("globex").await.unwrap();
    assert_eq!(other[0].counts.bounced, 0);
}
