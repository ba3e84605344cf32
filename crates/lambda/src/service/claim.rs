//! Claiming a domain by DNS proof (issue 23.6): a tenant whose active user owns a domain
//! that another tenant holds but never verified proves it in live DNS and takes the name
//! (Resend's "claim domain" is the model). `POST /v1/identities/{domain}/claim` answers
//! the TXT record to publish at `_sendready-claim.<domain>` (202, `publish`) until live
//! DNS has it; then the old holder's SES identity and reservation are deleted, the old
//! holder is told (an `Identity Claimed` announcement), and the name is created for the
//! claimant as a new identity (201, `claimed`). A name SES has verified is never moved
//! this way (409 `identity-claim-verified`): only the platform's admin may.

use super::identities::{Identities, record_of, verified_map};
use crate::error::Problem;
use crate::ports::announce::Announced;
use crate::ports::registry::{canonical_identity, now_secs};
use axum::http::StatusCode;
use sendready_core::Code;
use sendready_core::api::{CreateIdentity, IdentityView};
use sendready_core::dns::RecordType;
use sendready_core::dns::verdict::Lookup;
use sendready_core::events::rfc3339;
use sendready_core::identity::{IdentityKind, check_new_identity};
use sendready_core::tracking::Announcement;
use serde::Serialize;

/// The label under which the claim's TXT record is published.
pub const CLAIM_LABEL: &str = "_sendready-claim";

/// The TXT record that proves the claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRecord {
    /// `_sendready-claim.<domain>`.
    pub name: String,
    /// `TXT`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `sendready-claim=<token>`.
    pub value: String,
}

/// What a claim did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    /// `publish` (the record is not in live DNS yet) or `claimed` (the name moved).
    pub status: &'static str,
    /// The domain.
    pub identity: String,
    /// The record to publish (and keep until the claim is done).
    pub record: ClaimRecord,
    /// What live DNS answered at that name, when it was not the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<String>,
    /// What to do now.
    pub message: String,
    /// The claimant's new identity, once claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<IdentityView>,
}

impl Identities {
    /// Claims `domain` for `tenant`; the status code with the view.
    pub async fn claim(
        &self,
        tenant: &str,
        domain: &str,
    ) -> Result<(StatusCode, ClaimView), Problem> {
        let name = canonical_identity(domain);
        if name.contains('@') {
            return Err(Problem::field(
                "identity",
                Code::InputInvalid,
                "Only a domain is claimed; an address under it follows the domain's owner.",
            ));
        }
        // The tenant's own rules first (an active user at the domain, its limits).
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let new = Problem::accepted(check_new_identity(
            &rec.tenant(&verified),
            &name,
            Some(IdentityKind::Domain),
        ))?;
        let holder = self.registry.owner(&new.identity).await?;
        let holder = match holder {
            Some(h) if h.tenant != tenant => h,
            Some(_) => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    Code::IdentityClaimNotNeeded,
                    format!("This tenant already holds {name}; nothing to claim."),
                ));
            }
            None => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    Code::IdentityClaimNotNeeded,
                    format!("No tenant holds {name}; add it as a new identity instead."),
                ));
            }
        };
        let in_ses = match self.ses.get_identity(&holder.identity).await {
            Ok(i) => Some(i),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        };
        if in_ses
            .as_ref()
            .is_some_and(|i| i.verified_for_sending || i.verification_status == "SUCCESS")
        {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityClaimVerified,
                format!(
                    "{name} is verified in SES for another account of this platform; a verified name is never moved by a claim. Ask the platform's administrator to move it."
                ),
            ));
        }
        let token = self.registry.claim_token(tenant, &name).await?;
        let record = ClaimRecord {
            name: format!("{CLAIM_LABEL}.{name}"),
            kind: "TXT",
            value: format!("sendready-claim={token}"),
        };
        let found = match self.resolver.lookup(&record.name, RecordType::Txt).await {
            Lookup::Values(v) => v,
            Lookup::Nothing => Vec::new(),
            Lookup::Failed(why) => vec![format!("(the lookup failed: {why})")],
        };
        let proved = found.iter().any(|v| {
            v.trim_matches('"')
                .trim()
                .eq_ignore_ascii_case(&record.value)
        });
        if !proved {
            return Ok((
                StatusCode::ACCEPTED,
                ClaimView {
                    status: "publish",
                    identity: name.clone(),
                    message: format!(
                        "Publish the TXT record {} with the value {} in {name}'s DNS, then claim again; it proves this account controls the domain. The record is checked in live DNS, so allow for its TTL.",
                        record.name, record.value
                    ),
                    record,
                    found,
                    created: None,
                },
            ));
        }
        // Proved: the old holder's identity goes, and the name is this tenant's.
        self.ses.delete_identity(&holder.identity).await?;
        self.registry
            .release(&holder.tenant, &holder.identity, holder.kind)
            .await?;
        self.tracking
            .forget(&holder.tenant, &holder.identity)
            .await?;
        self.tell_claimed(&holder.tenant, &holder.identity, tenant)
            .await;
        tracing::warn!(from = %holder.tenant, to = %tenant, identity = %name, "unverified name claimed by DNS proof");
        let created = self
            .create(
                tenant,
                CreateIdentity {
                    identity: name.clone(),
                    kind: Some(IdentityKind::Domain),
                    dkim: sendready_core::api::DkimMode::default(),
                    selector: None,
                },
            )
            .await?;
        Ok((
            StatusCode::CREATED,
            ClaimView {
                status: "claimed",
                identity: name.clone(),
                message: format!(
                    "{name} is this account's now: publish its DKIM records to verify it. The TXT record at {} may be removed.",
                    record.name
                ),
                record,
                found: Vec::new(),
                created: Some(created),
            },
        ))
    }

    /// Tells the old holder its name was claimed (each announcer once; a failure is
    /// logged, the move stands).
    async fn tell_claimed(&self, old: &str, identity: &str, by: &str) {
        let at = now_secs();
        let a = Announced {
            id: format!("claimed-{old}-{identity}-{at}"),
            kind: Announcement::Claimed,
            tenant: old.to_owned(),
            identity: identity.to_owned(),
            from: None,
            status: "CLAIMED".to_owned(),
            records: Vec::new(),
            at: rfc3339(at),
        };
        for to in &self.announcers {
            if let Err(e) = to.announce(&a).await {
                tracing::warn!(tenant = %old, identity = %identity, announcer = to.name(), by = %by, error = %e, "the claim was not announced to the old holder");
            }
        }
    }
}
