//! Verification now: each of an identity's records checked in live DNS (the lookups
//! through the resolver port, the verdict the core's), and the seeds' "Retry": an email
//! identity that is not verified is created again (SES mails the verification link
//! again); a domain whose Easy DKIM verification failed has its DKIM signing restarted.

use super::identities::{Identities, settled};
use crate::error::Problem;
use crate::ports::Resolver;
use crate::ports::dns::Budgeted;
use crate::ports::ses::NewDkim;
pub use sendready_core::api::{Check, Verification};
use sendready_core::diagnose;
use sendready_core::dns::DnsRecord;
use sendready_core::dns::verdict::{self, Lookup, RecordCheck};
use sendready_core::identity::IdentityKind;
use sendready_core::tracking::Look;

/// Checks one record where the world looks it up: at its name and type; then at its name
/// with the other types; then at each name with a parent of `domain` typed twice. The
/// verdict at each step is the core's.
pub async fn check_record(dns: &dyn Resolver, record: &DnsRecord, domain: &str) -> RecordCheck {
    let found = dns.lookup(&record.name, record.record_type).await;
    if let Some(c) = verdict::at_name(record, &found) {
        return c;
    }
    for other in verdict::other_types(record) {
        if let Lookup::Values(v) = dns.lookup(&record.name, other).await {
            return verdict::wrong_type(record, other, v);
        }
    }
    for (doubled, zone) in verdict::doubled_names(record, domain) {
        if let Lookup::Values(v) = dns.lookup(&doubled, record.record_type).await {
            return verdict::zone_doubled(record, &doubled, &zone, v);
        }
    }
    verdict::missing(record)
}

/// What one look at an identity saw: the registry's record, SES's and each record's check.
pub struct Observed {
    /// The identity as the registry holds it.
    pub owned: crate::ports::Owned,
    /// SES's view.
    pub ses: crate::ports::ses::SesIdentity,
    /// Each record checked in live DNS.
    pub checks: Vec<Check>,
}

impl Observed {
    /// The look the tracker steps from: SES's status and each record's check code.
    pub fn look(&self) -> Look {
        Look {
            status: self.ses.verification_status.clone(),
            records: self
                .checks
                .iter()
                .filter(|c| c.required)
                .map(|c| {
                    (
                        format!(
                            "{} {}",
                            c.check.record.name,
                            c.check.record.record_type.as_str()
                        ),
                        c.check.code.to_string(),
                    )
                })
                .collect(),
        }
    }
}

impl Identities {
    /// Reads SES's view of the tenant's identity and checks each of its records in live
    /// DNS, changing nothing.
    pub async fn observe(&self, tenant: &str, identity: &str) -> Result<Observed, Problem> {
        let o = settled(self.registry.as_ref(), tenant, identity).await?;
        let r = self.ses_identity(tenant, &o).await?;
        // Every record's lookups from one budget: a name server that stalls or a zone
        // that sprawls costs this check its budget, never the function's timeout.
        let dns = Budgeted::new(self.resolver.as_ref(), self.limits.dns_budget);
        let mut checks = Vec::new();
        for (record, required) in self.records_for(&o, &r) {
            checks.push(Check {
                check: check_record(&dns, &record, o.domain()).await,
                required,
            });
        }
        Ok(Observed {
            owned: o,
            ses: r,
            checks,
        })
    }

    /// Checks the records and retries where the seeds do; a retry (or an identity not
    /// tracked yet) starts verification tracking over.
    pub async fn verify(&self, tenant: &str, identity: &str) -> Result<Verification, Problem> {
        // The records' lookups wait on the tenant's name servers: its share only.
        super::leased(
            &self.limiter,
            tenant,
            &self.limits.dns_share,
            self.verify_holding(tenant, identity),
        )
        .await
    }

    async fn verify_holding(&self, tenant: &str, identity: &str) -> Result<Verification, Problem> {
        let Observed {
            owned: o,
            ses: r,
            checks,
        } = self.observe(tenant, identity).await?;
        let all_required_found = checks.iter().filter(|c| c.required).all(|c| c.check.ok);
        let failed = r.verification_status == "FAILED";
        let retry = match o.kind {
            IdentityKind::Email if !r.verified_for_sending => {
                const RETRY: &str = "Retrying the email identity";
                // Each retry makes SES mail the address again: a few a day at most.
                self.limiter
                    .take(tenant, &o.identity, &self.limits.verification_resends)
                    .await?;
                self.ses
                    .delete_identity(&o.identity)
                    .await
                    .map_err(|e| e.during(RETRY))?;
                self.ses
                    .create_identity(&o.identity, &NewDkim::None, tenant)
                    .await
                    .map_err(|e| e.during(RETRY))?;
                Some(format!(
                    "SES sent the verification mail to {} again; open the link in it within 24 hours.",
                    o.identity
                ))
            }
            IdentityKind::Domain if failed => {
                let easy = r
                    .dkim
                    .as_ref()
                    .is_some_and(|d| d.origin.as_deref() == Some("AWS_SES"));
                if easy && all_required_found {
                    self.ses.restart_easy_dkim(&o.identity).await?;
                    Some("The records are in place, so SES was asked to start DKIM verification again; it checks within the next hours.".to_owned())
                } else if all_required_found {
                    Some("The records are in place; SES checks BYODKIM domains again by itself. If it still fails after 72 hours, delete the identity and add it again.".to_owned())
                } else {
                    Some(
                        "Not retried: fix the records marked missing or wrong first, then retry."
                            .to_owned(),
                    )
                }
            }
            _ => None,
        };
        tracing::info!(tenant = %tenant, identity = %o.identity, all_required_found, retried = retry.is_some(), "identity verified");
        self.start_tracking(tenant, &o.identity, o.kind, retry.is_some())
            .await;
        if retry.is_none() {
            self.look_soon(tenant, &o.identity, &r.verification_status)
                .await;
        }
        Ok(Verification {
            identity: o.identity.clone(),
            verification: if o.kind == IdentityKind::Domain {
                diagnose::verification_with_dns(
                    &r.verification_status,
                    r.error_type.as_deref(),
                    all_required_found,
                )
            } else {
                diagnose::verification_email(&r.verification_status, r.error_type.as_deref())
            },
            verification_status: r.verification_status.clone(),
            checks,
            all_required_found,
            retry,
        })
    }
}
