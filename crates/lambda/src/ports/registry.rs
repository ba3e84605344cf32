//! The tenant registry: each tenant's active users (from which its allowed domains follow)
//! and the identities it owns, with the identity limits held under concurrency.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::identity::{ExistingIdentity, IdentityKind, Tenant};
use std::collections::HashMap;

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
    /// True while the reservation waits for SES to confirm the create.
    pub pending: bool,
    /// When the reservation was made (seconds since the Unix epoch), when known.
    pub reserved_at: Option<u64>,
}

/// The form in which an identity name is owned across the deployment: a domain lowercase
/// (the core already gives the A-label, without the trailing dot); an address with its
/// domain lowercase and its local part as written, as SES compares them.
pub fn canonical_identity(identity: &str) -> String {
    let identity = identity.trim().trim_end_matches('.');
    match identity.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => identity.to_ascii_lowercase(),
    }
}

/// The most parent domains an identity's reservation checks and marks (a domain name has
/// at most 127 labels; real ones a handful).
pub const MAX_PARENTS: usize = 8;

/// The domains an identity sits under, nearest first, as canonical names: an email
/// identity's own domain and that domain's parents, a domain identity's parents; never a
/// single-label name (a top-level domain is nobody's). At most [`MAX_PARENTS`].
pub fn parents(identity: &str) -> Vec<String> {
    let canonical = canonical_identity(identity);
    let mut domain = match canonical.rsplit_once('@') {
        Some((_, d)) => d.to_owned(),
        None => match canonical.split_once('.') {
            Some((_, rest)) => rest.to_owned(),
            None => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    while domain.contains('.') && out.len() < MAX_PARENTS {
        let next = domain.split_once('.').map(|(_, r)| r.to_owned());
        out.push(domain);
        match next {
            Some(n) => domain = n,
            None => break,
        }
    }
    out
}

impl Owned {
    /// A fresh reservation: pending, no BYODKIM key, no time yet (the registry stamps it).
    pub fn reservation(identity: &str, kind: IdentityKind) -> Self {
        Owned {
            identity: identity.to_owned(),
            kind,
            selector: None,
            public_key: None,
            pending: true,
            reserved_at: None,
        }
    }

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
    /// The Route 53 hosted zones (bare ids) the platform assigned to the tenant.
    pub zones: Vec<String>,
    /// The ARN of the tenant's SES tenant once it was set up (the tenant, its
    /// configuration set and event destination, their association): later identities
    /// need only their own association.
    pub ses_tenant_arn: Option<String>,
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

/// The owner of an identity name across the deployment, as the registry holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameOwner {
    /// The identity as reserved.
    pub identity: String,
    /// Domain or email.
    pub kind: IdentityKind,
    /// The tenant that owns it.
    pub tenant: String,
    /// True while its create waits for SES.
    pub pending: bool,
    /// When it was reserved (seconds since the Unix epoch), when known.
    pub reserved_at: Option<u64>,
    /// The reconciler's last pass whose walk of SES's identity list found it.
    pub seen_pass: Option<u64>,
}

/// The partitions of the owners index: every owner item carries `ownerShard` (a number
/// below this, from its name), so the reconciler walks the names a shard and a page at a
/// time and no partition of the index holds them all (the DynamoDB guide's write sharding
/// over a sparse index).
pub const OWNER_SHARDS: u32 = 16;

/// FNV-1a (32 bits) of `key`: the stable spread behind every write shard.
pub fn fnv1a(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The owners-index shard of an identity name: FNV-1a of its canonical form.
pub fn owner_shard(identity: &str) -> u32 {
    fnv1a(&canonical_identity(identity)) % OWNER_SHARDS
}

/// Which of its two walks the reconciler is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Walk {
    /// SES's identity list, a page at a time: each name looked up in the registry.
    #[default]
    Ses,
    /// The registry's owners index, a shard and a page at a time: each name SES's list
    /// did not show in this pass checked in SES.
    Registry,
}

/// Where the reconciler got to, kept between runs so a run that is cut off loses nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReconcileCursor {
    /// The pass (both walks once) under way, from 1.
    pub pass: u64,
    /// The walk under way.
    pub walk: Walk,
    /// SES's token for the next page of its identity list.
    pub ses_token: Option<String>,
    /// The owners-index shard under way.
    pub shard: u32,
    /// The last name read in that shard.
    pub after: Option<String>,
    /// When the pass began (seconds since the Unix epoch).
    pub pass_started_at: u64,
    /// When the last pass finished, if one did.
    pub last_pass_finished_at: Option<u64>,
    /// The last run: when it ended, and whether it ended its pass.
    pub last_run_at: Option<u64>,
    /// Pages read by the last run.
    pub last_run_pages: u64,
    /// SES identities this pass's walk of SES's list has read so far.
    pub pass_ses_identities: u64,
    /// Owners this pass's walk of the registry has read so far.
    pub pass_registry_names: u64,
    /// SES identities of the region at the last finished pass (its walk of SES's list).
    pub last_pass_ses_identities: Option<u64>,
    /// Names the registry held at the last finished pass.
    pub last_pass_registry_names: Option<u64>,
}

/// Why a reservation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The tenant is at its limit for this kind.
    #[error("the tenant already has the most identities of this kind")]
    Limit(IdentityKind),
    /// The tenant already owns this identity (`pending`: its create never finished).
    #[error("the tenant already has this identity")]
    Duplicate {
        /// True when that reservation still waits for SES.
        pending: bool,
        /// When that reservation was made (seconds since the Unix epoch), when known.
        reserved_at: Option<u64>,
    },
    /// Another tenant owns this identity name, a domain it is under, or (for a domain)
    /// a name under it.
    #[error("another tenant owns this identity")]
    Taken,
    /// The tenant's own domain identity and email identity would share a domain (Zuora):
    /// the other identity.
    #[error("the tenant's identity {0} shares the domain")]
    Overlap(String),
    /// The platform has not registered the tenant's users yet.
    #[error("the tenant has no active users registered")]
    NoTenant,
    /// The store failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The items the tenant count is spread over (`PLATFORM` / `TENANTS#<n>`), so tenants
/// created at once do not all update one item.
pub const TENANT_COUNT_SHARDS: u32 = 4;

/// The registry.
#[async_trait]
pub trait Registry: Send + Sync {
    /// Reads a tenant (strongly consistent).
    async fn get(&self, tenant: &str) -> Result<Record, AwsError>;
    /// Sets the tenant's active users (the platform's call), creating the tenant.
    async fn put_users(&self, tenant: &str, emails: &[String]) -> Result<(), AwsError>;
    /// Sets the hosted zones the tenant may publish to (the platform's call).
    async fn put_zones(&self, tenant: &str, zones: &[String]) -> Result<(), AwsError>;
    /// Records that the tenant's SES tenant (`arn`) is set up.
    async fn put_ses_tenant(&self, tenant: &str, arn: &str) -> Result<(), AwsError>;
    /// Reserves an identity for the tenant within its limits and as the name's only owner
    /// across the deployment, atomically; the reservation is pending until `confirm`.
    async fn reserve(&self, tenant: &str, owned: &Owned) -> Result<(), ReserveError>;
    /// The tenant that owns an identity name across the deployment, if any (one read).
    async fn name_owner(&self, name: &str) -> Result<Option<String>, AwsError>;
    /// An identity name's owner with its state (one read by key).
    async fn owner(&self, name: &str) -> Result<Option<NameOwner>, AwsError>;
    /// One page of the owners index's `shard`, in name order after `after`: at most
    /// `limit` owners, and the name to go on after when more may follow.
    async fn owners_page(
        &self,
        shard: u32,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<NameOwner>, Option<String>), AwsError>;
    /// Records that the reconciler's pass `pass` found the name in SES.
    async fn mark_seen(&self, name: &str, pass: u64) -> Result<(), AwsError>;
    /// The token `tenant` publishes to claim `name` from its unverified holder (made on
    /// first ask, then the same until it expires after 7 days).
    async fn claim_token(&self, tenant: &str, name: &str) -> Result<String, AwsError>;
    /// How many tenants the registry holds (counted as each is first written, in
    /// [`TENANT_COUNT_SHARDS`] items read by key).
    async fn tenant_count(&self) -> Result<u64, AwsError>;
    /// Where the reconciler got to, if it ever ran.
    async fn reconcile_cursor(&self) -> Result<Option<ReconcileCursor>, AwsError>;
    /// Keeps where the reconciler got to.
    async fn save_reconcile_cursor(&self, cursor: &ReconcileCursor) -> Result<(), AwsError>;
    /// Marks a reservation confirmed: SES has the identity.
    async fn confirm(&self, tenant: &str, identity: &str) -> Result<(), AwsError>;
    /// Releases an identity and its name; releasing one the tenant does not own changes
    /// nothing. A transaction conflict is retried; any other failure is reported.
    async fn release(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
    ) -> Result<(), AwsError>;
}

/// Seconds since the Unix epoch: the unit of `reserved_at` and of the limit windows.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_the_domains_an_identity_sits_under_nearest_first() {
        assert_eq!(
            parents("spy@Mail.Acme.example.com"),
            ["mail.acme.example.com", "acme.example.com", "example.com"]
        );
        assert_eq!(
            parents("news.acme.example.com"),
            ["acme.example.com", "example.com"]
        );
        assert_eq!(parents("example.com"), Vec::<String>::new());
        assert_eq!(parents("a@localhost"), Vec::<String>::new());
        let deep = format!("{}example.com", "a.".repeat(20));
        assert_eq!(parents(&deep).len(), MAX_PARENTS);
    }

    #[test]
    fn owner_shards_spread_names_and_ignore_case() {
        assert_eq!(
            owner_shard("Acme.Example.com"),
            owner_shard("acme.example.com")
        );
        let used: std::collections::HashSet<u32> = (0..200)
            .map(|i| owner_shard(&format!("tenant{i}.example.com")))
            .collect();
        assert_eq!(used.len(), OWNER_SHARDS as usize);
        assert!(used.iter().all(|s| *s < OWNER_SHARDS));
    }
}
