//! The verdict on one published record: what should be at a name against what a lookup
//! returned there. Pure: the lookups are the caller's (the backend's resolver adapter), so
//! the browser, the CLI and the API give the same code for the same answer.
//!
//! A record ends in one outcome: found, missing, wrong value, wrong type, found at the
//! name with the zone typed twice (`s1._domainkey.example.com.example.com`), or a lookup
//! that failed (the answer is unknown, not negative). The order of lookups is
//! [`at_name`] first, then each of [`other_types`], then each of [`doubled_names`].

use super::{DnsRecord, RecordType};
use crate::report::Code;
use serde::{Deserialize, Serialize};

/// What one lookup of a name and type returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The answers, each normalized by [`normalize_value`].
    Values(Vec<String>),
    /// NXDOMAIN or no records of the type: a negative answer.
    Nothing,
    /// The lookup failed (timeout, SERVFAIL): no answer, with the reason.
    Failed(String),
}

/// The outcome for one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RecordCheck {
    /// The record that should be published.
    pub record: DnsRecord,
    /// `dns-record-found`, `dns-record-missing`, `dns-record-wrong-value`,
    /// `dns-record-wrong-type`, `zone-doubled` or `dns-lookup-failed`.
    pub code: Code,
    /// True only for `dns-record-found`.
    pub ok: bool,
    /// What live DNS holds at the name (or at the doubled name).
    pub seen: Vec<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// A name as DNS compares it: trimmed, no trailing dot, lowercase (RFC 4343).
pub fn normalize_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// How a looked-up value of `t` is compared: names normalized; TXT text exact (its
/// character-strings joined, RFC 7208 §3.3); MX as `preference exchange`.
pub fn normalize_value(t: RecordType, value: &str) -> String {
    match t {
        RecordType::Cname => normalize_name(value),
        RecordType::Txt => value.to_owned(),
        RecordType::Mx => match value.trim().split_once(' ') {
            Some((pref, exchange)) => format!("{} {}", pref.trim(), normalize_name(exchange)),
            None => normalize_name(value),
        },
    }
}

/// The value a lookup must return for `record` to be found.
pub fn expected(record: &DnsRecord) -> String {
    match record.record_type {
        RecordType::Cname => normalize_name(&record.value),
        RecordType::Txt => record.value.clone(),
        RecordType::Mx => format!(
            "{} {}",
            record.priority.unwrap_or(10),
            normalize_name(record.value.rsplit(' ').next().unwrap_or_default())
        ),
    }
}

fn outcome(record: &DnsRecord, code: Code, seen: Vec<String>, message: String) -> RecordCheck {
    RecordCheck {
        record: record.clone(),
        ok: code == Code::DnsRecordFound,
        code,
        seen,
        message,
    }
}

/// The verdict from the lookup of the record's own name and type: found, wrong value or
/// lookup failed; `None` when the answer was negative and the other lookups decide.
pub fn at_name(record: &DnsRecord, found: &Lookup) -> Option<RecordCheck> {
    let t = record.record_type.as_str();
    match found {
        Lookup::Values(v) if v.contains(&expected(record)) => Some(outcome(
            record,
            Code::DnsRecordFound,
            v.clone(),
            format!("{} {t} is published as expected.", record.name),
        )),
        Lookup::Values(v) => Some(outcome(
            record,
            Code::DnsRecordWrongValue,
            v.clone(),
            format!(
                "{} has a {t} record with another value; replace it with: {}",
                record.name, record.value
            ),
        )),
        Lookup::Failed(e) => Some(outcome(
            record,
            Code::DnsLookupFailed,
            Vec::new(),
            format!(
                "Looking up {} failed ({e}); try again in a minute.",
                record.name
            ),
        )),
        Lookup::Nothing => None,
    }
}

/// The other types to look up at the record's name when its own type is missing.
pub fn other_types(record: &DnsRecord) -> impl Iterator<Item = RecordType> + '_ {
    [RecordType::Cname, RecordType::Txt, RecordType::Mx]
        .into_iter()
        .filter(|t| *t != record.record_type)
}

/// The verdict when the name holds a record of another type (`other`), with its values.
pub fn wrong_type(record: &DnsRecord, other: RecordType, seen: Vec<String>) -> RecordCheck {
    let want = record.record_type.as_str();
    outcome(
        record,
        Code::DnsRecordWrongType,
        seen,
        format!(
            "{} has a {} record where a {want} record belongs; delete it and add the {want} record.",
            record.name,
            other.as_str(),
        ),
    )
}

/// How many parents of a domain the zone-typed-twice walk tries (a zone is rarely more
/// than a few labels above the name; each try is a DNS lookup).
pub const MAX_DOUBLED_WALK: usize = 4;

/// The names where a DNS host that appends the zone would have put the record had the
/// zone been typed too: the record's name followed by each parent of `domain` that has
/// at least two labels, longest first, as `(doubled name, zone)`; at most
/// [`MAX_DOUBLED_WALK`] of them, the registrable end of the name first.
pub fn doubled_names(record: &DnsRecord, domain: &str) -> Vec<(String, String)> {
    let labels: Vec<&str> = domain.split('.').collect();
    let parents = labels.len().saturating_sub(1);
    (parents.saturating_sub(MAX_DOUBLED_WALK)..parents)
        .map(|i| {
            let zone = labels[i..].join(".");
            (format!("{}.{zone}", record.name), zone)
        })
        .collect()
}

/// The verdict when the record was found at `doubled`, the name with `zone` typed twice.
pub fn zone_doubled(
    record: &DnsRecord,
    doubled: &str,
    zone: &str,
    seen: Vec<String>,
) -> RecordCheck {
    let host = record
        .name
        .strip_suffix(&format!(".{zone}"))
        .unwrap_or(&record.name);
    outcome(
        record,
        Code::ZoneDoubled,
        seen,
        format!(
            "The record is at {doubled}: your DNS host added {zone} to a name that already ended in it. Enter only \"{host}\" as the name."
        ),
    )
}

/// The verdict when no lookup found anything.
pub fn missing(record: &DnsRecord) -> RecordCheck {
    outcome(
        record,
        Code::DnsRecordMissing,
        Vec::new(),
        format!(
            "No {} record at {} yet. Publish it; DNS changes can take a few minutes to appear.",
            record.record_type.as_str(),
            record.name
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::Purpose;

    fn cname(name: &str, value: &str) -> DnsRecord {
        DnsRecord {
            name: name.to_owned(),
            record_type: RecordType::Cname,
            value: value.to_owned(),
            strings: Vec::new(),
            priority: None,
            ttl: 1800,
            purpose: Purpose::Dkim,
        }
    }

    #[test]
    fn each_lookup_answer_has_one_verdict() {
        let r = cname("s1._domainkey.example.com", "s1.dkim.amazonses.com");
        let vals = |v: &[&str]| Lookup::Values(v.iter().map(|s| (*s).to_owned()).collect());
        let table = [
            (vals(&["s1.dkim.amazonses.com"]), Some(Code::DnsRecordFound)),
            (
                vals(&["other.example.net"]),
                Some(Code::DnsRecordWrongValue),
            ),
            (
                Lookup::Failed("timeout".into()),
                Some(Code::DnsLookupFailed),
            ),
            (Lookup::Nothing, None),
        ];
        for (found, want) in table {
            assert_eq!(at_name(&r, &found).map(|c| c.code), want, "{found:?}");
        }
    }

    #[test]
    fn values_compare_as_dns_does() {
        let r = cname("a.example.com", "S1.DKIM.AmazonSES.com.");
        let found = Lookup::Values(vec![normalize_value(
            RecordType::Cname,
            "s1.dkim.amazonses.com.",
        )]);
        assert!(at_name(&r, &found).is_some_and(|c| c.ok));
        assert_eq!(
            normalize_value(RecordType::Mx, "10 Feedback.Example.COM."),
            "10 feedback.example.com"
        );
    }

    #[test]
    fn doubled_names_walk_the_parents_of_the_domain() {
        let r = cname("s1._domainkey.mail.example.com", "x");
        let names: Vec<String> = doubled_names(&r, "mail.example.com")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "s1._domainkey.mail.example.com.mail.example.com",
                "s1._domainkey.mail.example.com.example.com"
            ]
        );
        let c = zone_doubled(&r, &names[1], "example.com", vec!["x".into()]);
        assert_eq!(c.code, Code::ZoneDoubled);
        assert!(
            c.message.contains("Enter only \"s1._domainkey.mail\""),
            "{}",
            c.message
        );
        assert_eq!(
            other_types(&r).collect::<Vec<_>>(),
            [RecordType::Txt, RecordType::Mx]
        );
        assert_eq!(missing(&r).code, Code::DnsRecordMissing);
        assert_eq!(
            wrong_type(&r, RecordType::Txt, vec![]).code,
            Code::DnsRecordWrongType
        );
    }
}
