//! The event store in the tenant table: `pk` = `EVENTS#<SES tenant name>`, with
//! `SEEN#<event id>` (the once-only guard), `EVENT#<time>#<event id>` (the event, newest
//! last in key order) and `COUNT#<hour>#<shard>` (recipients per kind, added atomically),
//! all with an `expiresAt` (the table's TTL).
//!
//! Each event is one transaction (guard, event, count), so it is counted exactly once. The
//! count is spread over [`COUNT_SHARDS`] items an hour by the event's id (the DynamoDB
//! guide's write sharding): events of one tenant's hour processed at once update
//! different items, so their transactions rarely conflict, and one that does is retried
//! by the queue (issue 23.3). A read sums the shards: at most 168 hours × 4 items for the
//! 7-day window, whatever the tenant sent.

use super::{DynamoRegistry, condition_failed, num, s};
use crate::adapters::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::events::{COUNT_DAYS, EVENT_DAYS, EventStore};
use crate::ports::registry::now_secs;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use sendready_core::events::{Counts, EventKind, SesEvent};

fn events_pk(key: &str) -> AttributeValue {
    s(&format!("EVENTS#{key}"))
}

/// Count items per hour.
pub const COUNT_SHARDS: u32 = 4;

/// The count shard of an event: FNV-1a of its id.
fn count_shard(id: &str) -> u32 {
    crate::ports::registry::fnv1a(id) % COUNT_SHARDS
}

fn expires(days: u64) -> AttributeValue {
    AttributeValue::N((now_secs() + days * 86_400).to_string())
}

#[async_trait]
impl EventStore for DynamoRegistry {
    async fn record(&self, key: &str, event: &SesEvent, hour: &str) -> Result<bool, AwsError> {
        const WHAT: &str = "Recording an SES event";
        let json = serde_json::to_string(event).map_err(|e| build_error(WHAT, &e))?;
        let seen = Put::builder()
            .table_name(&self.table)
            .item("pk", events_pk(key))
            .item("sk", s(&format!("SEEN#{}", event.id)))
            .item("expiresAt", expires(EVENT_DAYS))
            .condition_expression("attribute_not_exists(sk)")
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let kept = Put::builder()
            .table_name(&self.table)
            .item("pk", events_pk(key))
            .item("sk", s(&format!("EVENT#{}#{}", event.at, event.id)))
            .item("event", s(&json))
            .item("expiresAt", expires(EVENT_DAYS))
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", events_pk(key))
            .key("sk", s(&format!("COUNT#{hour}#{}", count_shard(&event.id))))
            .update_expression("ADD #k :n SET expiresAt = :e")
            .expression_attribute_names("#k", event.kind.as_str())
            .expression_attribute_values(":n", AttributeValue::N(event.weight().to_string()))
            .expression_attribute_values(":e", expires(COUNT_DAYS))
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let res = self
            .db
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(seen).build())
            .transact_items(TransactWriteItem::builder().put(kept).build())
            .transact_items(TransactWriteItem::builder().update(count).build())
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) => {
                if condition_failed(&e, 0) {
                    Ok(false)
                } else {
                    Err(aws_error(WHAT, &e))
                }
            }
        }
    }

    async fn recent(&self, key: &str, limit: usize) -> Result<Vec<SesEvent>, AwsError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :e)")
            .expression_attribute_values(":pk", events_pk(key))
            .expression_attribute_values(":e", s("EVENT#"))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| aws_error("Reading the tenant's events", &e))?;
        Ok(out
            .items()
            .iter()
            .filter_map(|item| item.get("event").and_then(|v| v.as_s().ok()))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    async fn counts(&self, key: &str, since_hour: &str) -> Result<Vec<(String, Counts)>, AwsError> {
        let mut out = Vec::new();
        let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", events_pk(key))
                .expression_attribute_values(":from", s(&format!("COUNT#{since_hour}")))
                .expression_attribute_values(":to", s("COUNT#~"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| aws_error("Reading the tenant's event counts", &e))?;
            for item in page.items() {
                // `COUNT#<hour>#<shard>`, or `COUNT#<hour>` as written before the shards.
                let hour = item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|k| k.strip_prefix("COUNT#"))
                    .map(|k| k.split_once('#').map_or(k, |(h, _)| h))
                    .unwrap_or_default()
                    .to_owned();
                let mut c = Counts::default();
                for kind in EventKind::ALL {
                    c.add(kind, num(item, kind.as_str()).unwrap_or(0));
                }
                out.push((hour, c));
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }
}
