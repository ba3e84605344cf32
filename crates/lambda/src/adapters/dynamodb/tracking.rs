//! The tracking store in the tenant table:
//! - `pk` = `TRACK#<tenant>`, `sk` = `ID#<identity>`: the identity's [`Track`] (JSON),
//!   its `version` and the key of its due item;
//! - `pk` = `TRACKDUE`, `sk` = `<next look, 12 digits>#<tenant length>#<tenant>#<identity>`:
//!   one item per tracked identity, so the due ones are one query in time order;
//! - `pk` = `TRACK#<tenant>`, `sk` = `HIST#<identity>#<time, 12 digits>#<n>`: each
//!   recorded change, with an `expiresAt` (the table's TTL).
//!
//! The state, its due item and the changes of one look are written in one transaction,
//! conditional on the version read, so two looks (or a look and a retry) never both land.

use super::{DynamoRegistry, condition_failed, kind_name, num, s};
use crate::adapters::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::registry::now_secs;
use crate::ports::tracking::{HISTORY_DAYS, Tracked, TrackingStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use sendready_core::identity::IdentityKind;
use sendready_core::tracking::{Change, Track};
use std::collections::HashMap;

const DUE_PK: &str = "TRACKDUE";

fn track_pk(tenant: &str) -> AttributeValue {
    s(&format!("TRACK#{tenant}"))
}

fn id_sk(identity: &str) -> AttributeValue {
    s(&format!("ID#{identity}"))
}

fn due_sk(next_at: u64, tenant: &str, identity: &str) -> String {
    format!("{next_at:012}#{}#{tenant}#{identity}", tenant.len())
}

fn parse(item: &HashMap<String, AttributeValue>) -> Option<Tracked> {
    let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    Some(Tracked {
        tenant: get("tenant")?,
        identity: get("identity")?,
        kind: if get("kind").as_deref() == Some("domain") {
            IdentityKind::Domain
        } else {
            IdentityKind::Email
        },
        track: serde_json::from_str(&get("track")?).ok()?,
        version: num(item, "version").unwrap_or(0),
    })
}

impl DynamoRegistry {
    fn state_put(&self, t: &Tracked, track: &Track, version: u64) -> Result<Put, AwsError> {
        const WHAT: &str = "Saving an identity's tracking";
        let json = serde_json::to_string(track).map_err(|e| build_error(WHAT, &e))?;
        let put = Put::builder()
            .table_name(&self.table)
            .item("pk", track_pk(&t.tenant))
            .item("sk", id_sk(&t.identity))
            .item("tenant", s(&t.tenant))
            .item("identity", s(&t.identity))
            .item("kind", s(kind_name(t.kind)))
            .item("track", s(&json))
            .item("version", AttributeValue::N(version.to_string()))
            .item("dueSk", s(&due_sk(track.next_at, &t.tenant, &t.identity)));
        let put = if t.version == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(t.version.to_string()))
        };
        put.build().map_err(|e| build_error(WHAT, &e))
    }

    fn due_put(&self, t: &Tracked, next_at: u64) -> Result<Put, AwsError> {
        Put::builder()
            .table_name(&self.table)
            .item("pk", s(DUE_PK))
            .item("sk", s(&due_sk(next_at, &t.tenant, &t.identity)))
            .item("tenant", s(&t.tenant))
            .item("identity", s(&t.identity))
            .build()
            .map_err(|e| build_error("Scheduling an identity's next look", &e))
    }

    fn due_delete(&self, t: &Tracked) -> Result<Delete, AwsError> {
        Delete::builder()
            .table_name(&self.table)
            .key("pk", s(DUE_PK))
            .key("sk", s(&due_sk(t.track.next_at, &t.tenant, &t.identity)))
            .build()
            .map_err(|e| build_error("Scheduling an identity's next look", &e))
    }

    /// Writes `next` over `t` (conditional on `t.version`) with `changes`: false when the
    /// version moved on.
    async fn write_track(
        &self,
        t: &Tracked,
        next: &Track,
        changes: &[Change],
    ) -> Result<bool, AwsError> {
        const WHAT: &str = "Saving an identity's tracking";
        let mut items = vec![
            TransactWriteItem::builder()
                .put(self.state_put(t, next, t.version + 1)?)
                .build(),
        ];
        // The due item moves with the next look; where it stays (a save that only records
        // delivered announcements) it is left as it is: a transaction may not touch one
        // item twice.
        let moved = t.version == 0 || t.track.next_at != next.next_at;
        if t.version != 0 && moved {
            items.push(
                TransactWriteItem::builder()
                    .delete(self.due_delete(t)?)
                    .build(),
            );
        }
        if moved {
            items.push(
                TransactWriteItem::builder()
                    .put(self.due_put(t, next.next_at)?)
                    .build(),
            );
        }
        let expires = AttributeValue::N((now_secs() + HISTORY_DAYS * 86_400).to_string());
        for (i, c) in changes.iter().enumerate() {
            let json = serde_json::to_string(c).map_err(|e| build_error(WHAT, &e))?;
            let put = Put::builder()
                .table_name(&self.table)
                .item("pk", track_pk(&t.tenant))
                .item("sk", s(&format!("HIST#{}#{:012}#{i:03}", t.identity, c.at)))
                .item("change", s(&json))
                .item("expiresAt", expires.clone())
                .build()
                .map_err(|e| build_error(WHAT, &e))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self
            .db
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e, 0) => Ok(false),
            Err(e) => Err(aws_error(WHAT, &e)),
        }
    }
}

#[async_trait]
impl TrackingStore for DynamoRegistry {
    async fn enroll(&self, t: &Tracked) -> Result<bool, AwsError> {
        // Version 0: the state is written only where none is (attribute_not_exists).
        let new = Tracked {
            version: 0,
            ..t.clone()
        };
        self.write_track(&new, &t.track, &[]).await
    }

    async fn get(&self, tenant: &str, identity: &str) -> Result<Option<Tracked>, AwsError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", track_pk(tenant))
            .key("sk", id_sk(identity))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("Reading an identity's tracking", &e))?;
        Ok(out.item().and_then(parse))
    }

    async fn due(&self, now: u64, limit: usize) -> Result<(Vec<Tracked>, usize), AwsError> {
        const WHAT: &str = "Finding the identities due for a look";
        // Orphans (a due item whose identity is no longer tracked, or whose tracking has
        // moved on to another due item: a delete or a save that raced the tracker) are
        // deleted where they are found, and the batch is filled from the next page: at
        // most this many pages a run, so a run's reads stay bounded.
        const MAX_PAGES: usize = 4;
        let mut found = Vec::new();
        let mut removed = 0;
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        for _ in 0..MAX_PAGES {
            let want = limit.saturating_sub(found.len());
            if want == 0 {
                break;
            }
            let out = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk < :to")
                .expression_attribute_values(":pk", s(DUE_PK))
                .expression_attribute_values(":to", s(&format!("{:012}", now + 1)))
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| aws_error(WHAT, &e))?;
            for item in out.items() {
                let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok());
                let (Some(sk), Some(tenant), Some(identity)) =
                    (get("sk"), get("tenant"), get("identity"))
                else {
                    continue;
                };
                match TrackingStore::get(self, tenant, identity).await? {
                    Some(t) if due_sk(t.track.next_at, tenant, identity) == *sk => found.push(t),
                    _ => {
                        // Only this very item, and only while it is still there.
                        self.db
                            .delete_item()
                            .table_name(&self.table)
                            .key("pk", s(DUE_PK))
                            .key("sk", s(sk))
                            .send()
                            .await
                            .map_err(|e| aws_error("Removing an orphaned due item", &e))?;
                        tracing::info!(%tenant, %identity, due = %sk, "orphaned due item removed");
                        removed += 1;
                    }
                }
            }
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok((found, removed))
    }

    async fn save(&self, t: &Tracked, next: &Track, changes: &[Change]) -> Result<bool, AwsError> {
        self.write_track(t, next, changes).await
    }

    async fn forget(&self, tenant: &str, identity: &str) -> Result<(), AwsError> {
        const WHAT: &str = "Stopping an identity's tracking";
        let Some(t) = TrackingStore::get(self, tenant, identity).await? else {
            return Ok(());
        };
        let state = Delete::builder()
            .table_name(&self.table)
            .key("pk", track_pk(tenant))
            .key("sk", id_sk(identity))
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        self.db
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(state).build())
            .transact_items(
                TransactWriteItem::builder()
                    .delete(self.due_delete(&t)?)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(())
    }

    async fn history(
        &self,
        tenant: &str,
        identity: &str,
        limit: usize,
    ) -> Result<Vec<Change>, AwsError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :h)")
            .expression_attribute_values(":pk", track_pk(tenant))
            .expression_attribute_values(":h", s(&format!("HIST#{identity}#")))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| aws_error("Reading an identity's history", &e))?;
        Ok(out
            .items()
            .iter()
            .filter_map(|item| item.get("change").and_then(|v| v.as_s().ok()))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }
}
