//! A custom MAIL FROM domain (issue 15; SES developer guide, "Using a custom MAIL FROM
//! domain"): a subdomain of the identity that receives no mail, checked by the core's
//! rules and in live DNS before SES is told (`PutEmailIdentityMailFromAttributes`). Its MX
//! and SPF records then join the identity's records: shown, published with the same
//! never-destroy rule as DKIM, and checked by "Verify".

use super::identities::{Identities, settled};
use crate::error::Problem;
use axum::http::StatusCode;
use sendready_core::Code;
use sendready_core::api::{IdentityView, MailFromRequest};
use sendready_core::dns::verdict::Lookup;
use sendready_core::dns::{self, MxFailure, RecordType};
use sendready_core::identity::IdentityKind;

impl Identities {
    /// Sets the identity's MAIL FROM domain. An MX at the subdomain that is not SES's is
    /// a 409 naming it, unless `replaceMx` says it may go.
    pub async fn put_mail_from(
        &self,
        tenant: &str,
        identity: &str,
        req: &MailFromRequest,
    ) -> Result<IdentityView, Problem> {
        let o = settled(self.registry.as_ref(), tenant, identity).await?;
        if o.kind != IdentityKind::Domain {
            return Err(Problem::field(
                "mailFromDomain",
                Code::MailFromNeedsDomain,
                format!(
                    "Set the MAIL FROM domain on the domain identity of {}: verify the domain, then choose a subdomain of it.",
                    o.domain()
                ),
            ));
        }
        self.ses_identity(tenant, &o).await?;
        let region = self.region.as_deref().unwrap_or("us-east-1");
        let planned = Problem::accepted(dns::mail_from_records(
            o.domain(),
            &req.mail_from_domain,
            region,
        ))?;
        let domain = planned
            .first()
            .map(|r| r.name.trim_end_matches('.').to_owned())
            .unwrap_or_default();
        // One owner for a domain and everything under it: the MAIL FROM domain, and every
        // name between it and the identity, must not be another tenant's identity.
        let mut name = domain.to_ascii_lowercase();
        let own = o.domain().to_ascii_lowercase();
        while name != own && name.ends_with(&format!(".{own}")) {
            if self
                .registry
                .name_owner(&name)
                .await?
                .is_some_and(|t| t != tenant)
            {
                return Err(Problem::identity_taken());
            }
            match name.split_once('.') {
                Some((_, rest)) => name = rest.to_owned(),
                None => break,
            }
        }
        let ses_mx = sendready_core::ses::mail_from_mx(region);
        match self.resolver.lookup(&domain, RecordType::Mx).await {
            Lookup::Values(found) => {
                let others: Vec<&String> = found
                    .iter()
                    .filter(|v| !v.trim_end_matches('.').ends_with(&ses_mx))
                    .collect();
                if !others.is_empty() && !req.replace_mx {
                    let list = others
                        .iter()
                        .map(|v| format!("MX {v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Problem::new(
                        StatusCode::CONFLICT,
                        Code::MailFromMxExists,
                        format!(
                            "{domain} has {list}: it receives mail, and SES's MX would take it over. Choose a subdomain that receives no mail (such as bounce.{}), or send replaceMx: true if those MX records are no longer used (then replace them at your DNS host).",
                            o.domain()
                        ),
                    ));
                }
            }
            Lookup::Nothing => {}
            Lookup::Failed(why) => {
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::DnsLookupFailed,
                    format!(
                        "Looking up the MX records of {domain} failed ({why}), so whether it receives mail is not known; try again in a minute."
                    ),
                );
                p.retry_after = Some(60);
                return Err(p);
            }
        }
        self.ses
            .put_mail_from(
                &o.identity,
                &domain,
                req.behavior_on_mx_failure == MxFailure::RejectMessage,
            )
            .await?;
        tracing::info!(tenant = %tenant, identity = %o.identity, mail_from = %domain, "MAIL FROM domain set");
        self.read(tenant, identity).await
    }
}
