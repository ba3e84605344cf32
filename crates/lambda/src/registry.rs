//! The tenant registry in DynamoDB: each tenant's active users (from which its allowed
//! domains follow) and the identities it owns, with the identity limits held by
//! conditional writes so that concurrent creates cannot exceed them.
//!
//! One table, keys `pk` = `TENANT#<tenant>` and `sk` = `META` (active users, counters)
//! or `ID#<identity>` (one owned identity, with its BYODKIM selector and public key).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use sendready_core::identity::{ExistingIdentity, IdentityKind, Tenant};
use std::collections::HashMap;

/// The most domain identities a tenant may have (Zuora: one).
pub const MAX_DOMAINS: u32 = 1;
/// The most email identities a tenant may have (Zuora: three).
pub const MAX_EMAILS: u32 = 3;

/// An identity the registry holds for a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owned {
    /// The identity as created in SES (ASCII domain, or address).
    pub identity: String,
    /// Domain or email.
    pub kind: IdentityKind,
    /// BYODKIM selector, when the platform generated the key.
    pub selector: Option<String>,
    /// BYODKIM public key (base64 SubjectPublicKeyInfo) for the TXT record.
    pub public_key: Option<String>,
}

impl Owned {
    /// The identity's domain (the part after `@` for an address).
    pub fn domain(&self) -> &str {
        self.identity.rsplit('@').next().unwrap_or_default()
    }
}

/// A tenant as the registry knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// True once the platform has set the tenant's users.
    pub exists: bool,
    /// Active users' addresses.
    pub active_user_emails: Vec<String>,
    /// Owned identities.
    pub identities: Vec<Owned>,
}

impl Record {
    /// The core's view, with SES's verification state per identity (`verified`).
    pub fn tenant(&self, verified: &HashMap<String, bool>) -> Tenant {
        Tenant {
            active_user_emails: self.active_user_emails.clone(),
            identities: self
                .identities
                .iter()
                .map(|o| ExistingIdentity {
                    identity: o.identity.clone(),
                    kind: Some(o.kind),
                    verified: verified.get(&o.identity).copied().unwrap_or(false),
                })
                .collect(),
        }
    }

    /// The owned identity with this name (case-insensitive for domains).
    pub fn find(&self, identity: &str) -> Option<&Owned> {
        self.identities
            .iter()
            .find(|o| o.identity.eq_ignore_ascii_case(identity))
    }
}

/// Why a reservation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The tenant is at its limit for this kind.
    #[error("the tenant already has the most identities of this kind")]
    Limit,
    /// The tenant already owns this identity.
    #[error("the tenant already has this identity")]
    Duplicate,
    /// The platform has not registered the tenant's users yet.
    #[error("the tenant has no active users registered")]
    NoTenant,
    /// DynamoDB failed.
    #[error("DynamoDB: {0}")]
    Aws(Box<SdkError<TransactWriteItemsError>>),
}

/// The registry over one table.
#[derive(Clone, Debug)]
pub struct Registry {
    db: Client,
    table: String,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: u32) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn pk(tenant: &str) -> AttributeValue {
    s(&format!("TENANT#{tenant}"))
}

fn counter(kind: IdentityKind) -> (&'static str, u32) {
    match kind {
        IdentityKind::Domain => ("domainCount", MAX_DOMAINS),
        IdentityKind::Email => ("emailCount", MAX_EMAILS),
    }
}

fn kind_name(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::Domain => "domain",
        IdentityKind::Email => "email",
    }
}

impl Registry {
    /// A registry on `table`.
    pub fn new(db: Client, table: impl Into<String>) -> Self {
        Registry {
            db,
            table: table.into(),
        }
    }

    /// Reads a tenant (strongly consistent).
    pub async fn get(
        &self,
        tenant: &str,
    ) -> Result<Record, SdkError<aws_sdk_dynamodb::operation::query::QueryError>> {
        let out = self
            .db
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", pk(tenant))
            .consistent_read(true)
            .send()
            .await?;
        let mut rec = Record::default();
        for item in out.items() {
            let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
            match get("sk").as_deref() {
                Some("META") => {
                    rec.exists = true;
                    rec.active_user_emails = item
                        .get("activeUserEmails")
                        .and_then(|v| v.as_l().ok())
                        .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                        .unwrap_or_default();
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
                }),
                _ => {}
            }
        }
        Ok(rec)
    }

    /// Sets the tenant's active users (the platform's call), creating the tenant.
    pub async fn put_users(
        &self,
        tenant: &str,
        emails: &[String],
    ) -> Result<(), SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError>> {
        self.db
            .update_item()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s("META"))
            .update_expression(
                "SET activeUserEmails = :e, domainCount = if_not_exists(domainCount, :z), emailCount = if_not_exists(emailCount, :z)",
            )
            .expression_attribute_values(":e", AttributeValue::L(emails.iter().map(|e| s(e)).collect()))
            .expression_attribute_values(":z", n(0))
            .send()
            .await?;
        Ok(())
    }

    /// An update of the tenant's counter for `kind` on its META item,
    /// `SET #c = #c <op> :one`, under `condition` (over `#c` and `:bound`).
    fn counter_update(
        &self,
        tenant: &str,
        kind: IdentityKind,
        op: &str,
        condition: &str,
        bound: u32,
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

    /// Reserves an identity for the tenant in one transaction: the kind's counter goes
    /// up only while below its limit, and the identity item is written only if absent.
    /// Concurrent creates serialize on the tenant's META item, so the limits hold.
    pub async fn reserve(&self, tenant: &str, owned: &Owned) -> Result<(), ReserveError> {
        let (_, max) = counter(owned.kind);
        let bump = self
            .counter_update(
                tenant,
                owned.kind,
                "+",
                "attribute_exists(pk) AND #c < :bound",
                max,
            )
            .map_err(|e| ReserveError::Aws(Box::new(SdkError::construction_failure(e))))?;
        let mut item = HashMap::from([
            ("pk".to_owned(), pk(tenant)),
            ("sk".to_owned(), s(&format!("ID#{}", owned.identity))),
            ("kind".to_owned(), s(kind_name(owned.kind))),
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
            .map_err(|e| ReserveError::Aws(Box::new(SdkError::construction_failure(e))))?;
        let res = self
            .db
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(bump).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                    e.as_service_error()
                {
                    let failed = |i: usize| {
                        c.cancellation_reasons()
                            .get(i)
                            .and_then(|r| r.code())
                            .is_some_and(|code| code == "ConditionalCheckFailed")
                    };
                    if failed(1) {
                        return Err(ReserveError::Duplicate);
                    }
                    if failed(0) {
                        let rec = self.get(tenant).await.map_err(|_| ReserveError::Limit)?;
                        return Err(if rec.exists {
                            ReserveError::Limit
                        } else {
                            ReserveError::NoTenant
                        });
                    }
                }
                Err(ReserveError::Aws(Box::new(e)))
            }
        }
    }

    /// Releases an identity: deletes its item and lowers the counter, in one transaction.
    /// Releasing an identity the tenant does not own changes nothing.
    pub async fn release(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
    ) -> Result<(), SdkError<TransactWriteItemsError>> {
        let del = Delete::builder()
            .table_name(&self.table)
            .key("pk", pk(tenant))
            .key("sk", s(&format!("ID#{identity}")))
            .condition_expression("attribute_exists(sk)")
            .build()
            .map_err(SdkError::construction_failure)?;
        let dec = self
            .counter_update(tenant, kind, "-", "#c > :bound", 0)
            .map_err(SdkError::construction_failure)?;
        let res = self
            .db
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(del).build())
            .transact_items(TransactWriteItem::builder().update(dec).build())
            .send()
            .await;
        match res {
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) =>
            {
                Ok(())
            }
            other => other.map(|_| ()),
        }
    }

    /// Creates the table (on-demand) if it does not exist: for the local stack and tests;
    /// in AWS the template creates it.
    pub async fn ensure_table(&self) -> Result<(), String> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
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
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| e.to_string())
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
                .map_err(|e| e.to_string())
        };
        self.db
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .send()
            .await
            .map_err(|e| format!("creating table {}: {e:?}", self.table))?;
        Ok(())
    }
}
