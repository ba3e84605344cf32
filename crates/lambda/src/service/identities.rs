//! SES identities for a tenant: create (the core's tenant rules first, then a registry
//! reservation that holds the limits under concurrency, then SES), list, read
//! (verification and DKIM status explained, the records to publish) and delete.

use crate::error::Problem;
use crate::ports::ses::{NewDkim, SesIdentity};
use crate::ports::{Owned, Record, Registry, Resolver, Route53, Ses};
use base64::Engine as _;
use sendready_core::Code;
pub use sendready_core::api::{CreateIdentity, DkimMode, DkimView, IdentityView, RecordView};
use sendready_core::diagnose;
use sendready_core::dns::{self, DnsRecord, dkim, dmarc};
use sendready_core::identity::{IdentityKind, check_new_identity};
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

/// SES's verified flag for each of the tenant's identities (false for one SES no longer
/// has).
pub async fn verified_map(ses: &dyn Ses, rec: &Record) -> Result<HashMap<String, bool>, Problem> {
    let mut out = HashMap::new();
    for o in &rec.identities {
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
    /// True when the deployment may change this hosted zone (a bare id).
    pub fn zone_allowed(&self, id: &str) -> bool {
        self.hosted_zones.is_empty() || self.hosted_zones.iter().any(|z| z == id)
    }

    /// Creates an identity for the tenant.
    pub async fn create(&self, tenant: &str, req: CreateIdentity) -> Result<IdentityView, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let report = check_new_identity(&rec.tenant(&verified), &req.identity, req.kind);
        let new = Problem::accepted(report)?;
        let byodkim = new.kind == IdentityKind::Domain && req.dkim == DkimMode::Byodkim;
        let (owned, dkim) = if byodkim {
            let mut issues = sendready_core::Issues::new();
            let selector =
                dkim::check_selector(req.selector.as_deref().unwrap_or("sendready"), &mut issues);
            let Some(selector) = selector else {
                return Err(Problem::invalid(issues.into_vec()));
            };
            let (private_key, public) = generate_byodkim_key()?;
            (
                Owned {
                    identity: new.identity.clone(),
                    kind: new.kind,
                    selector: Some(selector.clone()),
                    public_key: Some(public),
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
            (
                Owned {
                    identity: new.identity.clone(),
                    kind: new.kind,
                    selector: None,
                    public_key: None,
                },
                dkim,
            )
        };
        self.registry.reserve(tenant, &owned).await?;
        if let Err(e) = self.ses.create_identity(&new.identity, &dkim).await {
            // Give the reservation back, so a failed create does not use up the limit.
            if let Err(r) = self.registry.release(tenant, &new.identity, new.kind).await {
                tracing::error!(tenant = %tenant, error = ?r, "releasing a reservation after a failed create");
            }
            return Err(e.into());
        }
        tracing::info!(tenant = %tenant, identity = %new.identity, kind = ?new.kind, byodkim, "identity created");
        self.view(&owned).await
    }

    /// The tenant's identities, as SES describes them (one SES no longer has is left out).
    pub async fn list(&self, tenant: &str) -> Result<Vec<IdentityView>, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let mut out = Vec::new();
        for o in &rec.identities {
            match self.view(o).await {
                Ok(v) => out.push(v),
                Err(p) if p.code == Code::SesNotFound => {}
                Err(p) => return Err(p),
            }
        }
        Ok(out)
    }

    /// One of the tenant's identities.
    pub async fn read(&self, tenant: &str, identity: &str) -> Result<IdentityView, Problem> {
        let o = owned(self.registry.as_ref(), tenant, identity).await?;
        self.view(&o).await
    }

    /// Deletes one of the tenant's identities, in SES and then in the registry.
    pub async fn delete(&self, tenant: &str, identity: &str) -> Result<(), Problem> {
        let o = owned(self.registry.as_ref(), tenant, identity).await?;
        self.ses.delete_identity(&o.identity).await?;
        self.registry.release(tenant, &o.identity, o.kind).await?;
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
        if let Some(rec) = dmarc::build_dmarc(domain, &dmarc::Dmarc::default()).value {
            records.push((rec, false));
        }
        records
    }

    async fn view(&self, o: &Owned) -> Result<IdentityView, Problem> {
        let r = self.ses.get_identity(&o.identity).await?;
        let verification = diagnose::verification(&r.verification_status, r.error_type.as_deref());
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
        })
    }
}
