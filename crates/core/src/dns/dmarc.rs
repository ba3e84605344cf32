//! DMARC records (RFC 7489 §6.3, with RFC 9989's changes): parse, lint and build.
//!
//! RFC 9989 (DMARCbis) adds `np=` (policy for non-existent subdomains), `psd=` (public
//! suffix domain) and `t=` (testing, replacing `pct=`), and removes `pct=`, `rf=` and
//! `ri=`. Sendready accepts both generations, builds records that read the same under
//! either, and hints where a tag is gone from the newer one.

use super::dkim::tag_list;
use super::{DnsRecord, Purpose};
use crate::address::{AddressOptions, check_address_into};
use crate::host::{DomainOptions, check_domain_into};
use crate::report::{Code, Issues, Report};
use core::fmt::Write as _;
use serde::{Deserialize, Serialize};

/// A DMARC policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Monitor only.
    #[default]
    None,
    /// Treat failing mail as suspicious (spam folder).
    Quarantine,
    /// Reject failing mail.
    Reject,
}

impl Policy {
    fn parse(s: &str) -> Option<Policy> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    /// The tag value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }
}

/// Identifier alignment mode (`adkim=`, `aspf=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    /// Organizational domains must match.
    #[default]
    Relaxed,
    /// Exact domains must match.
    Strict,
}

/// A DMARC record's content, parsed or chosen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct Dmarc {
    /// `p=`.
    pub policy: Policy,
    /// `sp=`: subdomains (defaults to `p`).
    pub subdomain_policy: Option<Policy>,
    /// `np=` (RFC 9989): non-existent subdomains.
    pub nonexistent_policy: Option<Policy>,
    /// `adkim=`.
    pub adkim: Alignment,
    /// `aspf=`.
    pub aspf: Alignment,
    /// `rua=`: aggregate report addresses (without `mailto:`).
    pub rua: Vec<String>,
    /// `ruf=`: failure report addresses (without `mailto:`).
    pub ruf: Vec<String>,
    /// `t=y` (RFC 9989): testing mode.
    pub testing: bool,
    /// `pct=` (RFC 7489 only), when given.
    pub pct: Option<u8>,
}

fn check_uris(tag: &str, value: &str, issues: &mut Issues) -> Vec<String> {
    let mut out = Vec::new();
    for uri in value.split(',').map(str::trim) {
        let addr = uri
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("mailto:"))
            .map(|_| &uri[7..]);
        let Some(addr) = addr else {
            issues.error("record", Code::DmarcUriInvalid, format!("{tag}= must list mailto: addresses, such as {tag}=mailto:dmarc@example.com (found \"{uri}\")."));
            continue;
        };
        // An optional size limit: "!10m".
        let addr = addr.split('!').next().unwrap_or(addr);
        let mut scratch = Issues::new();
        match check_address_into(addr, "record", AddressOptions::default(), &mut scratch) {
            Some(a) => out.push(a.address),
            None => issues.error(
                "record",
                Code::DmarcUriInvalid,
                format!("{tag}=: \"{addr}\" is not a valid email address."),
            ),
        }
    }
    out
}

/// Parses and lints a DMARC record (the TXT at `_dmarc.<domain>`). With `domain`, report
/// addresses at other domains get a hint about their authorization record (§7.1).
#[allow(clippy::too_many_lines, reason = "one rule per tag, in RFC order")]
pub fn check_dmarc(text: &str, domain: Option<&str>) -> Report<Dmarc> {
    let mut issues = Issues::new();
    let field = "record";
    let tags = match tag_list(text) {
        Ok(t) => t,
        Err(e) => {
            issues.error(field, Code::DmarcSyntax, format!("The record is not a DMARC tag list: {e}. Records look like v=DMARC1; p=none; rua=mailto:dmarc@example.com"));
            return Report::new(None, issues);
        }
    };
    if tags.first().is_none_or(|(n, v)| n != "v" || v != "DMARC1") {
        issues.error(
            field,
            Code::DmarcNotDmarc,
            "A DMARC record starts with v=DMARC1; (exactly, uppercase).",
        );
        return Report::new(None, issues);
    }
    let mut d = Dmarc::default();
    let mut have_p = false;
    for (i, (name, value)) in tags.iter().enumerate().skip(1) {
        if tags[..i].iter().any(|(n, _)| n == name) {
            issues.error(
                field,
                Code::DmarcDuplicateTag,
                format!("{name}= appears twice; keep one."),
            );
            continue;
        }
        let lower = value.to_ascii_lowercase();
        match name.as_str() {
            "p" | "sp" | "np" => match Policy::parse(value) {
                Some(p) => match name.as_str() {
                    "p" => {
                        d.policy = p;
                        have_p = true;
                    }
                    "sp" => d.subdomain_policy = Some(p),
                    _ => d.nonexistent_policy = Some(p),
                },
                None => issues.error(
                    field,
                    Code::DmarcPolicyInvalid,
                    format!("{name}={value} is not a policy: use none, quarantine or reject."),
                ),
            },
            "adkim" | "aspf" => {
                let a = match lower.as_str() {
                    "r" => Alignment::Relaxed,
                    "s" => Alignment::Strict,
                    _ => {
                        issues.error(
                            field,
                            Code::DmarcTagValue,
                            format!("{name}={value}: use r (relaxed) or s (strict)."),
                        );
                        continue;
                    }
                };
                if name == "adkim" {
                    d.adkim = a;
                } else {
                    d.aspf = a;
                }
            }
            "rua" => d.rua = check_uris("rua", value, &mut issues),
            "ruf" => d.ruf = check_uris("ruf", value, &mut issues),
            "fo" => {
                if !lower
                    .split(':')
                    .all(|o| matches!(o.trim(), "0" | "1" | "d" | "s"))
                {
                    issues.error(
                        field,
                        Code::DmarcTagValue,
                        format!("fo={value}: use 0, 1, d or s, separated by colons."),
                    );
                }
            }
            "pct" => {
                match value.parse::<u8>().ok().filter(|p| *p <= 100) {
                    Some(p) => d.pct = Some(p),
                    None => issues.error(
                        field,
                        Code::DmarcTagValue,
                        format!("pct={value}: use a whole number from 0 to 100."),
                    ),
                }
                issues.hint(
                    field,
                    Code::DmarcDeprecatedTag,
                    "pct= is removed by RFC 9989; use t=y while testing instead.",
                );
            }
            "rf" | "ri" => {
                let ok = if name == "ri" {
                    value.parse::<u32>().is_ok()
                } else {
                    lower.split(':').all(|f| f.trim() == "afrf")
                };
                if !ok {
                    issues.error(
                        field,
                        Code::DmarcTagValue,
                        format!("{name}={value} is not a valid value."),
                    );
                }
                issues.hint(
                    field,
                    Code::DmarcDeprecatedTag,
                    format!("{name}= is removed by RFC 9989; receivers may ignore it."),
                );
            }
            "psd" => {
                if !matches!(lower.as_str(), "y" | "n" | "u") {
                    issues.error(
                        field,
                        Code::DmarcTagValue,
                        format!("psd={value}: use y, n or u."),
                    );
                }
            }
            "t" => match lower.as_str() {
                "y" => d.testing = true,
                "n" => {}
                _ => issues.error(
                    field,
                    Code::DmarcTagValue,
                    format!("t={value}: use y or n."),
                ),
            },
            _ => issues.warning(
                field,
                Code::DmarcUnknownTag,
                format!("{name}= is not a DMARC tag; receivers ignore it. Check the spelling."),
            ),
        }
    }
    if !have_p {
        issues.error(field, Code::DmarcPolicyMissing, "The record needs a policy right after the version: v=DMARC1; p=none (to monitor) or p=quarantine / p=reject.");
    } else if tags.get(1).is_some_and(|(n, _)| n != "p") {
        issues.warning(
            field,
            Code::DmarcSyntax,
            "RFC 7489 receivers expect p= right after v=DMARC1; move it there.",
        );
    }
    if have_p && d.policy == Policy::None {
        issues.hint(field, Code::DmarcPolicyNone, "p=none only monitors: once reports show your mail passes, move to p=quarantine, then p=reject.");
    }
    if let Some(dom) = domain.map(|x| x.trim().to_ascii_lowercase()) {
        for a in d.rua.iter().chain(&d.ruf) {
            let rdom = a.rsplit('@').next().unwrap_or_default();
            if !crate::host::is_same_or_subdomain(rdom, &dom)
                && !crate::host::is_same_or_subdomain(&dom, rdom)
            {
                issues.hint(
                    field,
                    Code::DmarcReportExternal,
                    format!("Reports go to {rdom}, another domain: it must publish {dom}._report._dmarc.{rdom} TXT \"v=DMARC1\" to accept them (RFC 7489 §7.1)."),
                );
            }
        }
    }
    let ok = !issues.has_errors();
    Report::new(ok.then_some(d), issues)
}

/// Builds the record text for the choices, tags in RFC 7489's order.
pub fn dmarc_text(d: &Dmarc) -> String {
    let mut s = format!("v=DMARC1; p={}", d.policy.as_str());
    if let Some(sp) = d.subdomain_policy {
        let _ = write!(s, "; sp={}", sp.as_str());
    }
    if let Some(np) = d.nonexistent_policy {
        let _ = write!(s, "; np={}", np.as_str());
    }
    if d.adkim == Alignment::Strict {
        s.push_str("; adkim=s");
    }
    if d.aspf == Alignment::Strict {
        s.push_str("; aspf=s");
    }
    if !d.rua.is_empty() {
        s.push_str("; rua=");
        s.push_str(
            &d.rua
                .iter()
                .map(|a| format!("mailto:{a}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    if !d.ruf.is_empty() {
        s.push_str("; ruf=");
        s.push_str(
            &d.ruf
                .iter()
                .map(|a| format!("mailto:{a}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    if d.testing {
        s.push_str("; t=y");
    }
    s
}

/// Builds the DMARC record for `domain` from the choices, and lints it.
pub fn build_dmarc(domain: &str, d: &Dmarc) -> Report<DnsRecord> {
    let mut issues = Issues::new();
    let dom = check_domain_into(
        domain,
        "domain",
        "domain",
        DomainOptions::default(),
        &mut issues,
    );
    for (tag, list) in [("rua", &d.rua), ("ruf", &d.ruf)] {
        for a in list {
            check_address_into(a, tag, AddressOptions::default(), &mut issues);
        }
    }
    let text = dmarc_text(d);
    let lint = check_dmarc(&text, dom.as_ref().map(|x| x.ascii.as_str()));
    issues.extend(lint.issues);
    let rec =
        dom.map(|dom| DnsRecord::txt(&format!("_dmarc.{}", dom.ascii), &text, Purpose::Dmarc));
    let ok = !issues.has_errors();
    Report::new(rec.filter(|_| ok), issues)
}
