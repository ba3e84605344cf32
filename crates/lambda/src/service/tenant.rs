//! The tenant as a whole: what a settings page needs to run the identity and sender rules
//! in the browser (`GET /v1/tenant`), the platform's call that sets a tenant's active
//! users, and "may this From address send".

use super::identities::{Identities, record_of, verified_map};
use crate::error::Problem;
use crate::ports::route53::bare_zone_id;
use sendready_core::address::{AddressOptions, check_address};
pub use sendready_core::api::{HostedZoneView, SenderCheck, TenantUsers, TenantView, TenantZones};
use sendready_core::identity::{
    MAX_DOMAIN_IDENTITIES, MAX_EMAIL_IDENTITIES, SenderDecision, check_sender,
};
use sendready_core::{Code, Issue, Report};

impl Identities {
    /// The tenant's rules, limits and allowed hosted zones.
    pub async fn tenant(&self, tenant: &str) -> Result<TenantView, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
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
        let verified = verified_map(self.ses.as_ref(), &rec).await?;
        let report = check_sender(&rec.tenant(&verified), &req.from);
        if report.value.is_none() {
            return Err(Problem::invalid(report.issues));
        }
        Ok(report)
    }
}
