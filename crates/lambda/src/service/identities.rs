//! SES identities for a tenant: create (the core's tenant rules first, then a registry
//! reservation that holds the limits under concurrency, then SES), list, read
//! (verification and DKIM status explained, the records to publish) and delete.

use super::ses_tenant;
use crate::error::Problem;
use crate::ports::registry::{canonical_identity, now_secs};
use crate::ports::ses::{NewDkim, SesIdentity};
use crate::ports::tracking::Tracked;
use crate::ports::{
    Limiter, Limits, Owned, Record, Registry, ReserveError, Resolver, Route53, Ses, TrackingStore,
};
use base64::Engine as _;
use sendready_core::Code;
use sendready_core::Report;
pub use sendready_core::api::{
    CreateIdentity, DkimMode, DkimView, IdentityView, MailFromView, RecordView,
};
use sendready_core::diagnose;
use sendready_core::dns::{self, DnsRecord, dkim, dmarc};
use sendready_core::identity::{IdentityKind, SenderDecision, check_new_identity, check_sender};
use std::collections::HashMap;
use std::sync::Arc;

/// The identity service: SES, the registry, Route 53 and live DNS, and the deployment's
/// allowed hosted zones and region.
#[derive(Clone)]
pub struct Identities {
    /// SES v2.
    pub ses: Arc<dyn Ses>,
    /// The tenant registry.
    pub registry: Arc<dyn Registry>,
    /// Route 53.
    pub route53: Arc<dyn Route53>,
    /// Live DNS.
    pub resolver: Arc<dyn Resolver>,
    /// The hosted zones this deployment may change, bare ids (empty: any the role allows).
    pub hosted_zones: Vec<String>,
    /// The region SES runs in (for regional DKIM domains).
    pub region: Option<String>,
    /// How old a pending reservation SES never got must be before a new create starts it
    /// over (younger, another request may still be creating it).
    pub stale_after: std::time::Duration,
    /// Where uses are counted.
    pub limiter: Arc<dyn Limiter>,
    /// Verification resends per identity.
    pub limits: Limits,
    /// The prefix of every BYODKIM selector (`SENDREADY_DKIM_SELECTOR_PREFIX`), so a key
    /// Sendready publishes never takes the `_domainkey` name of another provider's.
    pub selector_prefix: String,
    /// The tenant's SES events and rates.
    pub events: super::events::Events,
    /// Verification tracking: each identity is looked at again by `sendready-track`.
    pub tracking: Arc<dyn TrackingStore>,
    /// Where a name claimed away from a tenant is announced to it.
    pub announcers: Vec<Arc<dyn crate::ports::Announcer>>,
    /// The tracker's times (SES's, or compressed on the local stack).
    pub schedule: sendready_core::tracking::Schedule,
    /// SQS (the platform view's queue depths).
    pub queues: Arc<dyn crate::ports::Queues>,
    /// The queues the platform view reads.
    pub queue_urls: crate::config::QueueUrls,
}

/// The tenant's registry record.
pub async fn record_of(registry: &dyn Registry, tenant: &str) -> Result<Record, Problem> {
    Ok(registry.get(tenant).await?)
}

/// The caller's own identity, or 404 (also for another tenant's: the two are not told
/// apart).
pub async fn owned(
    registry: &dyn Registry,
    tenant: &str,
    identity: &str,
) -> Result<Owned, Problem> {
    record_of(registry, tenant)
        .await?
        .find(identity)
        .cloned()
        .ok_or_else(Problem::identity_not_found)
}

/// The caller's own identity once its create has finished; 409 while it is pending (no
/// route acts on another request's reservation).
pub async fn settled(
    registry: &dyn Registry,
    tenant: &str,
    identity: &str,
) -> Result<Owned, Problem> {
    settled_in(&record_of(registry, tenant).await?, identity)
}

/// [`settled`] in a tenant record already read.
pub fn settled_in(rec: &Record, identity: &str) -> Result<Owned, Problem> {
    let o = rec
        .find(identity)
        .cloned()
        .ok_or_else(Problem::identity_not_found)?;
    if o.pending {
        return Err(Problem::identity_pending());
    }
    Ok(o)
}

/// SES's verified flag for each of the tenant's identities (false for one SES no longer
/// has).
pub async fn verified_map(ses: &dyn Ses, rec: &Record) -> Result<HashMap<String, bool>, Problem> {
    verified_where(ses, rec, |_| true).await
}

/// The core's sender decision for `from` with SES's verified flags. SES is asked first
/// only about the identities that could cover `from`; only when none does is every
/// identity read, so a refusal lists the tenant's verified identities as before.
pub async fn sender_decision(
    ses: &dyn Ses,
    rec: &Record,
    from: &str,
) -> Result<Report<SenderDecision>, Problem> {
    let narrow = verified_for_sender(ses, rec, from).await?;
    let decision = check_sender(&rec.tenant(&narrow), from);
    if decision.value.as_ref().is_some_and(|d| d.allowed) {
        return Ok(decision);
    }
    let all = verified_map(ses, rec).await?;
    Ok(check_sender(&rec.tenant(&all), from))
}

/// [`verified_map`] for the sender check of `from`: SES is asked only about the identities
/// that could cover it (the address itself, or a domain it is at or under).
async fn verified_for_sender(
    ses: &dyn Ses,
    rec: &Record,
    from: &str,
) -> Result<HashMap<String, bool>, Problem> {
    let from = from.trim().to_ascii_lowercase();
    let domain = from.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
    verified_where(ses, rec, |o| match o.kind {
        IdentityKind::Email => o.identity.eq_ignore_ascii_case(&from),
        IdentityKind::Domain => {
            sendready_core::host::is_same_or_subdomain(&domain, &o.identity.to_ascii_lowercase())
        }
    })
    .await
}

/// SES's verified flag of each of the tenant's identities `ask` picks (false for the
/// rest, and for one SES no longer has).
async fn verified_where(
    ses: &dyn Ses,
    rec: &Record,
    ask: impl Fn(&Owned) -> bool,
) -> Result<HashMap<String, bool>, Problem> {
    let mut out = HashMap::new();
    for o in &rec.identities {
        if !ask(o) {
            out.insert(o.identity.clone(), false);
            continue;
        }
        match ses.get_identity(&o.identity).await {
            Ok(r) => {
                out.insert(o.identity.clone(), r.verified_for_sending);
            }
            Err(e) if e.is_not_found() => {
                out.insert(o.identity.clone(), false);
            }
            Err(e) => return Err(e.during("Reading an identity's status").into()),
        }
    }
    Ok(out)
}

/// The selector for `asked` under `prefix` (see [`Identities::selector`]).
fn selector_with(prefix: &str, asked: Option<&str>) -> String {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => prefix.to_owned(),
        Some(s)
            if s.eq_ignore_ascii_case(prefix)
                || s.to_ascii_lowercase().starts_with(&format!("{prefix}-")) =>
        {
            s.to_owned()
        }
        Some(s) => format!("{prefix}-{s}"),
    }
}

/// A new BYODKIM key pair: (base64 PKCS#1 private key, base64 SubjectPublicKeyInfo).
fn generate_byodkim_key() -> Result<(String, String), Problem> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::EncodePublicKey;
    let fail = |e: String| Problem::internal(format!("Generating the DKIM key failed: {e}"));
    let key =
        rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| fail(e.to_string()))?;
    let private = key.to_pkcs1_der().map_err(|e| fail(e.to_string()))?;
    let public = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| fail(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok((
        b64.encode(private.as_bytes()),
        b64.encode(public.as_bytes()),
    ))
}

impl Identities {
    /// The BYODKIM selector for what the user asked: the prefix alone, or the prefix and
    /// the user's label (`sendready-s1`); a label that already carries it is kept.
    pub fn selector(&self, asked: Option<&str>) -> String {
        selector_with(&self.selector_prefix, asked)
    }

    /// True when the deployment may change this hosted zone (a bare id).
    pub fn zone_allowed(&self, id: &str) -> bool {
        self.hosted_zones.is_empty() || self.hosted_zones.iter().any(|z| z == id)
    }

    /// Creates an identity for the tenant.
    pub async fn create(&self, tenant: &str, req: CreateIdentity) -> Result<IdentityView, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        // The tenant's own unfinished create of this very name is finished below, not a
        // duplicate.
        let wanted = canonical_identity(&req.identity);
        let unfinished = rec
            .identities
            .iter()
            .any(|o| o.pending && canonical_identity(&o.identity) == wanted);
        let mut rules = rec.tenant(&verified);
        if unfinished {
            rules
                .identities
                .retain(|i| canonical_identity(&i.identity) != wanted);
        }
        let report = check_new_identity(&rules, &req.identity, req.kind);
        let new = Problem::accepted(report)?;
        let byodkim = new.kind == IdentityKind::Domain && req.dkim == DkimMode::Byodkim;
        let (new_owned, dkim) = if byodkim {
            let mut issues = sendready_core::Issues::new();
            let wanted = self.selector(req.selector.as_deref());
            let selector = dkim::check_selector(&wanted, &mut issues);
            let Some(selector) = selector else {
                return Err(Problem::invalid(issues.into_vec()));
            };
            let (private_key, public) = generate_byodkim_key()?;
            (
                Owned {
                    selector: Some(selector.clone()),
                    public_key: Some(public),
                    ..Owned::reservation(&new.identity, new.kind)
                },
                NewDkim::Byodkim {
                    selector,
                    private_key,
                },
            )
        } else {
            let dkim = match new.kind {
                IdentityKind::Domain => NewDkim::Easy,
                IdentityKind::Email => NewDkim::None,
            };
            (Owned::reservation(&new.identity, new.kind), dkim)
        };
        match self.registry.reserve(tenant, &new_owned).await {
            Ok(()) => {}
            // This tenant's own create that never finished (a lost answer, a function that
            // died): SES has it under this tenant's tag, or not at all.
            Err(ReserveError::Duplicate {
                pending: true,
                reserved_at,
            }) => {
                match self.ses.get_identity(&new.identity).await {
                    Ok(i) if i.tenant_tag.as_deref() == Some(tenant) => {
                        self.attach(tenant, &new.identity, rec.ses_tenant_arn.as_deref())
                            .await?;
                        self.registry.confirm(tenant, &new.identity).await?;
                        tracing::info!(tenant = %tenant, identity = %new.identity, "identity adopted after an unfinished create");
                        self.start_tracking(tenant, &new.identity, new.kind, false)
                            .await;
                        let o = owned(self.registry.as_ref(), tenant, &new.identity).await?;
                        return self.view(tenant, &o).await;
                    }
                    Ok(_) => return Err(Problem::identity_taken()),
                    Err(e) if e.is_not_found() => {
                        let age = now_secs().saturating_sub(reserved_at.unwrap_or(0));
                        if age < self.stale_after.as_secs() {
                            return Err(Problem::identity_pending());
                        }
                        // Nothing in SES and nobody at it: start over with this request's key.
                        self.registry
                            .release(tenant, &new.identity, new.kind)
                            .await?;
                        self.registry.reserve(tenant, &new_owned).await?;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = self.ses.create_identity(&new.identity, &dkim, tenant).await {
            let adopt = e.code == "AlreadyExistsException"
                && matches!(
                    self.ses.get_identity(&new.identity).await,
                    Ok(ref i) if i.tenant_tag.as_deref() == Some(tenant)
                );
            if !adopt {
                let refused = if e.code == "AlreadyExistsException" {
                    // SES has it, and not for this tenant: another account's, or one the
                    // platform made outside Sendready.
                    Problem::identity_taken()
                } else {
                    e.into()
                };
                // Give the reservation back, so a failed create does not use up the limit.
                if let Err(release) = self.registry.release(tenant, &new.identity, new.kind).await {
                    tracing::warn!(tenant = %tenant, identity = %new.identity, error = %release.message, "reservation left after a failed create");
                    return Err(refused.left(
                        "SES did not create the identity, and its reservation could not be released now; sendready-reconcile releases it within the hour, or a new create of the same identity takes it over.",
                    ));
                }
                return Err(refused);
            }
            tracing::info!(tenant = %tenant, identity = %new.identity, "identity adopted: SES had it under this tenant's tag");
        }
        self.attach(tenant, &new.identity, rec.ses_tenant_arn.as_deref())
            .await?;
        if let Err(e) = self.registry.confirm(tenant, &new.identity).await {
            tracing::warn!(tenant = %tenant, identity = %new.identity, error = %e.message, "identity created in SES but not confirmed");
            return Err(Problem::from(e).left(
                "SES created the identity, but Sendready could not record that yet: send the same create again to finish it (sendready-reconcile also finishes it within the hour).",
            ));
        }
        tracing::info!(tenant = %tenant, identity = %new.identity, kind = ?new.kind, byodkim, "identity created");
        self.start_tracking(tenant, &new.identity, new.kind, false)
            .await;
        let o = owned(self.registry.as_ref(), tenant, &new.identity).await?;
        self.view(tenant, &o).await
    }

    /// Starts tracking the identity's verification (`restart`: start over even when it is
    /// tracked already, keeping what was confirmed). A failure is logged, not returned:
    /// the identity exists, and the next Verify starts the tracking again.
    pub(crate) async fn start_tracking(
        &self,
        tenant: &str,
        identity: &str,
        kind: IdentityKind,
        restart: bool,
    ) {
        let fresh = Tracked {
            tenant: tenant.to_owned(),
            identity: identity.to_owned(),
            kind,
            track: sendready_core::tracking::start(now_secs(), None, &self.schedule),
            version: 0,
        };
        // Not a restart: one conditional write, which changes nothing when tracked.
        let started = if restart {
            match self.tracking.get(tenant, identity).await {
                Ok(Some(current)) => {
                    let over = sendready_core::tracking::start(
                        now_secs(),
                        Some(&current.track),
                        &self.schedule,
                    );
                    self.tracking.save(&current, &over, &[]).await
                }
                Ok(None) => self.tracking.enroll(&fresh).await,
                Err(e) => Err(e),
            }
        } else {
            self.tracking.enroll(&fresh).await
        };
        match started {
            Ok(true) => {
                tracing::info!(tenant = %tenant, identity = %identity, restart, "verification tracking started");
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(tenant = %tenant, identity = %identity, error = %e, "tracking not started");
            }
        }
    }

    /// When SES's status is not the one tracking last recorded, makes the identity due
    /// now, so the tracker records (and announces) the change at its next run rather than
    /// at the schedule's next look, hours later: the page's history then follows what the
    /// user just saw. Best effort (a failure leaves the schedule as it was).
    pub(crate) async fn look_soon(&self, tenant: &str, identity: &str, status: &str) {
        let now = now_secs();
        match self.tracking.get(tenant, identity).await {
            Ok(Some(t)) if t.track.status.as_deref() != Some(status) && t.track.next_at > now => {
                let next = sendready_core::tracking::Track {
                    next_at: now,
                    ..t.track.clone()
                };
                if let Err(e) = self.tracking.save(&t, &next, &[]).await {
                    tracing::warn!(tenant = %tenant, identity = %identity, error = %e, "not looked at sooner");
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(tenant = %tenant, identity = %identity, error = %e, "tracking not read");
            }
        }
    }

    /// Associates a created identity with the tenant's SES tenant (made on its first
    /// identity). On failure the reservation stays pending: the same create again
    /// finishes it.
    async fn attach(
        &self,
        tenant: &str,
        identity: &str,
        set_up: Option<&str>,
    ) -> Result<(), Problem> {
        ses_tenant::attach(
            self.ses.as_ref(),
            self.registry.as_ref(),
            tenant,
            identity,
            set_up,
        )
        .await
            .map_err(|e| {
                tracing::warn!(tenant = %tenant, identity = %identity, error = %e.message, "identity created in SES but not in the tenant's SES tenant");
                Problem::from(e).left(
                    "SES created the identity, but it is not in your SES tenant yet: send the same create again to finish it.",
                )
            })
    }

    /// The tenant's identities, as SES describes them (one SES no longer has is left out).
    pub async fn list(&self, tenant: &str) -> Result<Vec<IdentityView>, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let mut out = Vec::new();
        for o in rec.identities.iter().filter(|o| !o.pending) {
            match self.view(tenant, o).await {
                Ok(v) => out.push(v),
                Err(p) if p.code == Code::SesNotFound => {}
                Err(p) => return Err(p),
            }
        }
        Ok(out)
    }

    /// One of the tenant's identities.
    pub async fn read(&self, tenant: &str, identity: &str) -> Result<IdentityView, Problem> {
        let o = settled(self.registry.as_ref(), tenant, identity).await?;
        self.view(tenant, &o).await
    }

    /// Deletes one of the tenant's identities, in SES and then in the registry.
    pub async fn delete(&self, tenant: &str, identity: &str) -> Result<(), Problem> {
        let o = owned(self.registry.as_ref(), tenant, identity).await?;
        match self.ses.get_identity(&o.identity).await {
            // Never delete an SES identity another tenant's tag names.
            Ok(i) if i.tenant_tag.as_deref().is_some_and(|t| t != tenant) => {
                return Err(Problem::identity_not_found());
            }
            Ok(_) if o.pending => return Err(Problem::identity_pending()),
            Ok(_) => {
                // Out of the tenant's SES tenant first: a failure here leaves everything
                // as it was, and the same delete again goes on.
                ses_tenant::detach(self.ses.as_ref(), tenant, &o.identity).await?;
                self.ses.delete_identity(&o.identity).await?;
            }
            // A reservation SES never got (pending or not): only the registry holds it.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        self.registry.release(tenant, &o.identity, o.kind).await?;
        if let Err(e) = self.tracking.forget(tenant, &o.identity).await {
            // The tracker forgets it too, at its next look, when it finds it gone.
            tracing::warn!(tenant = %tenant, identity = %o.identity, error = %e, "tracking not stopped");
        }
        tracing::info!(tenant = %tenant, identity = %o.identity, "identity deleted");
        Ok(())
    }

    /// The records an identity needs (`true`) or is advised to have (`false`), from SES's
    /// answer and the registry.
    pub fn records_for(&self, o: &Owned, r: &SesIdentity) -> Vec<(DnsRecord, bool)> {
        let mut records = Vec::new();
        if o.kind != IdentityKind::Domain {
            return records;
        }
        let domain = o.domain();
        if let Some(d) = &r.dkim
            && !d.tokens.is_empty()
        {
            let recs = dkim::easy_dkim_records(
                domain,
                &d.tokens,
                d.signing_hosted_zone.as_deref(),
                self.region.as_deref(),
            );
            records.extend(
                recs.value
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r, true)),
            );
        }
        if let (Some(sel), Some(key)) = (&o.selector, &o.public_key)
            && let Some(rec) = dkim::byodkim_record(domain, sel, key).value
        {
            records.push((rec, true));
        }
        if let Some(m) = &r.mail_from
            && let Some(recs) = dns::mail_from_records(
                domain,
                &m.domain,
                self.region.as_deref().unwrap_or("us-east-1"),
            )
            .value
        {
            records.extend(recs.into_iter().map(|r| (r, true)));
        }
        if let Some(rec) = dmarc::build_dmarc(domain, &dmarc::Dmarc::default()).value {
            records.push((rec, false));
        }
        records
    }

    /// The identity as SES describes it, after checking SES's tag names `tenant` (an
    /// identity created before tagging has none).
    pub(crate) async fn ses_identity(
        &self,
        tenant: &str,
        o: &Owned,
    ) -> Result<SesIdentity, Problem> {
        let r = self.ses.get_identity(&o.identity).await?;
        if r.tenant_tag.as_deref().is_some_and(|t| t != tenant) {
            return Err(Problem::identity_not_found());
        }
        Ok(r)
    }

    async fn view(&self, tenant: &str, o: &Owned) -> Result<IdentityView, Problem> {
        let r = self.ses_identity(tenant, o).await?;
        let verification = if o.kind == IdentityKind::Email {
            diagnose::verification_email(&r.verification_status, r.error_type.as_deref())
        } else {
            diagnose::verification(&r.verification_status, r.error_type.as_deref())
        };
        let dkim_view = (o.kind == IdentityKind::Domain)
            .then_some(r.dkim.as_ref())
            .flatten()
            .map(|d| DkimView {
                explanation: diagnose::verification(&d.status, None),
                status: d.status.clone(),
                origin: d.origin.clone(),
                tokens: d.tokens.clone(),
                signing_hosted_zone: d.signing_hosted_zone.clone(),
            });
        let domain = o.domain();
        Ok(IdentityView {
            identity: o.identity.clone(),
            kind: o.kind,
            verified_for_sending: r.verified_for_sending,
            verification_status: r.verification_status.clone(),
            verification,
            dkim: dkim_view,
            records: self
                .records_for(o, &r)
                .into_iter()
                .map(|(record, required)| RecordView {
                    zone_entry: dns::zone_entry(&record.name, domain).value,
                    record,
                    required,
                })
                .collect(),
            mail_from: r.mail_from.as_ref().map(|m| {
                let behavior = if m.reject_on_mx_failure {
                    dns::MxFailure::RejectMessage
                } else {
                    dns::MxFailure::UseDefaultValue
                };
                MailFromView {
                    domain: m.domain.clone(),
                    status: m.status.clone(),
                    behavior_on_mx_failure: behavior,
                    explanation: dns::mail_from_status(&m.status, &m.domain, behavior),
                }
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn byodkim_selectors_carry_the_deployments_prefix() {
        let prefix = "sendready";
        let selector = |asked: Option<&str>| super::selector_with(prefix, asked);
        assert_eq!(selector(None), "sendready");
        assert_eq!(selector(Some("")), "sendready");
        assert_eq!(selector(Some("s1")), "sendready-s1");
        assert_eq!(selector(Some("google")), "sendready-google");
        assert_eq!(selector(Some("sendready-2026")), "sendready-2026");
        assert_eq!(selector(Some("Sendready")), "Sendready");
    }
}
