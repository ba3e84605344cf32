//! The tenant as a whole: what a settings page needs to run the identity and sender rules
//! in the browser (`GET /v1/tenant`), the platform's call that sets a tenant's active
//! users, and "may this From address send".

use super::identities::{Identities, record_of, verified_map};
use crate::error::Problem;
use sendready_core::address::{AddressOptions, check_address};
pub use sendready_core::api::{HostedZoneView, SenderCheck, TenantUsers, TenantView};
use sendready_core::identity::{
    MAX_DOMAIN_IDENTITIES, MAX_EMAIL_IDENTITIES, SenderDecision, check_sender,
};
use sendready_core::{Issue, Report};

impl Identities {
    /// The tenant's rules, limits and allowed hosted zones.
    pub async fn tenant(&self, tenant: &str) -> Result<TenantView, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let mut hosted_zones = Vec::new();
        for id in &self.hosted_zones {
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
        })
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

    /// May this From address send for the tenant.
    pub async fn sender(
        &self,
        tenant: &str,
        req: &SenderCheck,
    ) -> Result<Report<SenderDecision>, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let report = check_sender(&rec.tenant(&verified), &req.from);
        if report.value.is_none() {
            return Err(Problem::invalid(report.issues));
        }
        Ok(report)
    }
}
