//! DNS records to publish: typed, printable as zone-file lines (`Display`) and as JSON.
//!
//! Submodules build and lint each kind: [`dkim`] (Easy DKIM CNAMEs, BYODKIM TXT, key
//! records), [`spf`] (RFC 7208), [`dmarc`] (RFC 7489 / RFC 9989). This module also holds
//! custom MAIL FROM records and zone-entry help: the name to type at a DNS host that
//! appends the zone, and detection of a name with the zone typed twice.

pub mod dkim;
pub mod dmarc;
pub mod spf;
pub mod verdict;

use crate::host::{DomainOptions, check_domain_into, is_same_or_subdomain};
use crate::report::{Code, Issues, Report};
use crate::ses;
use core::fmt::Write as _;
use serde::{Deserialize, Serialize};

/// Default TTL for records Sendready proposes.
pub const DEFAULT_TTL: u32 = 1800;

/// The record types Sendready publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    /// Canonical name (Easy DKIM).
    Cname,
    /// Text (SPF, DMARC, BYODKIM).
    Txt,
    /// Mail exchanger (custom MAIL FROM).
    Mx,
}

impl RecordType {
    /// `CNAME`, `TXT` or `MX`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Mx => "MX",
        }
    }
}

/// What a record is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Easy DKIM CNAME.
    Dkim,
    /// BYODKIM public key.
    Byodkim,
    /// SPF policy.
    Spf,
    /// DMARC policy.
    Dmarc,
    /// Custom MAIL FROM MX.
    MailFromMx,
    /// Custom MAIL FROM SPF.
    MailFromSpf,
}

/// One DNS record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DnsRecord {
    /// Fully qualified name, ASCII, without the trailing dot.
    pub name: String,
    /// Record type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// The value as a DNS host's form wants it: CNAME target, TXT text (unsplit), or
    /// `priority exchange` for MX.
    pub value: String,
    /// TXT only: the character-strings of at most 255 octets each (RFC 1035 §3.3.14).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strings: Vec<String>,
    /// MX only: preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    /// Time to live in seconds.
    pub ttl: u32,
    /// What the record does.
    pub purpose: Purpose,
}

/// Splits TXT text into character-strings of at most 255 octets, on char boundaries.
pub fn split_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

fn quote_txt(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl DnsRecord {
    /// A CNAME record.
    pub fn cname(name: &str, target: &str, purpose: Purpose) -> Self {
        DnsRecord {
            name: name.into(),
            record_type: RecordType::Cname,
            value: target.into(),
            strings: vec![],
            priority: None,
            ttl: DEFAULT_TTL,
            purpose,
        }
    }

    /// A TXT record, split into character-strings.
    pub fn txt(name: &str, text: &str, purpose: Purpose) -> Self {
        DnsRecord {
            name: name.into(),
            record_type: RecordType::Txt,
            value: text.into(),
            strings: split_txt(text),
            priority: None,
            ttl: DEFAULT_TTL,
            purpose,
        }
    }

    /// An MX record.
    pub fn mx(name: &str, priority: u16, exchange: &str, purpose: Purpose) -> Self {
        DnsRecord {
            name: name.into(),
            record_type: RecordType::Mx,
            value: format!("{priority} {exchange}"),
            strings: vec![],
            priority: Some(priority),
            ttl: DEFAULT_TTL,
            purpose,
        }
    }

    /// The value as Route 53 and zone files want it: TXT strings quoted and joined,
    /// CNAME/MX targets with a trailing dot.
    pub fn rdata(&self) -> String {
        match self.record_type {
            RecordType::Txt => self
                .strings
                .iter()
                .map(|s| quote_txt(s))
                .collect::<Vec<_>>()
                .join(" "),
            RecordType::Cname | RecordType::Mx => format!("{}.", self.value),
        }
    }
}

impl core::fmt::Display for DnsRecord {
    /// A zone-file line: `name. ttl IN TYPE rdata`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}. {} IN {} {}",
            self.name,
            self.ttl,
            self.record_type.as_str(),
            self.rdata()
        )
    }
}

/// Renders records as a zone-file fragment, one line each.
pub fn zone_file(records: &[DnsRecord]) -> String {
    records.iter().fold(String::new(), |mut out, r| {
        let _ = writeln!(out, "{r}");
        out
    })
}

/// Renders records as CSV (name, type, value) for download, RFC 4180 quoting.
pub fn csv(records: &[DnsRecord]) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("name,type,value,ttl\r\n");
    for r in records {
        let _ = write!(
            out,
            "{},{},{},{}\r\n",
            cell(&r.name),
            r.record_type.as_str(),
            cell(&r.value),
            r.ttl
        );
    }
    out
}

/// The name to type at a DNS host whose form appends the zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ZoneEntry {
    /// The record's full name.
    pub fqdn: String,
    /// The zone (the domain the DNS host manages).
    pub zone: String,
    /// What to type in the host/name field: the part before the zone, or `@` for the
    /// zone itself.
    pub host_field: String,
}

/// Computes the name to type for `fqdn` at a DNS host managing `zone`.
pub fn zone_entry(fqdn: &str, zone: &str) -> Report<ZoneEntry> {
    let mut issues = Issues::new();
    let name = fqdn.trim().trim_end_matches('.').to_ascii_lowercase();
    let z = zone.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Some(fixed) = zone_doubled(&name, &z) {
        issues.error(
            "name",
            Code::ZoneDoubled,
            format!("{name} has the zone typed twice; the record belongs at {fixed}. Your DNS host adds .{z} itself, so type only the part before it."),
        );
    }
    if !is_same_or_subdomain(&name, &z) {
        issues.error(
            "zone",
            Code::ZoneOutside,
            format!("{name} is not inside the zone {z}: add it at the DNS host that manages {name}'s domain."),
        );
        return Report::new(None, issues);
    }
    let host_field = if name == z {
        "@".to_owned()
    } else {
        name[..name.len() - z.len() - 1].to_owned()
    };
    Report::new(
        Some(ZoneEntry {
            fqdn: name,
            zone: z,
            host_field,
        }),
        issues,
    )
}

/// When `name` has the zone typed twice, returns the intended name.
///
/// Detects a full repeat (`x.myapp.com.myapp.com`) and the seed's partial one, where the
/// value given as `send.myapp` was typed into a form that appended `.myapp.com`
/// (`send.myapp.myapp.com`).
pub fn zone_doubled(name: &str, zone: &str) -> Option<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    if zone.is_empty() || !zone.contains('.') {
        return None;
    }
    let suffix = format!(".{zone}");
    let rel = name.strip_suffix(&suffix)?;
    if rel == zone {
        return Some(zone);
    }
    if let Some(head) = rel.strip_suffix(&suffix) {
        return Some(format!("{head}{suffix}"));
    }
    // Partial: the zone without its last label(s), e.g. "myapp" of "myapp.com".
    let labels: Vec<&str> = zone.split('.').collect();
    for cut in 1..labels.len() {
        let stem = labels[..labels.len() - cut].join(".");
        if rel == stem {
            return Some(zone.clone());
        }
        if let Some(head) = rel.strip_suffix(&format!(".{stem}")) {
            return Some(format!("{head}{suffix}"));
        }
    }
    None
}

/// What SES does with mail when the custom MAIL FROM MX record is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MxFailure {
    /// Fall back to `amazonses.com` as MAIL FROM.
    #[default]
    UseDefaultValue,
    /// Reject the message.
    RejectMessage,
}

/// The first labels of a MAIL FROM domain Sendready publishes to Route 53 itself. Its IAM
/// may create MX and TXT records only at names starting so (Route 53's
/// `ChangeResourceRecordSetsNormalizedRecordNames` condition takes patterns, not "the
/// subdomain a tenant chose"), so TXT and MX cannot be written anywhere else in a zone.
/// Records of any other MAIL FROM domain are shown to publish at the DNS host by hand.
pub const MAIL_FROM_PUBLISHED_LABELS: &[&str] = &["bounce", "bounces", "mail", "mailfrom", "mf"];

/// True when Sendready publishes the MAIL FROM records of `domain` to Route 53 itself
/// (its first label is one of [`MAIL_FROM_PUBLISHED_LABELS`]).
pub fn mail_from_publishable(domain: &str) -> bool {
    let first = domain.split('.').next().unwrap_or_default();
    MAIL_FROM_PUBLISHED_LABELS
        .iter()
        .any(|l| first.eq_ignore_ascii_case(l))
}

/// SES's `MailFromDomainStatus` explained (SES developer guide, "Using a custom MAIL FROM
/// domain": SES looks for the MX record for up to 72 hours).
pub fn mail_from_status(status: &str, domain: &str, behavior: MxFailure) -> String {
    let fallback = match behavior {
        MxFailure::UseDefaultValue => {
            "SES sends with a subdomain of amazonses.com as MAIL FROM meanwhile"
        }
        MxFailure::RejectMessage => {
            "SES rejects the identity's messages meanwhile (REJECT_MESSAGE)"
        }
    };
    match status {
        "SUCCESS" => format!(
            "SES found the MX record of {domain}: messages leave with MAIL FROM {domain}, so SPF aligns with your domain for DMARC."
        ),
        "PENDING" => format!(
            "SES is looking for the MX record of {domain} (for up to 72 hours); {fallback}. Publish the MX and SPF records below."
        ),
        "FAILED" => format!(
            "SES did not find the MX record of {domain} within 72 hours; {fallback}. Publish the records and set the MAIL FROM domain again to start over."
        ),
        "TEMPORARY_FAILURE" => format!(
            "SES could not look up {domain} for a while (a DNS failure) and keeps trying; {fallback}."
        ),
        other => format!("SES reports {other} for {domain}."),
    }
}

/// The MX and SPF TXT records for a custom MAIL FROM domain (SES developer guide, "Using
/// a custom MAIL FROM domain"): `MX 10 feedback-smtp.<region>.amazonses.com` and
/// `TXT "v=spf1 include:amazonses.com ~all"`. The MAIL FROM domain must be a subdomain
/// of the identity's domain and must not be used to receive mail.
pub fn mail_from_records(
    identity_domain: &str,
    mail_from: &str,
    region: &str,
) -> Report<Vec<DnsRecord>> {
    let mut issues = Issues::new();
    let id = check_domain_into(
        identity_domain,
        "identity",
        "identity domain",
        DomainOptions::default(),
        &mut issues,
    );
    let mf = check_domain_into(
        mail_from,
        "mailFromDomain",
        "MAIL FROM domain",
        DomainOptions::default(),
        &mut issues,
    );
    let region = region.trim();
    if !ses::is_region(region) {
        issues.warning(
            "region",
            Code::SesRegionUnknown,
            format!(
                "{region} is not a known SES region; the MX target {} may not exist.",
                ses::mail_from_mx(region)
            ),
        );
    }
    let (Some(id), Some(mf)) = (id, mf) else {
        return Report::new(None, issues);
    };
    if mf.ascii == id.ascii {
        issues.error(
            "mailFromDomain",
            Code::MailFromSameAsIdentity,
            format!("The MAIL FROM domain must be a subdomain such as bounce.{}, not the identity itself.", id.ascii),
        );
    } else if !is_same_or_subdomain(&mf.ascii, &id.ascii) {
        issues.error(
            "mailFromDomain",
            Code::MailFromNotSubdomain,
            format!(
                "{} is not a subdomain of {}; choose one such as bounce.{}.",
                mf.ascii, id.ascii, id.ascii
            ),
        );
    }
    issues.hint(
        "mailFromDomain",
        Code::MailFromNoInbound,
        "Use a subdomain that receives no mail: its MX record will point to Amazon SES.",
    );
    let records = vec![
        DnsRecord::mx(
            &mf.ascii,
            10,
            &ses::mail_from_mx(region),
            Purpose::MailFromMx,
        ),
        DnsRecord::txt(
            &mf.ascii,
            &format!("v=spf1 include:{} ~all", ses::SPF_INCLUDE),
            Purpose::MailFromSpf,
        ),
    ];
    Report::new(Some(records), issues)
}

#[cfg(test)]
mod tests;
