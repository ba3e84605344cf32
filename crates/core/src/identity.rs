//! Tenant identity rules and sender authorization for the advanced SMTP server (the
//! platform's Amazon SES account), from the Zuora seed:
//!
//! - A domain identity is valid only if it equals or is a subdomain of an active user's
//!   work-email domain (`employee@yourcompany.com` allows `yourcompany.com` and
//!   `en.yourcompany.com`).
//! - An email identity is valid only if its domain is, regardless of the local part
//!   (`contact@`, `employee@`, `noreply@en.yourcompany.com`).
//! - At most one domain identity and three email identities per tenant; no domain
//!   identity and email identity with the same domain.
//! - A From address may send if it equals a verified email identity, or its domain
//!   equals or is a subdomain of a verified domain identity.
//! - Zuora Production and API Sandbox share verifications; Developer and Central
//!   Sandbox need their own records.

use crate::address::{AddressOptions, check_address_into};
use crate::host::{DomainOptions, check_domain_into, is_same_or_subdomain};
use crate::report::{Code, Issues, Report};
use serde::{Deserialize, Serialize};

/// At most this many domain identities per tenant.
pub const MAX_DOMAIN_IDENTITIES: usize = 1;
/// At most this many email identities per tenant.
pub const MAX_EMAIL_IDENTITIES: usize = 3;

/// Domain or email address identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    /// A domain, such as `yourcompany.com`.
    Domain,
    /// An email address, such as `contact@yourcompany.com`.
    Email,
}

/// An identity the tenant already has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ExistingIdentity {
    /// The identity as stored (normal form).
    pub identity: String,
    /// Kind; inferred from an `@` when absent.
    #[serde(default)]
    pub kind: Option<IdentityKind>,
    /// True once SES reports verification success.
    #[serde(default)]
    pub verified: bool,
}

impl ExistingIdentity {
    /// The kind, inferring email when the identity has an `@`.
    pub fn kind(&self) -> IdentityKind {
        self.kind.unwrap_or(if self.identity.contains('@') {
            IdentityKind::Email
        } else {
            IdentityKind::Domain
        })
    }

    fn domain(&self) -> String {
        self.identity
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }
}

/// What the rules need to know about a tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct Tenant {
    /// Email addresses of the tenant's active users.
    pub active_user_emails: Vec<String>,
    /// Identities the tenant has, verified or not.
    pub identities: Vec<ExistingIdentity>,
}

impl Tenant {
    /// The distinct domains of active users, in ASCII form.
    pub fn active_domains(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.active_user_emails {
            let mut scratch = Issues::new();
            if let Some(a) = check_address_into(
                e.trim(),
                "activeUserEmails",
                AddressOptions::default(),
                &mut scratch,
            ) && !out.contains(&a.domain)
            {
                out.push(a.domain);
            }
        }
        out
    }
}

/// A new identity after checking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct NewIdentity {
    /// Normal form to create in SES (ASCII domain; address with ASCII domain).
    pub identity: String,
    /// Kind.
    pub kind: IdentityKind,
    /// The identity's domain.
    pub domain: String,
    /// The active-user domain that allows it.
    pub allowed_by: String,
}

/// Checks a new identity against the tenant's active users and existing identities.
/// `kind` may be given (the form's "New Identity Type") or inferred from an `@`.
pub fn check_new_identity(
    tenant: &Tenant,
    input: &str,
    kind: Option<IdentityKind>,
) -> Report<NewIdentity> {
    let mut issues = Issues::new();
    let field = "identity";
    let trimmed = input.trim();
    if trimmed.is_empty() {
        issues.error(
            field,
            Code::IdentityEmpty,
            "Enter a domain (yourcompany.com) or an email address (contact@yourcompany.com).",
        );
        return Report::new(None, issues);
    }
    let kind = kind.unwrap_or(if trimmed.contains('@') {
        IdentityKind::Email
    } else {
        IdentityKind::Domain
    });
    let (identity, domain) = match kind {
        IdentityKind::Email => {
            match check_address_into(input, field, AddressOptions::default(), &mut issues) {
                Some(a) => (a.address.clone(), a.domain),
                None => return Report::new(None, issues),
            }
        }
        IdentityKind::Domain => {
            if trimmed.contains('@') {
                issues.error(field, Code::DomainInvalidChar, "A domain identity is a domain such as yourcompany.com: choose Email Identity for an address.");
                return Report::new(None, issues);
            }
            match check_domain_into(
                input,
                field,
                "domain",
                DomainOptions {
                    refuse_reserved_hyphens: true,
                    ..DomainOptions::default()
                },
                &mut issues,
            ) {
                Some(d) => (d.ascii.clone(), d.ascii),
                None => return Report::new(None, issues),
            }
        }
    };
    let active = tenant.active_domains();
    let allowed_by = active
        .iter()
        .find(|a| is_same_or_subdomain(&domain, a))
        .cloned();
    if allowed_by.is_none() {
        let list = if active.is_empty() {
            "none yet".to_owned()
        } else {
            active.join(", ")
        };
        issues.error(
            field,
            Code::IdentityNotActiveDomain,
            format!("{domain} is not the domain of an active user, nor a subdomain of one (active users' domains: {list}). Add and activate a user at this domain first."),
        );
    }
    if tenant
        .identities
        .iter()
        .any(|e| e.identity.eq_ignore_ascii_case(&identity))
    {
        issues.error(
            field,
            Code::IdentityDuplicate,
            format!("{identity} is already an identity of this tenant."),
        );
    } else {
        let domains: Vec<&ExistingIdentity> = tenant
            .identities
            .iter()
            .filter(|e| e.kind() == IdentityKind::Domain)
            .collect();
        let emails: Vec<&ExistingIdentity> = tenant
            .identities
            .iter()
            .filter(|e| e.kind() == IdentityKind::Email)
            .collect();
        match kind {
            IdentityKind::Domain => {
                if domains.len() >= MAX_DOMAIN_IDENTITIES {
                    issues.error(
                        field,
                        Code::IdentityDomainLimit,
                        format!("A tenant may have one domain identity and this one has {}; delete it to add another.", domains[0].identity),
                    );
                }
                if let Some(e) = emails.iter().find(|e| e.domain() == domain) {
                    issues.error(
                        field,
                        Code::IdentityOverlap,
                        format!("The email identity {} has the same domain; a domain identity and an email identity cannot share a domain. Delete the email identity first.", e.identity),
                    );
                }
            }
            IdentityKind::Email => {
                if emails.len() >= MAX_EMAIL_IDENTITIES {
                    issues.error(field, Code::IdentityEmailLimit, "A tenant may have up to three email identities; delete one to add another.");
                }
                if let Some(d) = domains.iter().find(|d| d.domain() == domain) {
                    issues.error(
                        field,
                        Code::IdentityOverlap,
                        format!("The domain identity {} has the same domain, and already lets every address at it send; no email identity is needed.", d.identity),
                    );
                } else if let Some(d) = domains
                    .iter()
                    .find(|d| is_same_or_subdomain(&domain, &d.domain()))
                {
                    issues.hint(
                        field,
                        Code::IdentityCovered,
                        format!(
                            "The domain identity {} already covers this address once verified.",
                            d.identity
                        ),
                    );
                }
            }
        }
    }
    let v = allowed_by.map(|a| NewIdentity {
        identity,
        kind,
        domain,
        allowed_by: a,
    });
    Report::new(v, issues)
}

/// The outcome of a sender check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SenderDecision {
    /// The From address, normalized.
    pub from: String,
    /// True when a verified identity allows it.
    pub allowed: bool,
    /// The identity that allows it (or would, once verified).
    pub identity: Option<String>,
}

/// Decides whether a From address may send for the tenant (advanced SMTP limitations).
///
/// Addresses compare case-insensitively, as SES matches identities.
pub fn check_sender(tenant: &Tenant, from: &str) -> Report<SenderDecision> {
    let mut issues = Issues::new();
    let field = "from";
    let Some(addr) = check_address_into(from, field, AddressOptions::default(), &mut issues) else {
        return Report::new(None, issues);
    };
    let matches = |e: &ExistingIdentity| match e.kind() {
        IdentityKind::Email => e.identity.eq_ignore_ascii_case(&addr.address),
        IdentityKind::Domain => is_same_or_subdomain(&addr.domain, &e.identity),
    };
    let verified = tenant.identities.iter().find(|e| e.verified && matches(e));
    let pending = tenant.identities.iter().find(|e| !e.verified && matches(e));
    let decision = SenderDecision {
        from: addr.address.clone(),
        allowed: verified.is_some(),
        identity: verified.or(pending).map(|e| e.identity.clone()),
    };
    if verified.is_none() {
        if let Some(p) = pending {
            issues.error(
                field,
                Code::SenderNotVerified,
                format!("{} may send once the identity {} is verified; its verification is still pending or failed.", addr.address, p.identity),
            );
        } else {
            let verified_list: Vec<&str> = tenant
                .identities
                .iter()
                .filter(|e| e.verified)
                .map(|e| e.identity.as_str())
                .collect();
            let tip = if verified_list.is_empty() {
                "The tenant has no verified identity yet.".to_owned()
            } else {
                format!("Verified identities: {}.", verified_list.join(", "))
            };
            issues.error(
                field,
                Code::SenderNotAuthorized,
                format!("{} is not a verified email identity and its domain is not under a verified domain identity. {tip}", addr.address),
            );
        }
    }
    Report::new(Some(decision), issues)
}

/// A Zuora environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// Production.
    Production,
    /// API Sandbox: shares verifications with Production.
    ApiSandbox,
    /// Developer Sandbox.
    DeveloperSandbox,
    /// Central Sandbox.
    CentralSandbox,
}

/// Environments in one group share identity verifications (and so DKIM records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum VerificationGroup {
    /// Production and API Sandbox.
    Production,
    /// Developer and Central Sandbox.
    Sandbox,
}

impl Environment {
    /// The group whose verifications this environment uses.
    pub const fn verification_group(self) -> VerificationGroup {
        match self {
            Environment::Production | Environment::ApiSandbox => VerificationGroup::Production,
            Environment::DeveloperSandbox | Environment::CentralSandbox => {
                VerificationGroup::Sandbox
            }
        }
    }
}

/// How many DKIM CNAME records a domain needs to be verified in all these environments:
/// three per verification group (the seed: all four environments need six).
pub fn dkim_records_needed(envs: &[Environment]) -> usize {
    let mut groups: Vec<VerificationGroup> = envs.iter().map(|e| e.verification_group()).collect();
    groups.sort_by_key(|g| *g as u8);
    groups.dedup();
    groups.len() * 3
}

#[cfg(test)]
mod tests;
