//! Live SPF and DMARC for an identity (issue 15): what the world sees in DNS, followed
//! as a receiver follows it, and what to publish so SES's mail passes.
//!
//! - SPF (RFC 7208): the domain's SPF records (more than one is an error), each include
//!   and redirect followed in live DNS, counting every term that queries DNS (at most 10,
//!   §4.6.4) and the lookups that found nothing (at most 2), catching loops and includes
//!   of domains without SPF; the record to publish has `include:amazonses.com` merged in,
//!   or nothing is needed when it is reached already. The same for the MAIL FROM domain,
//!   which is the domain SPF checks for SES's mail.
//! - DMARC (RFC 9989 §4.10, the tree walk): `_dmarc.<domain>`, then its parents, 7
//!   queries at most; the record that applies is linted, each external report address is checked
//!   for the `_report._dmarc` record that authorizes its reports (RFC 7489 §7.1), and a
//!   record is suggested only where none applies.

use super::identities::{Identities, settled};
use crate::error::Problem;
use crate::ports::Resolver;
use crate::ports::dns::Budgeted;
use sendready_core::api::{DmarcLive, PolicyView, SpfLive};
use sendready_core::dns::spf::{self, Term};
use sendready_core::dns::verdict::Lookup;
use sendready_core::dns::{RecordType, dmarc};
use sendready_core::identity::IdentityKind;
use sendready_core::ses::SPF_INCLUDE;
use sendready_core::{Code, Issue, Issues, Severity};
use std::collections::HashSet;

/// The most lookups RFC 7208 §4.6.4 allows, and the most void ones.
const MAX_LOOKUPS: usize = 10;
const MAX_VOID: usize = 2;
/// The most SPF records one evaluation reads (a bound on hostile include trees).
const MAX_RECORDS: usize = 40;

/// What a lookup of `domain`'s TXT records says of its SPF.
enum At {
    /// The SPF records among the TXT values (none when it has only other TXT records).
    Records(Vec<String>),
    /// No TXT records at all: a void lookup (RFC 7208 §4.6.4).
    Void,
    /// The lookup failed (timeout, SERVFAIL, the check's DNS budget): unknown.
    Failed(String),
}

async fn spf_at(dns: &dyn Resolver, domain: &str) -> At {
    match dns.lookup(domain, RecordType::Txt).await {
        Lookup::Values(v) => At::Records(v.into_iter().filter(|t| spf::is_spf(t)).collect()),
        Lookup::Nothing => At::Void,
        Lookup::Failed(e) => At::Failed(e),
    }
}

/// Follows `domain`'s SPF in live DNS.
pub async fn live_spf(dns: &dyn Resolver, domain: &str) -> SpfLive {
    let mut issues = Issues::new();
    let mut out = SpfLive {
        domain: domain.to_owned(),
        ..SpfLive::default()
    };
    let records = match spf_at(dns, domain).await {
        At::Records(r) => r,
        At::Void => Vec::new(),
        At::Failed(e) => {
            // Unknown is not missing: nothing to publish until the answer is known.
            issues.warning(
                "spf",
                Code::DnsLookupFailed,
                format!("Looking up {domain}'s TXT records failed ({e}): its SPF is unknown. Check again in a minute."),
            );
            out.issues = issues.into_vec();
            return out;
        }
    };
    out.records.clone_from(&records);
    let top = match records.as_slice() {
        [] => {
            out.to_publish = Some(format!("v=spf1 include:{SPF_INCLUDE} ~all"));
            issues.hint(
                "spf",
                Code::SpfNotSpf,
                format!("{domain} publishes no SPF record: publish the one below."),
            );
            out.issues = issues.into_vec();
            return out;
        }
        [one] => one.clone(),
        _ => {
            issues.error(
                "spf",
                Code::SpfMultipleRecords,
                format!("{domain} publishes {} SPF records; receivers then fail SPF for every message (RFC 7208 §4.5). Merge them into one record and delete the others.", records.len()),
            );
            out.issues = issues.into_vec();
            return out;
        }
    };
    let parsed = spf::check_spf(&top);
    let Some(record) = parsed.value else {
        out.issues = parsed.issues;
        return out;
    };
    let mut seen: HashSet<String> = HashSet::from([domain.to_ascii_lowercase()]);
    let mut stack = vec![(domain.to_ascii_lowercase(), record.terms.clone())];
    let mut read = 1;
    while let Some((at, terms)) = stack.pop() {
        for term in terms.iter().filter(|t| t.queries_dns()) {
            out.lookups += 1;
            let target = match term {
                Term::Modifier { value, .. } => Some(value.to_ascii_lowercase()),
                Term::Mechanism {
                    name: spf::Mechanism::Include,
                    ..
                } => term.domain().map(str::to_ascii_lowercase),
                Term::Mechanism { name, .. } => {
                    // a, mx, exists, ptr: the lookup itself, counted void when empty.
                    let name_at = term.domain().map_or_else(|| at.clone(), str::to_owned);
                    let void = match name {
                        spf::Mechanism::Mx => {
                            matches!(dns.lookup(&name_at, RecordType::Mx).await, Lookup::Nothing)
                        }
                        spf::Mechanism::A | spf::Mechanism::Exists => {
                            dns.resolve_host(&name_at, 0).await.is_err()
                        }
                        _ => false,
                    };
                    out.void_lookups += usize::from(void);
                    None
                }
            };
            let Some(target) = target else { continue };
            if target == SPF_INCLUDE {
                // SES's own record: its terms make no further lookups.
                out.includes_amazonses = true;
                continue;
            }
            if !seen.insert(target.clone()) {
                issues.error(
                    "spf",
                    Code::SpfIncludeLoop,
                    format!("{at} includes {target}, which is already being evaluated: a loop, which receivers treat as a permanent error (RFC 7208 §4.6.4). Remove the include that leads back."),
                );
                continue;
            }
            if read >= MAX_RECORDS {
                continue;
            }
            read += 1;
            let recs = match spf_at(dns, &target).await {
                At::Records(r) => r,
                At::Void => {
                    out.void_lookups += 1;
                    Vec::new()
                }
                At::Failed(e) => {
                    issues.warning(
                        "spf",
                        Code::DnsLookupFailed,
                        format!("Looking up {target}, included by {at}, failed ({e}): what it allows is unknown. Check again in a minute."),
                    );
                    continue;
                }
            };
            match recs.as_slice() {
                [one] => {
                    if let Some(r) = spf::check_spf(one).value {
                        stack.push((target, r.terms));
                    }
                }
                [] => issues.error(
                    "spf",
                    Code::SpfIncludeMissing,
                    format!("{at} includes {target}, which publishes no SPF record: receivers fail SPF for every message (RFC 7208 §5.2). Fix or remove the include."),
                ),
                _ => issues.error(
                    "spf",
                    Code::SpfMultipleRecords,
                    format!("{target}, included by {at}, publishes {} SPF records: a permanent error (RFC 7208 §4.5).", recs.len()),
                ),
            }
        }
    }
    if out.lookups > MAX_LOOKUPS {
        issues.error(
            "spf",
            Code::SpfLookupLimit,
            format!("Evaluating {domain}'s SPF takes {} DNS lookups through its includes; receivers stop at 10 and fail SPF (RFC 7208 §4.6.4). Replace includes with ip4:/ip6: ranges, or drop the ones no longer used.", out.lookups),
        );
    }
    if out.void_lookups > MAX_VOID {
        issues.error(
            "spf",
            Code::SpfVoidLookupLimit,
            format!("{} of the lookups found nothing; receivers allow 2 (RFC 7208 §4.6.4). Remove the terms that name domains without records.", out.void_lookups),
        );
    }
    if !out.includes_amazonses {
        let merged = spf::merge_include(Some(&top), SPF_INCLUDE);
        if out.lookups + 1 > MAX_LOOKUPS {
            issues.warning(
                "spf",
                Code::SpfLookupLimit,
                format!("Adding include:{SPF_INCLUDE} makes {} lookups, over the 10 receivers allow: drop an include you no longer use first.", out.lookups + 1),
            );
        }
        out.to_publish = merged.value;
    }
    issues.extend(parsed.issues);
    out.issues = issues.into_vec();
    out
}

/// The names the RFC 9989 tree walk (§4.10) queries for `domain`: the domain itself;
/// then, from a name of at most 7 labels (labels are dropped from the left to get there),
/// each parent down to two labels. At most 7 queries.
fn tree_walk(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    let mut names = vec![labels.join(".")];
    let start = if n > 8 { n - 7 } else { 1 };
    for i in start..n.saturating_sub(1) {
        names.push(labels[i..].join("."));
    }
    names
}

/// Follows `domain`'s DMARC in live DNS.
pub async fn live_dmarc(dns: &dyn Resolver, domain: &str) -> DmarcLive {
    let mut out = DmarcLive {
        domain: domain.to_owned(),
        ..DmarcLive::default()
    };
    let mut issues = Issues::new();
    for name in tree_walk(domain) {
        let at = format!("_dmarc.{name}");
        let v = match dns.lookup(&at, RecordType::Txt).await {
            Lookup::Values(v) => v,
            Lookup::Nothing => continue,
            Lookup::Failed(e) => {
                // The walk's first answer decides; an unknown one leaves DMARC unknown.
                issues.warning(
                    "dmarc",
                    Code::DnsLookupFailed,
                    format!("Looking up {at} failed ({e}): which DMARC record applies to {domain} is unknown. Check again in a minute."),
                );
                out.issues = issues.into_vec();
                return out;
            }
        };
        let recs: Vec<String> = v
            .into_iter()
            .filter(|t| t.trim_start().to_ascii_lowercase().starts_with("v=dmarc1"))
            .collect();
        match recs.as_slice() {
            [] => continue,
            [one] => {
                let r = dmarc::check_dmarc(one, Some(&name));
                out.found_at = Some(at.clone());
                out.record = Some(one.clone());
                for i in r.issues {
                    if i.code != Code::DmarcReportExternal {
                        issues.push(&i.field, i.code, i.severity, i.message);
                    }
                }
                if let Some(d) = r.value {
                    authorize_reports(dns, &name, &d, &mut issues).await;
                }
                if name != domain {
                    issues.hint(
                        "dmarc",
                        Code::DmarcPolicyNone,
                        format!("No record at _dmarc.{domain}: the record at {at} applies (its sp= for subdomains, if any). Publish one at _dmarc.{domain} only to give this domain a policy of its own."),
                    );
                }
            }
            _ => issues.error(
                "dmarc",
                Code::DmarcMultipleRecords,
                format!(
                    "{at} publishes {} DMARC records; receivers then apply none. Keep one.",
                    recs.len()
                ),
            ),
        }
        out.issues = issues.into_vec();
        return out;
    }
    out.to_publish = dmarc::build_dmarc(domain, &dmarc::Dmarc::default()).value;
    issues.hint(
        "dmarc",
        Code::DmarcPolicyNone,
        format!("No DMARC record applies to {domain} (none at it or a parent): publish the one below to start with monitoring (p=none)."),
    );
    out.issues = issues.into_vec();
    out
}

/// For each report address at another domain: does `<domain>._report._dmarc.<rdom>`
/// say `v=DMARC1` (RFC 7489 §7.1)?
async fn authorize_reports(
    dns: &dyn Resolver,
    domain: &str,
    d: &dmarc::Dmarc,
    issues: &mut Issues,
) {
    let mut asked = HashSet::new();
    for a in d.rua.iter().chain(&d.ruf) {
        let rdom = a
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if rdom.is_empty()
            || sendready_core::host::is_same_or_subdomain(&rdom, domain)
            || sendready_core::host::is_same_or_subdomain(domain, &rdom)
            || !asked.insert(rdom.clone())
        {
            continue;
        }
        let name = format!("{domain}._report._dmarc.{rdom}");
        let ok = matches!(
            dns.lookup(&name, RecordType::Txt).await,
            Lookup::Values(v) if v.iter().any(|t| t.trim_start().to_ascii_lowercase().starts_with("v=dmarc1"))
        );
        if !ok {
            issues.warning(
                "dmarc",
                Code::DmarcReportUnauthorized,
                format!("Reports go to {rdom}, which does not publish {name} TXT \"v=DMARC1\": receivers drop them (RFC 7489 §7.1). Ask {rdom} to publish it, or send reports to an address at {domain}."),
            );
        }
    }
}

/// A warning on the part of the check during which the DNS budget ran out (`before`:
/// it had run out already), saying its answers are incomplete.
fn budget_note(dns: &Budgeted<'_>, before: bool, field: &str, issues: &mut Vec<Issue>) {
    if dns.spent() && !before {
        issues.push(Issue {
            field: field.to_owned(),
            code: Code::DnsBudgetSpent,
            severity: Severity::Warning,
            message: format!(
                "This check's DNS budget ran out here (at most {} lookups and {} ms; a slow or sprawling name server): what it did not look up is unknown, not missing. Check again in a minute; if it recurs, make the records' include trees smaller or the name servers faster.",
                dns.budget().lookups,
                dns.budget().time.as_millis()
            ),
        });
    }
}

impl Identities {
    /// SPF and DMARC of a domain identity (and its MAIL FROM domain) in live DNS.
    pub async fn policy(&self, tenant: &str, identity: &str) -> Result<PolicyView, Problem> {
        // The lookups wait on the tenant's name servers: its share only.
        super::leased(
            &self.limiter,
            tenant,
            &self.limits.dns_share,
            self.policy_holding(tenant, identity),
        )
        .await
    }

    async fn policy_holding(&self, tenant: &str, identity: &str) -> Result<PolicyView, Problem> {
        let o = settled(self.registry.as_ref(), tenant, identity).await?;
        let r = self.ses_identity(tenant, &o).await?;
        let domain = o.domain().to_owned();
        // One budget for the whole check: two SPF trees and a DMARC walk.
        let dns = Budgeted::new(self.resolver.as_ref(), self.limits.dns_budget);
        let mut spf = live_spf(&dns, &domain).await;
        budget_note(&dns, false, "spf", &mut spf.issues);
        let before = dns.spent();
        let mut mail_from_spf = match (&r.mail_from, o.kind) {
            (Some(m), IdentityKind::Domain) => Some(live_spf(&dns, &m.domain).await),
            _ => None,
        };
        if let Some(m) = &mut mail_from_spf {
            budget_note(&dns, before, "spf", &mut m.issues);
        }
        let before = dns.spent();
        let mut dmarc = live_dmarc(&dns, &domain).await;
        budget_note(&dns, before, "dmarc", &mut dmarc.issues);
        Ok(PolicyView {
            spf,
            mail_from_spf,
            dmarc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::tree_walk;

    #[test]
    fn the_tree_walk_queries_the_domain_then_parents_from_seven_labels_down() {
        assert_eq!(
            tree_walk("a.b.example.com"),
            ["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(tree_walk("example.com"), ["example.com"]);
        let deep = tree_walk("1.2.3.4.5.6.7.8.9.example.com");
        assert_eq!(deep.len(), 7, "{deep:?}");
        assert_eq!(deep[0], "1.2.3.4.5.6.7.8.9.example.com");
        assert_eq!(deep[1], "5.6.7.8.9.example.com");
        assert_eq!(deep[6], "example.com");
    }
}
