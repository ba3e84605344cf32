//! The tenant as a whole: what a settings page needs to run the identity and sender rules
//! in the browser (`GET /v1/tenant`), the platform's call that sets a tenant's active
//! users, and "may this From address send".

use super::identities::{Identities, record_of, sender_decision, verified_map};
use super::ses_tenant;
use crate::error::Problem;
use crate::ports::route53::bare_zone_id;
use crate::ports::ses::ses_tenant_name;
use sendready_core::address::{AddressOptions, check_address};
pub use sendready_core::api::{
    HostedZoneView, SenderCheck, SesTenantView, SuppressionReason, TenantReputation, TenantUsers,
    TenantView, TenantZones,
};
use sendready_core::identity::{MAX_DOMAIN_IDENTITIES, MAX_EMAIL_IDENTITIES, SenderDecision};
use sendready_core::{Code, Issue, Report};

impl Identities {
    /// The tenant's rules, limits and allowed hosted zones.
    pub async fn tenant(&self, tenant: &str) -> Result<TenantView, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let (rates, warnings) = self.events.rates(tenant).await?;
        let mut hosted_zones = Vec::new();
        for id in rec.zones.iter().filter(|z| self.zone_allowed(z)) {
            let name = self.route53.zone_name(id).await?;
            hosted_zones.push(HostedZoneView {
                id: id.clone(),
                name,
            });
        }
        Ok(TenantView {
            tenant: tenant.to_owned(),
            rules: rec.tenant(&verified),
            max_domain_identities: MAX_DOMAIN_IDENTITIES,
            max_email_identities: MAX_EMAIL_IDENTITIES,
            hosted_zones,
            ses: self.ses_tenant(tenant).await?,
            rates,
            warnings,
        })
    }

    /// The tenant's SES tenant and reputation; `None` before its first identity made it.
    pub async fn ses_tenant(&self, tenant: &str) -> Result<Option<SesTenantView>, Problem> {
        let t = match self.ses.get_tenant(&ses_tenant_name(tenant)).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let r = self.ses.reputation(&t.arn).await?;
        Ok(Some(SesTenantView {
            tenant_name: t.name,
            sending_status: t.sending_status,
            reputation_policy: r
                .policy
                .map(|p| p.rsplit('/').next().unwrap_or_default().to_owned()),
            ses_managed_status: r.aws_status,
            customer_managed_status: r.customer_status,
            reputation_impact: r.impact,
            suppressed_reasons: t.suppressed_reasons,
        }))
    }

    /// Sets the tenant's reputation policy and, when given, its suppression reasons (the
    /// caller must be the platform; the route checks). Makes the SES tenant when missing.
    pub async fn put_reputation(
        &self,
        tenant: &str,
        req: &TenantReputation,
    ) -> Result<SesTenantView, Problem> {
        let t = ses_tenant::ensure(self.ses.as_ref(), tenant).await?;
        // SES's managed policies live in the `aws` account of the tenant's partition and
        // region: arn:<partition>:ses:<region>:aws:reputation-policy/<name>.
        let mut parts = t.arn.split(':');
        let (partition, region) = (parts.nth(1), parts.nth(1));
        let (Some(partition), Some(region)) = (partition, region) else {
            return Err(Problem::internal(format!(
                "unexpected tenant ARN {}",
                t.arn
            )));
        };
        let policy = format!(
            "arn:{partition}:ses:{region}:aws:reputation-policy/{}",
            req.policy.as_str()
        );
        self.ses.set_reputation_policy(&t.arn, &policy).await?;
        if let Some(reasons) = &req.suppressed_reasons {
            let mut names: Vec<String> = reasons
                .iter()
                .map(|r| match r {
                    SuppressionReason::Bounce => "BOUNCE".to_owned(),
                    SuppressionReason::Complaint => "COMPLAINT".to_owned(),
                })
                .collect();
            names.sort();
            names.dedup();
            self.ses.set_tenant_suppression(&t.name, &names).await?;
        }
        self.ses_tenant(tenant)
            .await?
            .ok_or_else(|| Problem::internal("the SES tenant just made is not found"))
    }

    /// Sets a tenant's active users (the caller must be the platform; the route checks).
    pub async fn put_users(&self, tenant: &str, req: &TenantUsers) -> Result<usize, Problem> {
        let mut issues: Vec<Issue> = Vec::new();
        let mut emails = Vec::new();
        for (i, e) in req.active_user_emails.iter().enumerate() {
            let field = format!("activeUserEmails[{i}]");
            match Problem::accepted_as(&field, check_address(e, AddressOptions::default())) {
                Ok(a) => emails.push(a.address),
                Err(p) => issues.extend(p.0.issues.clone()),
            }
        }
        if !issues.is_empty() {
            return Err(Problem::invalid(issues));
        }
        self.registry.put_users(tenant, &emails).await?;
        Ok(emails.len())
    }

    /// Sets the hosted zones a tenant may publish to (the caller must be the platform; the
    /// route checks). Each must be one the deployment may change and exist in Route 53.
    pub async fn put_zones(&self, tenant: &str, req: &TenantZones) -> Result<usize, Problem> {
        let mut zones: Vec<String> = Vec::new();
        for (i, raw) in req.hosted_zone_ids.iter().enumerate() {
            let id = bare_zone_id(raw).to_owned();
            if !self.zone_allowed(&id) {
                return Err(Problem::field(
                    &format!("hostedZoneIds[{i}]"),
                    Code::ZoneNotAllowed,
                    format!(
                        "Hosted zone {id} is not one this deployment may change (SENDREADY_HOSTED_ZONE_IDS)."
                    ),
                ));
            }
            self.route53.zone_name(&id).await?;
            if !zones.contains(&id) {
                zones.push(id);
            }
        }
        self.registry.put_zones(tenant, &zones).await?;
        Ok(zones.len())
    }

    /// May this From address send for the tenant.
    pub async fn sender(
        &self,
        tenant: &str,
        req: &SenderCheck,
    ) -> Result<Report<SenderDecision>, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let report = sender_decision(self.ses.as_ref(), &rec, &req.from).await?;
        if report.value.is_none() {
            return Err(Problem::invalid(report.issues));
        }
        Ok(report)
    }
}
