//! The tenant registry in DynamoDB, with the identity limits held by conditional writes
//! so that concurrent creates cannot exceed them.
//!
//! One table; each item collection holds one kind of thing, so what a request reads never
//! grows with what a tenant did before (issue 23):
//!
//! | `pk` | `sk` | holds |
//! | --- | --- | --- |
//! | `TENANT#<tenant>` | `META`, `ID#<identity>` | the registry a request needs: active users, zones, SES tenant, identity counters, and at most a few identities (one `GetItem` and one bounded `Query`) |
//! | `IDENTITY#<name>` | `OWNER`, `UNDER#<name>`, `CLAIM#<tenant>` | a name's one owner across the deployment, the names under it, and another tenant's claim token (7 days); the owner item carries `ownerShard`, the key of the sparse `owners` index (partition `ownerShard`, sort `pk`) the reconciler walks a page at a time |
//! | `PLATFORM` | `RECONCILE`, `TENANTS#<0-3>` | where the reconciler got to (its cursor); the tenant count, spread over four items and read by key |
//! | `LIMITS#<tenant>` | `LIMIT#<name>#<subject>#<window>` | limit counters, one per window, and the places of a tenant's share of work on its own servers (`LEASE#<work>#<slot>`), removed by TTL (read by key, never listed) |
//! | `SETTINGS#<tenant>` | `CURRENT`, `HIST#…`, `SMTPLOG#…` | settings, their history, debug transcripts |
//! | `MESSAGES#<tenant>` | `KEY#<Idempotency-Key>`, `JOB#<messageId>` | the send log (a day), and messages sent with `Prefer: respond-async` with their status (7 days), each read by key |
//! | `TRACK#<tenant>`, `TRACKDUE` | see `tracking.rs` | verification tracking |
//! | events | see `events.rs` | SES events and counts |
//!
//! The tenant's identity item and the owner item are written and removed in the same
//! transaction; both carry `state` = `pending` until SES confirms.

mod events;
mod tracking;

use super::sdk::{aws_error, build_error};
use crate::ports::limits::{Lease, Share};
use crate::ports::registry::NameOwner;
use crate::ports::registry::{
    ReconcileCursor, TENANT_COUNT_SHARDS, canonical_identity, fnv1a, now_secs, owner_shard, parents,
};
use crate::ports::sendlog::{Claim, JOB_SECS, Job, SendLog, Take};
use crate::ports::settings::{SaveError, SettingsStore, StoredSettings, TRANSCRIPT_DAYS};
use crate::ports::{AwsError, Limit, LimitError, Limiter, Owned, Record, Registry, ReserveError};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use sendready_core::api::MessageStatus;
use sendready_core::api::{EmailSettings, SettingsChange, SmtpTranscript};
use sendready_core::identity::{IdentityKind, MAX_DOMAIN_IDENTITIES, MAX_EMAIL_IDENTITIES};
use std::collections::HashMap;

/// Why the table could not be made ready.
#[derive(Debug, thiserror::Error)]
#[error("creating table {table}: {source}")]
pub struct TableError {
    /// The table.
    pub table: String,
    /// What DynamoDB said.
    pub source: AwsError,
}

/// The registry over one table.
#[derive(Clone, Debug)]
pub struct DynamoRegistry {
    db: Client,
    table: String,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: usize) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The cancellation reason DynamoDB gives for each item of a cancelled transaction
/// (`ConditionalCheckFailed`, `TransactionConflict`, `None`); `None` when the error is
/// not a cancelled transaction.
fn cancellation_reasons<R>(
    e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, R>,
) -> Option<Vec<String>> {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => Some(
            c.cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned())
                .collect(),
        ),
        _ => None,
    }
}

/// True when a transaction was cancelled because the condition on its item `i` failed.
fn condition_failed<R>(
    e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, R>,
    i: usize,
) -> bool {
    cancellation_reasons(e)
        .is_some_and(|r| r.get(i).map(String::as_str) == Some("ConditionalCheckFailed"))
}

fn pk(tenant: &str) -> AttributeValue {
    s(&format!("TENANT#{tenant}"))
}

/// Identities read per page of a tenant's registry, and the most pages (a tenant holds at
/// most one domain and three emails, and a few pending reservations).
const REGISTRY_PAGE: i32 = 25;
const REGISTRY_PAGES: usize = 4;

/// The counter on the META item and the core's limit for `kind` (Zuora: one domain,
/// three emails).
fn counter(kind: IdentityKind) -> (&'static str, usize) {
    match kind {
        IdentityKind::Domain => ("domainCount", MAX_DOMAIN_IDENTITIES),
        IdentityKind::Email => ("emailCount", MAX_EMAIL_IDENTITIES),
    }
}

fn owner_pk(identity: &str) -> AttributeValue {
    s(&format!("IDENTITY#{}", canonical_identity(identity)))
}

/// The sparse index of owner items: partition `ownerShard`, sort `pk` (`IDENTITY#<name>`).
pub const OWNERS_INDEX: &str = "owners";

/// The partition of the deployment's own state (the reconciler's cursor).
const PLATFORM_PK: &str = "PLATFORM";

/// An owner item as the registry's owner of a name.
fn name_owner_of(item: &HashMap<String, AttributeValue>) -> Option<NameOwner> {
    let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let int = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
    };
    let (identity, tenant) = (get("identity")?, get("tenant")?);
    Some(NameOwner {
        kind: if identity.contains('@') {
            IdentityKind::Email
        } else {
            IdentityKind::Domain
        },
        identity,
        tenant,
        pending: get("state").as_deref() == Some("pending"),
        reserved_at: int("reservedAt"),
        seen_pass: int("sesSeen"),
    })
}

fn kind_name(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::Domain => "domain",
        IdentityKind::Email => "email",
    }
}

impl DynamoRegistry {
    /// A registry on `table`.
    pub fn new(db: Client, table: impl Into<String>) -> Self {
        DynamoRegistry {
            db,
            table: table.into(),
        }
    }

    /// Sets one list attribute of the tenant's META item, creating the item with zeroed
    /// identity counters when it is absent (so a later reserve finds them).
    async fn set_meta_list(
        &self,
        tenant: &str,
        attr: &str,
        values: &[String],
        what: &'static str,
    ) -> Result<(), AwsError> {
        let old = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s("META"))
            .update_expression(
                "SET #a = :v, domainCount = if_not_exists(domainCount, :z), emailCount = if_not_exists(emailCount, :z)",
            )
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":v", AttributeValue::L(values.iter().map(|v| s(v)).collect()))
            .expression_attribute_values(":z", n(0))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| aws_error(what, &e))?;
        // A new tenant (its META had no counters): counted once, in one of the shards.
        // A failure here leaves the count one short, never the tenant unwritten.
        let created = old
            .attributes()
            .is_none_or(|a| !a.contains_key("domainCount"));
        if created {
            let shard = fnv1a(tenant) % TENANT_COUNT_SHARDS;
            if let Err(e) = self
                .db
                .update_item()
                .table_name(&self.table)
                .key("pk", s("PLATFORM"))
                .key("sk", s(&format!("TENANTS#{shard}")))
                .update_expression("ADD tenants :one")
                .expression_attribute_values(":one", n(1))
                .send()
                .await
            {
                tracing::warn!(tenant = %tenant, error = %aws_error("Counting a new tenant", &e), "the tenant count missed one");
            }
        }
        Ok(())
    }

    /// The mark that `identity` (of `tenant`) sits under `parent`: `IDENTITY#<parent>` /
    /// `UNDER#<identity>`.
    fn under_put(
        &self,
        parent: &str,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
    ) -> Result<Put, AwsError> {
        Put::builder()
            .table_name(&self.table)
            .item("pk", owner_pk(parent))
            .item("sk", s(&format!("UNDER#{}", canonical_identity(identity))))
            .item("tenant", s(tenant))
            .item("identity", s(identity))
            .item("kind", s(kind_name(kind)))
            .build()
            .map_err(|e| build_error("Reserving the identity", &e))
    }

    /// Why a parent domain's owner refused a reservation: another tenant's (taken), or the
    /// tenant's own domain identity of an email identity's domain (Zuora's overlap).
    async fn parent_refusal(&self, tenant: &str, parent: &str) -> ReserveError {
        let owner = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", owner_pk(parent))
            .key("sk", s("OWNER"))
            .consistent_read(true)
            .send()
            .await;
        let item = owner.ok().and_then(|o| o.item().cloned());
        let text = |k: &str| {
            item.as_ref()
                .and_then(|i| i.get(k))
                .and_then(|v| v.as_s().ok())
                .cloned()
        };
        match text("tenant") {
            Some(t) if t == tenant => {
                ReserveError::Overlap(text("identity").unwrap_or_else(|| parent.to_owned()))
            }
            _ => ReserveError::Taken,
        }
    }

    /// After a domain's reservation: names another tenant holds under it (marked by their
    /// reservations, which checked this domain's owner in the same transaction, so one
    /// made before this one is found here and one made after it was refused), or the
    /// tenant's own email identity at the same domain, undo the reservation.
    async fn refuse_names_under(&self, tenant: &str, owned: &Owned) -> Result<(), ReserveError> {
        const WHAT: &str = "Checking the names under the domain";
        let domain = canonical_identity(&owned.identity);
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        let mut refusal = None;
        // A tenant holds at most a few names; pages of 25 marks, four at the most, reach
        // past them to another tenant's.
        for _ in 0..4 {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :u)")
                .expression_attribute_values(":pk", owner_pk(&domain))
                .expression_attribute_values(":u", s("UNDER#"))
                .limit(25)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| ReserveError::Aws(aws_error(WHAT, &e)))?;
            for item in page.items() {
                let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                let identity = text("identity").unwrap_or_default();
                if text("tenant").as_deref() != Some(tenant) {
                    refusal = Some(ReserveError::Taken);
                } else if identity
                    .rsplit_once('@')
                    .is_some_and(|(_, d)| d.eq_ignore_ascii_case(&domain))
                {
                    refusal = Some(ReserveError::Overlap(identity));
                }
                if refusal.is_some() {
                    break;
                }
            }
            start = page.last_evaluated_key().cloned();
            if refusal.is_some() || start.is_none() {
                break;
            }
        }
        let Some(refusal) = refusal else {
            return Ok(());
        };
        Registry::release(self, tenant, &owned.identity, owned.kind)
            .await
            .map_err(ReserveError::Aws)?;
        Err(refusal)
    }

    /// A registry on `table` with a client from `conf`.
    pub fn from_conf(conf: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        DynamoRegistry::new(Client::new(conf), table)
    }

    /// An update of the tenant's counter for `kind` on its META item,
    /// `SET #c = #c <op> :one`, under `condition` (over `#c` and `:bound`).
    fn counter_update(
        &self,
        tenant: &str,
        kind: IdentityKind,
        op: &str,
        condition: &str,
        bound: usize,
    ) -> Result<Update, aws_smithy_types::error::operation::BuildError> {
        Update::builder()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s("META"))
            .update_expression(format!("SET #c = #c {op} :one"))
            .condition_expression(condition)
            .expression_attribute_names("#c", counter(kind).0)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":bound", n(bound))
            .build()
    }

    /// Creates the table (on-demand) if it does not exist: for the local stack and tests;
    /// in AWS the template creates it.
    pub async fn ensure_table(&self) -> Result<(), TableError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
            Projection, ProjectionType, ScalarAttributeType,
        };
        const WHAT: &str = "Creating the tenant table";
        if self
            .db
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        let fail = |source: AwsError| TableError {
            table: self.table.clone(),
            source,
        };
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| fail(build_error(WHAT, &e)))
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
                .map_err(|e| fail(build_error(WHAT, &e)))
        };
        self.db
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .attribute_definitions(attr("ownerShard")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(OWNERS_INDEX)
                    .key_schema(key("ownerShard", KeyType::Hash)?)
                    .key_schema(key("pk", KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| fail(build_error(WHAT, &e)))?,
            )
            .send()
            .await
            .map_err(|e| fail(aws_error(WHAT, &e)))?;
        Ok(())
    }
}

#[async_trait]
impl Registry for DynamoRegistry {
    async fn get(&self, tenant: &str) -> Result<Record, AwsError> {
        const WHAT: &str = "Reading the tenant";
        // The META item by its key, and the identities by their key range a page at a
        // time (a tenant holds a handful): nothing else of the tenant's is read.
        let meta = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s("META"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let mut items: Vec<HashMap<String, AttributeValue>> =
            meta.item().cloned().into_iter().collect();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        for _ in 0..REGISTRY_PAGES {
            let page = self
                .db
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :id)")
                .expression_attribute_values(":pk", pk(tenant))
                .expression_attribute_values(":id", s("ID#"))
                .limit(REGISTRY_PAGE)
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error(WHAT, &e))?;
            items.extend(page.items().iter().cloned());
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
        let mut rec = Record::default();
        for item in &items {
            let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
            match get("sk").as_deref() {
                Some("META") => {
                    rec.exists = true;
                    let list = |k: &str| -> Vec<String> {
                        item.get(k)
                            .and_then(|v| v.as_l().ok())
                            .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                            .unwrap_or_default()
                    };
                    rec.active_user_emails = list("activeUserEmails");
                    rec.zones = list("hostedZones");
                    rec.ses_tenant_arn = get("sesTenantArn");
                }
                Some(sk) if sk.starts_with("ID#") => rec.identities.push(Owned {
                    identity: sk["ID#".len()..].to_owned(),
                    kind: if get("kind").as_deref() == Some("domain") {
                        IdentityKind::Domain
                    } else {
                        IdentityKind::Email
                    },
                    selector: get("selector"),
                    public_key: get("publicKey"),
                    pending: get("state").as_deref() == Some("pending"),
                    reserved_at: item
                        .get("reservedAt")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse().ok()),
                }),
                _ => {}
            }
        }
        Ok(rec)
    }

    async fn put_users(&self, tenant: &str, emails: &[String]) -> Result<(), AwsError> {
        self.set_meta_list(
            tenant,
            "activeUserEmails",
            emails,
            "Saving the tenant's users",
        )
        .await
    }

    async fn put_zones(&self, tenant: &str, zones: &[String]) -> Result<(), AwsError> {
        self.set_meta_list(
            tenant,
            "hostedZones",
            zones,
            "Saving the tenant's hosted zones",
        )
        .await
    }

    async fn put_ses_tenant(&self, tenant: &str, arn: &str) -> Result<(), AwsError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s("META"))
            .update_expression("SET sesTenantArn = :a")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":a", s(arn))
            .send()
            .await
            .map_err(|e| aws_error("Recording the tenant's SES tenant", &e))?;
        Ok(())
    }

    /// One transaction: the kind's counter goes up only while below its limit, and the
    /// identity item is written only if absent. Concurrent creates serialize on the
    /// tenant's META item, so the limits hold.
    async fn reserve(&self, tenant: &str, owned: &Owned) -> Result<(), ReserveError> {
        const WHAT: &str = "Reserving the identity";
        let (_, max) = counter(owned.kind);
        let bump = self
            .counter_update(
                tenant,
                owned.kind,
                "+",
                "attribute_exists(pk) AND #c < :bound",
                max,
            )
            .map_err(|e| build_error(WHAT, &e))?;
        let mut item = HashMap::from([
            ("pk".to_owned(), pk(tenant)),
            ("sk".to_owned(), s(&format!("ID#{}", owned.identity))),
            ("kind".to_owned(), s(kind_name(owned.kind))),
            ("state".to_owned(), s("pending")),
            (
                "reservedAt".to_owned(),
                AttributeValue::N(now_secs().to_string()),
            ),
        ]);
        if let Some(sel) = &owned.selector {
            item.insert("selector".to_owned(), s(sel));
        }
        if let Some(key) = &owned.public_key {
            item.insert("publicKey".to_owned(), s(key));
        }
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(sk)")
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        // The name's one owner across the deployment.
        let name_owner = Put::builder()
            .table_name(&self.table)
            .set_item(Some(HashMap::from([
                ("pk".to_owned(), owner_pk(&owned.identity)),
                ("sk".to_owned(), s("OWNER")),
                ("tenant".to_owned(), s(tenant)),
                ("identity".to_owned(), s(&owned.identity)),
                ("state".to_owned(), s("pending")),
                (
                    "reservedAt".to_owned(),
                    AttributeValue::N(now_secs().to_string()),
                ),
                (
                    "ownerShard".to_owned(),
                    s(&owner_shard(&owned.identity).to_string()),
                ),
            ])))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let mut items = vec![
            TransactWriteItem::builder().update(bump).build(),
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().put(name_owner).build(),
        ];
        // One owner for a domain and everything under it: no domain this name sits under
        // may be another tenant's (nor, for an email identity, the tenant's own domain
        // identity of the same domain: Zuora's rule), checked in this transaction, so a
        // concurrent reservation of that domain conflicts with this one. Each parent is
        // marked (`UNDER#<name>`) for a later reservation of that domain to find.
        let parents = parents(&owned.identity);
        for (i, parent) in parents.iter().enumerate() {
            let strict = i == 0 && owned.kind == IdentityKind::Email;
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .key("pk", owner_pk(parent))
                .key("sk", s("OWNER"))
                .condition_expression(if strict {
                    "attribute_not_exists(pk)"
                } else {
                    "attribute_not_exists(pk) OR #t = :t"
                });
            let check = if strict {
                check
            } else {
                check
                    .expression_attribute_names("#t", "tenant")
                    .expression_attribute_values(":t", s(tenant))
            };
            items.push(
                TransactWriteItem::builder()
                    .condition_check(check.build().map_err(|e| build_error(WHAT, &e))?)
                    .build(),
            );
            items.push(
                TransactWriteItem::builder()
                    .put(self.under_put(parent, tenant, &owned.identity, owned.kind)?)
                    .build(),
            );
        }
        let res = self
            .db
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match res {
            Ok(_) if owned.kind == IdentityKind::Domain => {
                self.refuse_names_under(tenant, owned).await
            }
            Ok(_) => Ok(()),
            Err(e) => {
                if cancellation_reasons(&e).is_some() {
                    let failed = |i: usize| condition_failed(&e, i);
                    if let Some(k) = (0..parents.len()).find(|k| failed(3 + 2 * k)) {
                        return Err(self.parent_refusal(tenant, &parents[k]).await);
                    }
                    if failed(1) {
                        let held = self
                            .get(tenant)
                            .await
                            .ok()
                            .and_then(|r| r.find(&owned.identity).cloned());
                        return Err(ReserveError::Duplicate {
                            pending: held.as_ref().is_some_and(|o| o.pending),
                            reserved_at: held.and_then(|o| o.reserved_at),
                        });
                    }
                    if failed(2) {
                        return Err(ReserveError::Taken);
                    }
                    if failed(0) {
                        let rec = self
                            .get(tenant)
                            .await
                            .map_err(|_| ReserveError::Limit(owned.kind))?;
                        return Err(if rec.exists {
                            ReserveError::Limit(owned.kind)
                        } else {
                            ReserveError::NoTenant
                        });
                    }
                }
                Err(ReserveError::Aws(aws_error(WHAT, &e)))
            }
        }
    }

    /// Deletes the identity's item and its name's owner item and lowers the counter, in
    /// one transaction. A cancellation because the tenant does not own the identity is
    /// "nothing to release"; a transaction conflict is retried (three attempts); any
    /// other cancellation or failure is reported.
    async fn release(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
    ) -> Result<(), AwsError> {
        const WHAT: &str = "Releasing the identity";
        for attempt in 1..=3 {
            let del = Delete::builder()
                .table_name(&self.table)
                .key("pk", pk(tenant))
                .key("sk", s(&format!("ID#{identity}")))
                .condition_expression("attribute_exists(sk)")
                .build()
                .map_err(|e| build_error(WHAT, &e))?;
            let dec = self
                .counter_update(tenant, kind, "-", "#c > :bound", 0)
                .map_err(|e| build_error(WHAT, &e))?;
            // Only the owner's own item goes; one written before owners existed is absent.
            let name_owner = Delete::builder()
                .table_name(&self.table)
                .key("pk", owner_pk(identity))
                .key("sk", s("OWNER"))
                .condition_expression("attribute_not_exists(pk) OR #t = :t")
                .expression_attribute_names("#t", "tenant")
                .expression_attribute_values(":t", s(tenant))
                .build()
                .map_err(|e| build_error(WHAT, &e))?;
            let mut items = vec![
                TransactWriteItem::builder().delete(del).build(),
                TransactWriteItem::builder().update(dec).build(),
                TransactWriteItem::builder().delete(name_owner).build(),
            ];
            // The marks under its parent domains, this tenant's only.
            for parent in parents(identity) {
                let under = Delete::builder()
                    .table_name(&self.table)
                    .key("pk", owner_pk(&parent))
                    .key("sk", s(&format!("UNDER#{}", canonical_identity(identity))))
                    .condition_expression("attribute_not_exists(pk) OR #t = :t")
                    .expression_attribute_names("#t", "tenant")
                    .expression_attribute_values(":t", s(tenant))
                    .build()
                    .map_err(|e| build_error(WHAT, &e))?;
                items.push(TransactWriteItem::builder().delete(under).build());
            }
            let res = self
                .db
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            let Err(e) = res else {
                return Ok(());
            };
            let Some(reasons) = cancellation_reasons(&e) else {
                return Err(aws_error(WHAT, &e));
            };
            if reasons.first().map(String::as_str) == Some("ConditionalCheckFailed") {
                // The tenant does not own it (any more): nothing to release.
                return Ok(());
            }
            if reasons.iter().any(|r| r == "TransactionConflict") && attempt < 3 {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                continue;
            }
            return Err(AwsError::service(
                "DynamoDB",
                WHAT,
                "TransactionCanceledException",
                &format!("the release was cancelled: {}", reasons.join(", ")),
            ));
        }
        Err(AwsError::service(
            "DynamoDB",
            WHAT,
            "TransactionConflict",
            "the release kept conflicting with other writes",
        ))
    }

    async fn name_owner(&self, name: &str) -> Result<Option<String>, AwsError> {
        Ok(self.owner(name).await?.map(|o| o.tenant))
    }

    async fn owner(&self, name: &str) -> Result<Option<NameOwner>, AwsError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", owner_pk(name))
            .key("sk", s("OWNER"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("Reading the identity name's owner", &e))?;
        Ok(out.item().and_then(name_owner_of))
    }

    async fn owners_page(
        &self,
        shard: u32,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<NameOwner>, Option<String>), AwsError> {
        // The sparse index holds owner items only, each shard in name order.
        let query = self
            .db
            .query()
            .table_name(&self.table)
            .index_name(OWNERS_INDEX)
            .expression_attribute_values(":s", s(&shard.to_string()))
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000));
        let query = match after {
            Some(a) => query
                .key_condition_expression("ownerShard = :s AND pk > :a")
                .expression_attribute_values(":a", s(a)),
            None => query.key_condition_expression("ownerShard = :s"),
        };
        let page = query
            .send()
            .await
            .map_err(|e| aws_error("Reading a page of the identity names' owners", &e))?;
        let owners = page.items().iter().filter_map(name_owner_of).collect();
        let next = page
            .last_evaluated_key()
            .and_then(|k| k.get("pk"))
            .and_then(|v| v.as_s().ok())
            .cloned();
        Ok((owners, next))
    }

    async fn mark_seen(&self, name: &str, pass: u64) -> Result<(), AwsError> {
        let res = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("pk", owner_pk(name))
            .key("sk", s("OWNER"))
            // An owner written before the index existed joins it here.
            .update_expression("SET sesSeen = :p, ownerShard = if_not_exists(ownerShard, :s)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":p", AttributeValue::N(pass.to_string()))
            .expression_attribute_values(":s", s(&owner_shard(name).to_string()))
            .send()
            .await;
        match res {
            // Released meanwhile: nothing to mark.
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception,
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(aws_error("Marking the identity name seen in SES", &e)),
            Ok(_) => Ok(()),
        }
    }

    async fn claim_token(&self, tenant: &str, name: &str) -> Result<String, AwsError> {
        const WHAT: &str = "Keeping the claim's token";
        const DAYS: u64 = 7;
        let key = s(&format!("CLAIM#{tenant}"));
        let now = now_secs();
        let current = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", owner_pk(name))
            .key("sk", key.clone())
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        if let Some(item) = current.item()
            && num::<u64>(item, "expiresAt").is_some_and(|e| e > now)
            && let Some(t) = item.get("token").and_then(|v| v.as_s().ok())
        {
            return Ok(t.clone());
        }
        let token = format!("{:032x}", rand::random::<u128>());
        self.db
            .put_item()
            .table_name(&self.table)
            .item("pk", owner_pk(name))
            .item("sk", key)
            .item("token", s(&token))
            .item(
                "expiresAt",
                AttributeValue::N((now + DAYS * 86_400).to_string()),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(token)
    }

    async fn tenant_count(&self) -> Result<u64, AwsError> {
        const WHAT: &str = "Reading the tenant count";
        let keys: Vec<HashMap<String, AttributeValue>> = (0..TENANT_COUNT_SHARDS)
            .map(|i| {
                HashMap::from([
                    ("pk".to_owned(), s("PLATFORM")),
                    ("sk".to_owned(), s(&format!("TENANTS#{i}"))),
                ])
            })
            .collect();
        let ka = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let out = self
            .db
            .batch_get_item()
            .request_items(&self.table, ka)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(out
            .responses()
            .and_then(|r| r.get(&self.table))
            .map_or(0, |items| {
                items.iter().filter_map(|i| num::<u64>(i, "tenants")).sum()
            }))
    }

    async fn reconcile_cursor(&self) -> Result<Option<ReconcileCursor>, AwsError> {
        const WHAT: &str = "Reading where the reconciler got to";
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", s(PLATFORM_PK))
            .key("sk", s("RECONCILE"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let Some(json) = out
            .item()
            .and_then(|i| i.get("cursor"))
            .and_then(|v| v.as_s().ok())
        else {
            return Ok(None);
        };
        // A cursor this version cannot read starts a new pass rather than stopping runs.
        Ok(serde_json::from_str(json).ok())
    }

    async fn save_reconcile_cursor(&self, cursor: &ReconcileCursor) -> Result<(), AwsError> {
        const WHAT: &str = "Keeping where the reconciler got to";
        let json = serde_json::to_string(cursor).map_err(|e| build_error(WHAT, &e))?;
        self.db
            .put_item()
            .table_name(&self.table)
            .item("pk", s(PLATFORM_PK))
            .item("sk", s("RECONCILE"))
            .item("cursor", s(&json))
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(())
    }

    async fn confirm(&self, tenant: &str, identity: &str) -> Result<(), AwsError> {
        const WHAT: &str = "Confirming the identity";
        let set = |key_pk: AttributeValue, key_sk: AttributeValue| {
            Update::builder()
                .table_name(&self.table)
                .key("pk", key_pk)
                .key("sk", key_sk)
                .update_expression("SET #s = :c")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#s", "state")
                .expression_attribute_values(":c", s("confirmed"))
                .build()
                .map_err(|e| build_error(WHAT, &e))
        };
        self.db
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .update(set(pk(tenant), s(&format!("ID#{identity}")))?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .update(set(owner_pk(identity), s("OWNER"))?)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(())
    }
}

/// A limit's counter for one window: `pk` = `LIMITS#<tenant>` (its own item collection:
/// counters pile up a window at a time and are never listed), `sk` =
/// `LIMIT#<name>#<subject>#<window start>`, with `uses` and `expiresAt` (the table's TTL
/// attribute removes it after the window). A use is one conditional ADD, so concurrent
/// requests never count past the limit.
#[async_trait]
impl Limiter for DynamoRegistry {
    async fn lease(&self, tenant: &str, share: &Share) -> Result<Lease, LimitError> {
        const WHAT: &str = "Taking a place of the tenant's share";
        let holder = format!("{:032x}", rand::random::<u128>());
        let now = now_secs();
        // Each place is one item, taken by one conditional put: free, or its hold over.
        for slot in 0..share.max {
            let res = self
                .db
                .put_item()
                .table_name(&self.table)
                .item("pk", limits_pk(tenant))
                .item("sk", lease_sk(share.work, slot))
                .item("holder", s(&holder))
                .item(
                    "expiresAt",
                    AttributeValue::N((now + share.hold.as_secs()).to_string()),
                )
                .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
                .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
                .send()
                .await;
            match res {
                Ok(_) => {
                    return Ok(Lease {
                        tenant: tenant.to_owned(),
                        work: share.work,
                        slot,
                        holder,
                    });
                }
                Err(e)
                    if e.as_service_error().is_some_and(
                        aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception,
                    ) => {}
                Err(e) => return Err(LimitError::Aws(aws_error(WHAT, &e))),
            }
        }
        Err(LimitError::Busy {
            share: *share,
            retry_after: crate::ports::limits::BUSY_RETRY,
        })
    }

    async fn release(&self, lease: &Lease) {
        let res = self
            .db
            .delete_item()
            .table_name(&self.table)
            .key("pk", limits_pk(&lease.tenant))
            .key("sk", lease_sk(lease.work, lease.slot))
            .condition_expression("holder = :h")
            .expression_attribute_values(":h", s(&lease.holder))
            .send()
            .await;
        if let Err(e) = res
            && !e.as_service_error().is_some_and(
                aws_sdk_dynamodb::operation::delete_item::DeleteItemError::is_conditional_check_failed_exception,
            )
        {
            tracing::warn!(tenant = %lease.tenant, work = lease.work, error = %aws_error("Giving back a place of the tenant's share", &e), "the place frees itself after its hold");
        }
    }

    async fn take(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError> {
        const WHAT: &str = "Counting a use against a limit";
        let (sk, window_end) = limit_key(subject, limit);
        let res = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("pk", limits_pk(tenant))
            .key("sk", s(&sk))
            .update_expression("ADD #u :one SET #e = :exp")
            .condition_expression("attribute_not_exists(#u) OR #u < :max")
            .expression_attribute_names("#u", "uses")
            .expression_attribute_names("#e", "expiresAt")
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .expression_attribute_values(":max", AttributeValue::N(limit.max.to_string()))
            .expression_attribute_values(
                ":exp",
                AttributeValue::N(window_end.saturating_add(3600).to_string()),
            )
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception,
                ) =>
            {
                Err(exceeded(limit, window_end))
            }
            Err(e) => Err(aws_error(WHAT, &e).into()),
        }
    }

    async fn check(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError> {
        const WHAT: &str = "Reading a limit's counter";
        let (sk, window_end) = limit_key(subject, limit);
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", limits_pk(tenant))
            .key("sk", s(&sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let uses: u32 = out
            .item()
            .and_then(|i| i.get("uses"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if uses >= limit.max {
            return Err(exceeded(limit, window_end));
        }
        Ok(())
    }
}

/// A share's place: `LIMITS#<tenant>` / `LEASE#<work>#<slot>`, with its `holder` and an
/// `expiresAt` after which another request may take it (and the TTL removes it).
fn lease_sk(work: &str, slot: u32) -> AttributeValue {
    s(&format!("LEASE#{work}#{slot}"))
}

fn limits_pk(tenant: &str) -> AttributeValue {
    s(&format!("LIMITS#{tenant}"))
}

/// The counter's sort key for the current window of `limit`, and when the window ends.
fn limit_key(subject: &str, limit: &Limit) -> (String, u64) {
    let window = limit.window.as_secs().max(1);
    let start = now_secs() / window * window;
    (
        format!(
            "LIMIT#{}#{}#{start}",
            limit.name,
            subject.to_ascii_lowercase()
        ),
        start + window,
    )
}

fn exceeded(limit: &Limit, window_end: u64) -> LimitError {
    LimitError::Exceeded {
        limit: *limit,
        retry_after: std::time::Duration::from_secs(window_end.saturating_sub(now_secs()).max(1)),
    }
}

/// The settings partition: `pk` = `SETTINGS#<tenant>`, `sk` = `CURRENT` (the settings, a
/// version, sealed secrets) or `HIST#<version>` (one change: who, when, which fields;
/// expiring after [`HISTORY_DAYS`] through the table's TTL). Apart from the tenant's
/// partition, so the registry's reads never carry the history.
fn settings_pk(tenant: &str) -> AttributeValue {
    s(&format!("SETTINGS#{tenant}"))
}

/// How long a change stays in the settings history.
pub const HISTORY_DAYS: u64 = 90;

fn num<T: std::str::FromStr>(item: &HashMap<String, AttributeValue>, k: &str) -> Option<T> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

#[async_trait]
impl SettingsStore for DynamoRegistry {
    async fn load(&self, tenant: &str) -> Result<StoredSettings, AwsError> {
        const WHAT: &str = "Reading the tenant's settings";
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", settings_pk(tenant))
            .key("sk", s("CURRENT"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let Some(item) = out.item() else {
            return Ok(StoredSettings::default());
        };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let bytes = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_b().ok())
                .map(|b| b.as_ref().to_vec())
        };
        let settings: EmailSettings = serde_json::from_str(&text("doc").unwrap_or_default())
            .map_err(|e| build_error(WHAT, &e))?;
        let bound = |k: &str| text(k).and_then(|j| serde_json::from_str(&j).ok());
        Ok(StoredSettings {
            settings,
            password: bytes("password"),
            password_for: bound("passwordFor"),
            token: bytes("token"),
            token_for: bound("tokenFor"),
            version: num(item, "version").unwrap_or(0),
            updated_at: num(item, "updatedAt"),
            updated_by: text("updatedBy"),
            tested: text("tested"),
            tested_at: num(item, "testedAt"),
        })
    }

    async fn save(
        &self,
        tenant: &str,
        expected: u64,
        new: &StoredSettings,
        change: &SettingsChange,
    ) -> Result<(), SaveError> {
        const WHAT: &str = "Saving the tenant's settings";
        let doc = serde_json::to_string(&new.settings).map_err(|e| build_error(WHAT, &e))?;
        let mut current = Put::builder()
            .table_name(&self.table)
            .item("pk", settings_pk(tenant))
            .item("sk", s("CURRENT"))
            .item("version", AttributeValue::N(new.version.to_string()))
            .item("doc", s(&doc));
        for (k, v) in [("password", &new.password), ("token", &new.token)] {
            if let Some(b) = v {
                current = current.item(k, AttributeValue::B(b.clone().into()));
            }
        }
        for (k, v) in [("updatedAt", new.updated_at), ("testedAt", new.tested_at)] {
            if let Some(n) = v {
                current = current.item(k, AttributeValue::N(n.to_string()));
            }
        }
        for (k, v) in [("updatedBy", &new.updated_by), ("tested", &new.tested)] {
            if let Some(t) = v {
                current = current.item(k, s(t));
            }
        }
        // Where each secret may be used, beside it (the KMS context it was sealed under).
        for (k, v) in [
            ("passwordFor", &new.password_for),
            ("tokenFor", &new.token_for),
        ] {
            if let Some(b) = v {
                let json = serde_json::to_string(b).map_err(|e| build_error(WHAT, &e))?;
                current = current.item(k, s(&json));
            }
        }
        current = if expected == 0 {
            current.condition_expression("attribute_not_exists(pk)")
        } else {
            current
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(expected.to_string()))
        };
        let current = current.build().map_err(|e| build_error(WHAT, &e))?;
        let history = Put::builder()
            .table_name(&self.table)
            .item("pk", settings_pk(tenant))
            .item("sk", s(&format!("HIST#{:020}", change.version)))
            .item("version", AttributeValue::N(change.version.to_string()))
            .item("at", AttributeValue::N(change.at.to_string()))
            .item("by", s(&change.by))
            .item(
                "fields",
                AttributeValue::L(change.fields.iter().map(|f| s(f)).collect()),
            )
            .item(
                "expiresAt",
                AttributeValue::N((change.at + HISTORY_DAYS * 86_400).to_string()),
            )
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let res = self
            .db
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(current).build())
            .transact_items(TransactWriteItem::builder().put(history).build())
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => {
                if condition_failed(&e, 0) {
                    let current = SettingsStore::load(self, tenant).await?.version;
                    return Err(SaveError::Stale { current });
                }
                Err(SaveError::Aws(aws_error(WHAT, &e)))
            }
        }
    }

    async fn history(&self, tenant: &str, limit: usize) -> Result<Vec<SettingsChange>, AwsError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :h)")
            .expression_attribute_values(":pk", settings_pk(tenant))
            .expression_attribute_values(":h", s("HIST#"))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("Reading the settings history", &e))?;
        Ok(out
            .items()
            .iter()
            .map(|item| SettingsChange {
                version: num(item, "version").unwrap_or(0),
                at: num(item, "at").unwrap_or(0),
                by: item
                    .get("by")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default(),
                fields: item
                    .get("fields")
                    .and_then(|v| v.as_l().ok())
                    .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }

    async fn keep_transcript(&self, tenant: &str, t: &SmtpTranscript) -> Result<(), AwsError> {
        const WHAT: &str = "Keeping the SMTP debug transcript";
        let json = serde_json::to_string(t).map_err(|e| build_error(WHAT, &e))?;
        // Time first, so a query newest first reads them in order; the nonce keeps two
        // sessions of the same millisecond apart.
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let sk = format!("DEBUG#{millis:016}#{:08x}", rand::random::<u32>());
        self.db
            .put_item()
            .table_name(&self.table)
            .item("pk", settings_pk(tenant))
            .item("sk", s(&sk))
            .item("transcript", s(&json))
            .item(
                "expiresAt",
                AttributeValue::N((t.at + TRANSCRIPT_DAYS * 86_400).to_string()),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(())
    }

    async fn transcripts(
        &self,
        tenant: &str,
        limit: usize,
    ) -> Result<Vec<SmtpTranscript>, AwsError> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :d)")
            .expression_attribute_values(":pk", settings_pk(tenant))
            .expression_attribute_values(":d", s("DEBUG#"))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| aws_error("Reading the SMTP debug transcripts", &e))?;
        let now = now_secs();
        Ok(out
            .items()
            .iter()
            // TTL deletes within days of expiry, not at it: an expired one is not shown.
            .filter(|item| num::<u64>(item, "expiresAt").is_none_or(|e| e > now))
            .filter_map(|item| item.get("transcript").and_then(|v| v.as_s().ok()))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }
}

/// The send log: `pk` = `MESSAGES#<tenant>`, `sk` = `KEY#<Idempotency-Key>`, with the
/// request, `state` (`sending` from `since`, then `sent` with the answer or `unknown`
/// with the reason), the claim's `nonce` and an `expiresAt` a day on (the table's TTL).
/// A claim is written only where no item is: a `sending` item is never taken over.
fn messages_pk(tenant: &str) -> AttributeValue {
    s(&format!("MESSAGES#{tenant}"))
}

fn message_key(key: &str) -> AttributeValue {
    s(&format!("KEY#{key}"))
}

fn job_key(id: &str) -> AttributeValue {
    s(&format!("JOB#{id}"))
}

/// A message status's stored name.
fn status_name(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Queued => "queued",
        MessageStatus::Sending => "sending",
        MessageStatus::Sent => "sent",
        MessageStatus::Failed => "failed",
        MessageStatus::Unknown => "unknown",
    }
}

/// A stored job (`MESSAGES#<tenant>` / `JOB#<id>`); `None` when it is not one.
fn job_of(item: &HashMap<String, AttributeValue>) -> Option<Job> {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let status = match text("state")?.as_str() {
        "queued" => MessageStatus::Queued,
        "sending" => MessageStatus::Sending,
        "sent" => MessageStatus::Sent,
        "failed" => MessageStatus::Failed,
        "unknown" => MessageStatus::Unknown,
        _ => return None,
    };
    Some(Job {
        id: text("sk")?.strip_prefix("JOB#")?.to_owned(),
        request: text("request")?,
        status,
        attempts: num(item, "attempts").unwrap_or(0),
        queued_at: num(item, "queuedAt").unwrap_or(0),
        updated_at: num(item, "updatedAt").unwrap_or(0),
        answer: text("answer"),
    })
}

/// How long a key is remembered.
pub const IDEMPOTENCY_SECS: u64 = 86_400;

#[async_trait]
impl SendLog for DynamoRegistry {
    async fn claim(
        &self,
        tenant: &str,
        key: &str,
        request: &str,
        nonce: &str,
    ) -> Result<Claim, AwsError> {
        const WHAT: &str = "Claiming the Idempotency-Key";
        let now = now_secs();
        let put = self
            .db
            .put_item()
            .table_name(&self.table)
            .item("pk", messages_pk(tenant))
            .item("sk", message_key(key))
            .item("request", s(request))
            .item("state", s("sending"))
            .item("since", AttributeValue::N(now.to_string()))
            .item("nonce", s(nonce))
            .item(
                "expiresAt",
                AttributeValue::N((now + IDEMPOTENCY_SECS).to_string()),
            )
            .condition_expression("attribute_not_exists(sk)")
            .send()
            .await;
        match put {
            Ok(_) => return Ok(Claim::New),
            Err(e)
                if e.as_service_error()
                    .is_some_and(aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception) => {}
            Err(e) => return Err(aws_error(WHAT, &e)),
        }
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", message_key(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let Some(item) = out.item() else {
            // Released between the two calls: a send surely did not happen; the caller
            // may try again at once.
            return Ok(Claim::Sending(now));
        };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        if text("request").as_deref() != Some(request) {
            return Ok(Claim::Mismatch);
        }
        Ok(match (text("state").as_deref(), text("answer")) {
            (Some("sent"), Some(answer)) => Claim::Done(answer),
            (Some("unknown"), _) => Claim::Unknown(text("reason").unwrap_or_default()),
            // This request's own claim, written by an attempt whose answer was lost.
            (Some("sending"), _) if text("nonce").as_deref() == Some(nonce) => Claim::New,
            _ => Claim::Sending(num(item, "since").unwrap_or(now)),
        })
    }

    async fn finish(&self, tenant: &str, key: &str, answer: &str) -> Result<(), AwsError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", message_key(key))
            .update_expression("SET #s = :sent, answer = :a")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sent", s("sent"))
            .expression_attribute_values(":a", s(answer))
            .send()
            .await
            .map_err(|e| aws_error("Recording the sent message", &e))?;
        Ok(())
    }

    async fn unknown(&self, tenant: &str, key: &str, why: &str) -> Result<(), AwsError> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", message_key(key))
            .update_expression("SET #s = :unknown, reason = :why")
            .condition_expression("#s = :sending")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":unknown", s("unknown"))
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":why", s(why))
            .send()
            .await
            .map_err(|e| aws_error("Recording that the message's outcome is unknown", &e))?;
        Ok(())
    }

    async fn release(&self, tenant: &str, key: &str) -> Result<(), AwsError> {
        self.db
            .delete_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", message_key(key))
            .condition_expression("#s = :sending")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sending", s("sending"))
            .send()
            .await
            .map_err(|e| aws_error("Releasing the Idempotency-Key", &e))?;
        Ok(())
    }

    async fn queue_job(&self, tenant: &str, id: &str, request: &str) -> Result<(), AwsError> {
        let now = now_secs();
        self.db
            .put_item()
            .table_name(&self.table)
            .item("pk", messages_pk(tenant))
            .item("sk", job_key(id))
            .item("request", s(request))
            .item("state", s("queued"))
            .item("attempts", n(0))
            .item("queuedAt", AttributeValue::N(now.to_string()))
            .item("updatedAt", AttributeValue::N(now.to_string()))
            .item("expiresAt", AttributeValue::N((now + JOB_SECS).to_string()))
            .condition_expression("attribute_not_exists(sk)")
            .send()
            .await
            .map_err(|e| aws_error("Queueing the message", &e))?;
        Ok(())
    }

    async fn job(&self, tenant: &str, id: &str) -> Result<Option<Job>, AwsError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", job_key(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("Reading the queued message", &e))?;
        Ok(out.item().and_then(job_of))
    }

    async fn take_job(&self, tenant: &str, id: &str) -> Result<Take, AwsError> {
        const WHAT: &str = "Taking the queued message";
        let out = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", job_key(id))
            .update_expression("SET #s = :sending, attempts = attempts + :one, updatedAt = :now")
            .condition_expression("#s = :queued")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", AttributeValue::N(now_secs().to_string()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(o) => Ok(o
                .attributes()
                .and_then(job_of)
                .map_or(Take::Missing, Take::Taken)),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception,
                ) =>
            {
                Ok(match self.job(tenant, id).await? {
                    None => Take::Missing,
                    Some(j) if j.status == MessageStatus::Sending => Take::Sending(j),
                    // Queued again between the two calls: the next delivery takes it.
                    Some(j) if j.status == MessageStatus::Queued => Take::Sending(j),
                    Some(j) => Take::Settled(j),
                })
            }
            Err(e) => Err(aws_error(WHAT, &e)),
        }
    }

    async fn settle_job(
        &self,
        tenant: &str,
        id: &str,
        status: MessageStatus,
        answer: Option<&str>,
        refund: bool,
    ) -> Result<(), AwsError> {
        let mut set = "SET #s = :to, updatedAt = :now".to_owned();
        let mut req = self
            .db
            .update_item()
            .table_name(&self.table)
            .key("pk", messages_pk(tenant))
            .key("sk", job_key(id))
            .condition_expression("#s = :sending")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":to", s(status_name(status)))
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":now", AttributeValue::N(now_secs().to_string()));
        if let Some(a) = answer {
            set.push_str(", answer = :a");
            req = req.expression_attribute_values(":a", s(a));
        }
        if refund {
            set.push_str(", attempts = attempts - :one");
            req = req.expression_attribute_values(":one", n(1));
        }
        req.update_expression(set)
            .send()
            .await
            .map_err(|e| aws_error("Recording where the queued message got to", &e))?;
        Ok(())
    }
}
