//! SPF records (RFC 7208): parse, lint and merge an `include:`.
//!
//! The parser follows the ABNF of §12: `version *( 1*SP ( directive / modifier ) ) *SP`,
//! with macro strings (§7.1) and the `domain-spec` rule that a literal name end in
//! `"." toplabel`. What makes a record a permerror by itself (syntax, §4.6; unknown
//! mechanisms, §5; duplicate `redirect`/`exp`, §6; CIDR bounds, §5.6) is an error; what
//! needs other DNS data (nested lookups) is outside a record lint. The static count of
//! DNS-querying terms in one record against the limit of 10 (§4.6.4) is an error too,
//! because every receiver that reaches the eleventh returns permerror.

use crate::report::{Code, Issues, Report};
use core::net::{Ipv4Addr, Ipv6Addr};
use serde::{Deserialize, Serialize};

/// The most DNS-querying terms an evaluation may use (RFC 7208 §4.6.4).
pub const LOOKUP_LIMIT: usize = 10;

/// Qualifier of a mechanism (§4.6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+` (default): pass.
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

/// A mechanism (RFC 7208 §5):
///
/// ```text
/// directive  = [ qualifier ] mechanism
/// mechanism  = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
/// all        = "all"
/// include    = "include"  ":" domain-spec
/// a          = "a"      [ ":" domain-spec ] [ dual-cidr-length ]
/// mx         = "mx"     [ ":" domain-spec ] [ dual-cidr-length ]
/// ptr        = "ptr"    [ ":" domain-spec ]
/// ip4        = "ip4"      ":" ip4-network   [ ip4-cidr-length ]
/// ip6        = "ip6"      ":" ip6-network   [ ip6-cidr-length ]
/// exists     = "exists"   ":" domain-spec
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// `all`: matches every sender.
    All,
    /// `include:<domain>`: another domain's record.
    Include,
    /// `a[:<domain>][/<cidr>]`: the domain's addresses.
    A,
    /// `mx[:<domain>][/<cidr>]`: the domain's mail exchangers' addresses.
    Mx,
    /// `ptr[:<domain>]`: reverse DNS (deprecated, §5.5).
    Ptr,
    /// `ip4:<network>`.
    Ip4,
    /// `ip6:<network>`.
    Ip6,
    /// `exists:<domain>`: an A lookup.
    Exists,
}

impl Mechanism {
    /// The mechanism named `name` (case-insensitive, §4.6.1).
    pub fn parse(name: &str) -> Option<Mechanism> {
        Some(match name.to_ascii_lowercase().as_str() {
            "all" => Mechanism::All,
            "include" => Mechanism::Include,
            "a" => Mechanism::A,
            "mx" => Mechanism::Mx,
            "ptr" => Mechanism::Ptr,
            "ip4" => Mechanism::Ip4,
            "ip6" => Mechanism::Ip6,
            "exists" => Mechanism::Exists,
            _ => return None,
        })
    }

    /// The name as written in a record.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include => "include",
            Mechanism::A => "a",
            Mechanism::Mx => "mx",
            Mechanism::Ptr => "ptr",
            Mechanism::Ip4 => "ip4",
            Mechanism::Ip6 => "ip6",
            Mechanism::Exists => "exists",
        }
    }

    /// True when evaluating it makes a DNS query (§4.6.4).
    pub const fn queries_dns(self) -> bool {
        matches!(
            self,
            Mechanism::Include | Mechanism::A | Mechanism::Mx | Mechanism::Ptr | Mechanism::Exists
        )
    }
}

/// A modifier's name (RFC 7208 §6):
///
/// ```text
/// modifier         = redirect / explanation / unknown-modifier
/// redirect         = "redirect" "=" domain-spec
/// explanation      = "exp" "=" domain-spec
/// unknown-modifier = name "=" macro-string
/// name             = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
/// ```
///
/// Written in JSON as the name itself, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `redirect=`: another domain's record replaces this one's result.
    Redirect,
    /// `exp=`: where the explanation of a fail is.
    Exp,
    /// Any other name, which receivers ignore (lowercase).
    Unknown(String),
}

impl Modifier {
    /// The modifier named `name` (case-insensitive).
    pub fn parse(name: &str) -> Modifier {
        match name.to_ascii_lowercase().as_str() {
            "redirect" => Modifier::Redirect,
            "exp" => Modifier::Exp,
            other => Modifier::Unknown(other.to_owned()),
        }
    }

    /// The name as written in a record.
    pub fn as_str(&self) -> &str {
        match self {
            Modifier::Redirect => "redirect",
            Modifier::Exp => "exp",
            Modifier::Unknown(n) => n,
        }
    }
}

impl Serialize for Modifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Modifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Modifier, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Modifier::parse(&name))
    }
}

/// One term of a record: a directive (qualifier and mechanism) or a modifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Term {
    /// A mechanism with its qualifier and argument as written.
    Mechanism {
        /// Qualifier.
        qualifier: Qualifier,
        /// Which mechanism.
        name: Mechanism,
        /// What follows the name (`:domain/24`), as written.
        arg: String,
    },
    /// A modifier `name=value`.
    Modifier {
        /// Which modifier.
        #[cfg_attr(feature = "tsify", tsify(type = "string"))]
        name: Modifier,
        /// Value as written.
        value: String,
    },
}

impl Term {
    /// True when evaluating the term makes a DNS query (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        match self {
            Term::Mechanism { name, .. } => name.queries_dns(),
            Term::Modifier { name, .. } => *name == Modifier::Redirect,
        }
    }

    /// The domain-spec a mechanism names (`include:`, `exists:`, and `a`, `mx`, `ptr`
    /// with a domain), without its CIDR lengths; `None` for the others.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Term::Mechanism { name, arg, .. } => match name {
                Mechanism::Include | Mechanism::Exists | Mechanism::Ptr => arg.strip_prefix(':'),
                Mechanism::A | Mechanism::Mx => split_dual_cidr(arg).0.strip_prefix(':'),
                Mechanism::All | Mechanism::Ip4 | Mechanism::Ip6 => None,
            },
            Term::Modifier { .. } => None,
        }
    }

    /// True for `all`, and for `redirect=`: the terms that end evaluation, before which
    /// an added mechanism must go.
    pub fn ends_evaluation(&self) -> bool {
        matches!(
            self,
            Term::Mechanism {
                name: Mechanism::All,
                ..
            } | Term::Modifier {
                name: Modifier::Redirect,
                ..
            }
        )
    }

    fn text(&self) -> String {
        match self {
            Term::Mechanism {
                qualifier,
                name,
                arg,
            } => {
                let q = match qualifier {
                    Qualifier::Pass => "",
                    Qualifier::Fail => "-",
                    Qualifier::SoftFail => "~",
                    Qualifier::Neutral => "?",
                };
                format!("{q}{}{arg}", name.as_str())
            }
            Term::Modifier { name, value } => format!("{}={value}", name.as_str()),
        }
    }
}

/// A parsed SPF record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SpfRecord {
    /// Terms in order.
    pub terms: Vec<Term>,
    /// DNS-querying terms counted statically (nested includes not followed).
    pub lookups: usize,
}

impl SpfRecord {
    /// The record text, normalized: `v=spf1` and single spaces.
    pub fn text(&self) -> String {
        let mut s = String::from("v=spf1");
        for t in &self.terms {
            s.push(' ');
            s.push_str(&t.text());
        }
        s
    }
}

/// True when the text is an SPF record at all: `v=spf1` then a space or the end (§4.5).
pub fn is_spf(text: &str) -> bool {
    let t = text.as_bytes();
    t.len() >= 6 && t[..6].eq_ignore_ascii_case(b"v=spf1") && (t.len() == 6 || t[6] == b' ')
}

fn is_macro_letter(c: u8, exp: bool) -> bool {
    matches!(
        c.to_ascii_lowercase(),
        b's' | b'l' | b'o' | b'd' | b'i' | b'p' | b'h' | b'v'
    ) || (exp && matches!(c.to_ascii_lowercase(), b'c' | b'r' | b't'))
}

/// Checks a macro-string (§7.1); returns whether it ends with a macro-expand, or None.
fn macro_string(s: &str, exp: bool) -> Option<bool> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut ends_with_macro = false;
    while i < b.len() {
        if b[i] == b'%' {
            match b.get(i + 1)? {
                b'%' | b'_' | b'-' => {
                    i += 2;
                    ends_with_macro = true;
                }
                b'{' => {
                    let close = s[i..].find('}')? + i;
                    let inner = &b[i + 2..close];
                    let (&letter, rest) = inner.split_first()?;
                    if !is_macro_letter(letter, exp) {
                        return None;
                    }
                    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                    let mut rest = &rest[digits..];
                    if digits > 0 && rest.is_empty() {
                        // ok
                    }
                    if let Some((&r, tail)) = rest.split_first()
                        && (r == b'r' || r == b'R')
                    {
                        rest = tail;
                    }
                    if !rest.iter().all(|c| b".-+,/_=".contains(c)) {
                        return None;
                    }
                    i = close + 1;
                    ends_with_macro = true;
                }
                _ => return None,
            }
        } else if (0x21..=0x7e).contains(&b[i]) {
            i += 1;
            ends_with_macro = false;
        } else {
            return None;
        }
    }
    Some(ends_with_macro)
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`.
fn is_toplabel(l: &str) -> bool {
    let b = l.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

/// `domain-spec = macro-string domain-end` (§7.1 / §12).
pub fn is_domain_spec(s: &str) -> bool {
    let Some(ends_with_macro) = macro_string(s, false) else {
        return false;
    };
    if ends_with_macro {
        return true;
    }
    let body = s.strip_suffix('.').unwrap_or(s);
    match body.rfind('.') {
        Some(i) => is_toplabel(&body[i + 1..]) && !body[i + 1..].contains('%'),
        None => false,
    }
}

fn cidr(s: &str, max: u32) -> Option<u32> {
    // "0" / %x31-39 0*1DIGIT (no leading zeros).
    if s.is_empty()
        || s.len() > 3
        || (s.len() > 1 && s.starts_with('0'))
        || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse::<u32>().ok().filter(|v| *v <= max)
}

/// Splits a trailing `dual-cidr-length` (`/24`, `//64`, `/24//64`) off an `a`/`mx`
/// argument. It is taken from the end because a domain-spec may itself contain `/` and
/// `:` (macro-literal is any visible character but `%`).
fn split_dual_cidr(arg: &str) -> (&str, Option<&str>, Option<&str>) {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut rest = arg;
    let mut v6 = None;
    if let Some(i) = rest.rfind("//")
        && digits(&rest[i + 2..])
    {
        v6 = Some(&rest[i + 2..]);
        rest = &rest[..i];
    }
    let mut v4 = None;
    if let Some(i) = rest.rfind('/')
        && digits(&rest[i + 1..])
    {
        v4 = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    (rest, v4, v6)
}

/// Checks `[":" domain-spec] [dual-cidr-length]` for `a` and `mx`.
fn check_a_mx(arg: &str) -> Result<(), (Code, String)> {
    let (spec, v4, v6) = split_dual_cidr(arg);
    if let Some(d) = spec.strip_prefix(':') {
        if !is_domain_spec(d) {
            return Err((
                Code::SpfSyntax,
                format!("\"{d}\" is not a domain (it must end in a name such as example.com)"),
            ));
        }
    } else if !spec.is_empty() {
        return Err((Code::SpfSyntax, format!("unexpected \"{spec}\"")));
    }
    if v4.is_some_and(|c| cidr(c, 32).is_none()) || v6.is_some_and(|c| cidr(c, 128).is_none()) {
        return Err((
            Code::SpfCidrRange,
            format!(
                "the prefix length in \"{}\" is out of range (IPv4 0-32, IPv6 0-128, no leading zeros)",
                &arg[spec.len()..]
            ),
        ));
    }
    Ok(())
}

fn check_mechanism(mechanism: Mechanism, arg: &str) -> Result<(), (Code, String)> {
    let name = mechanism.as_str();
    let need_domain = |a: &str| -> Result<(), (Code, String)> {
        match a.strip_prefix(':') {
            Some(d) if is_domain_spec(d) => Ok(()),
            Some(d) => Err((
                Code::SpfSyntax,
                format!("\"{d}\" is not a domain (it must end in a name such as example.com)"),
            )),
            None => Err((Code::SpfSyntax, format!("{name} needs :domain"))),
        }
    };
    match mechanism {
        Mechanism::All => {
            if arg.is_empty() {
                Ok(())
            } else {
                Err((Code::SpfSyntax, "all takes no argument".into()))
            }
        }
        Mechanism::Include | Mechanism::Exists => need_domain(arg),
        Mechanism::Ptr => {
            if arg.is_empty() {
                Ok(())
            } else {
                need_domain(arg)
            }
        }
        Mechanism::A | Mechanism::Mx => check_a_mx(arg),
        Mechanism::Ip4 => {
            let net = arg
                .strip_prefix(':')
                .ok_or((Code::SpfSyntax, "ip4 needs :address".into()))?;
            let (ip, len) = net
                .split_once('/')
                .map_or((net, None), |(a, b)| (a, Some(b)));
            if crate::host::parse_ipv4_strict(ip).is_none() || ip.parse::<Ipv4Addr>().is_err() {
                return Err((Code::SpfSyntax, format!("\"{ip}\" is not an IPv4 address")));
            }
            if len.is_some_and(|l| cidr(l, 32).is_none()) {
                return Err((
                    Code::SpfCidrRange,
                    format!(
                        "/{} is not a prefix length from 0 to 32",
                        len.unwrap_or_default()
                    ),
                ));
            }
            Ok(())
        }
        Mechanism::Ip6 => {
            let net = arg
                .strip_prefix(':')
                .ok_or((Code::SpfSyntax, "ip6 needs :address".into()))?;
            let (ip, len) = net
                .split_once('/')
                .map_or((net, None), |(a, b)| (a, Some(b)));
            if ip.parse::<Ipv6Addr>().is_err() {
                return Err((Code::SpfSyntax, format!("\"{ip}\" is not an IPv6 address")));
            }
            if len.is_some_and(|l| cidr(l, 128).is_none()) {
                return Err((
                    Code::SpfCidrRange,
                    format!(
                        "/{} is not a prefix length from 0 to 128",
                        len.unwrap_or_default()
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Parses and lints one SPF record.
#[allow(clippy::too_many_lines, reason = "the lint's rules in RFC order")]
pub fn check_spf(text: &str) -> Report<SpfRecord> {
    let mut issues = Issues::new();
    let field = "record";
    // Two records pasted on two lines: say that (RFC 7208 §4.5: a domain with more than
    // one SPF record is a permerror), not that a line break is no SPF character.
    let pasted = text
        .lines()
        .filter(|l| is_spf(l.trim().trim_matches('"')))
        .count();
    if pasted > 1 {
        issues.error(
            field,
            Code::SpfMultipleRecords,
            format!("{pasted} SPF records were pasted, and a domain may publish only one: with two, receivers fail SPF for every message (RFC 7208 §4.5). Merge them into one record (one v=spf1, every mechanism once, one all at the end), then paste that."),
        );
        return Report::new(None, issues);
    }
    let text = text.trim().trim_end_matches(' ');
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let trimmed = text.trim_start();
    if !is_spf(trimmed) {
        issues.error(field, Code::SpfNotSpf, "An SPF record starts with v=spf1 followed by a space, such as v=spf1 include:amazonses.com ~all.");
        return Report::new(None, issues);
    }
    if trimmed.len() != text.len() {
        issues.warning(
            field,
            Code::SpfSyntax,
            "Remove the space before v=spf1; some receivers do not find the record otherwise.",
        );
    }
    let mut terms = Vec::new();
    let mut seen_all = false;
    let (mut redirects, mut exps) = (0, 0);
    for raw in trimmed[6..].split(' ').filter(|t| !t.is_empty()) {
        if let Some(c) = raw.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
            issues.error(
                field,
                Code::SpfSyntax,
                format!(
                    "\"{raw}\" has the character U+{:04X}; SPF records are printable ASCII.",
                    c as u32
                ),
            );
            continue;
        }
        // A modifier has '=' before any ':' or '/' ; a mechanism name is letters only.
        let name_end = raw
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(raw.len());
        let is_modifier = raw[name_end..].starts_with('=')
            && raw[..name_end].starts_with(|c: char| c.is_ascii_alphabetic());
        if is_modifier {
            let name = Modifier::parse(&raw[..name_end]);
            let value = &raw[name_end + 1..];
            let ok = match name {
                Modifier::Redirect => {
                    redirects += 1;
                    is_domain_spec(value)
                }
                Modifier::Exp => {
                    exps += 1;
                    is_domain_spec(value)
                }
                Modifier::Unknown(_) => macro_string(value, false).is_some(),
            };
            if !ok {
                issues.error(
                    field,
                    Code::SpfSyntax,
                    format!(
                        "In \"{raw}\", \"{value}\" is not a valid {}= value.",
                        name.as_str()
                    ),
                );
            }
            if seen_all && name == Modifier::Redirect {
                issues.warning(
                    field,
                    Code::SpfRedirectWithAll,
                    "redirect= is ignored because the record has an all mechanism (RFC 7208 §6.1).",
                );
            }
            terms.push(Term::Modifier {
                name,
                value: value.to_owned(),
            });
            continue;
        }
        let (qualifier, body) = match raw.as_bytes()[0] {
            b'+' => (Qualifier::Pass, &raw[1..]),
            b'-' => (Qualifier::Fail, &raw[1..]),
            b'~' => (Qualifier::SoftFail, &raw[1..]),
            b'?' => (Qualifier::Neutral, &raw[1..]),
            _ => (Qualifier::Pass, raw),
        };
        let split = body.find([':', '/']).unwrap_or(body.len());
        let arg = &body[split..];
        let Some(name) = Mechanism::parse(&body[..split]) else {
            issues.error(
                field,
                Code::SpfUnknownMechanism,
                format!(
                    "\"{raw}\": \"{}\" is not an SPF mechanism (all, include, a, mx, ptr, ip4, ip6, exists).",
                    body[..split].to_ascii_lowercase()
                ),
            );
            continue;
        };
        if let Err((code, why)) = check_mechanism(name, arg) {
            issues.error(field, code, format!("\"{raw}\": {why}."));
            continue;
        }
        if seen_all {
            issues.warning(
                field,
                Code::SpfAfterAll,
                format!("\"{raw}\" comes after all and is never evaluated; move it before all."),
            );
        }
        if name == Mechanism::All {
            seen_all = true;
            if qualifier == Qualifier::Pass {
                issues.warning(
                    field,
                    Code::SpfPlusAll,
                    "+all lets every server on the internet send as this domain: use ~all or -all.",
                );
            }
        }
        if name == Mechanism::Ptr {
            issues.warning(field, Code::SpfPtrDeprecated, "ptr is slow and unreliable and RFC 7208 says not to use it: list the senders with ip4, ip6 or include.");
        }
        terms.push(Term::Mechanism {
            qualifier,
            name,
            arg: arg.to_owned(),
        });
    }
    if redirects > 1 {
        issues.error(field, Code::SpfDuplicateModifier, "redirect= appears more than once, which makes the record a permanent error (RFC 7208 §6).");
    }
    if exps > 1 {
        issues.error(
            field,
            Code::SpfDuplicateModifier,
            "exp= appears more than once, which makes the record a permanent error (RFC 7208 §6).",
        );
    }
    let lookups = terms.iter().filter(|t| t.queries_dns()).count();
    if lookups > LOOKUP_LIMIT {
        issues.error(
            field,
            Code::SpfLookupLimit,
            format!("The record has {lookups} terms that query DNS (include, a, mx, ptr, exists, redirect); the limit is {LOOKUP_LIMIT}. Replace some with ip4/ip6 ranges."),
        );
    }
    if !seen_all && redirects == 0 {
        issues.hint(field, Code::SpfNoAll, "The record ends without all, so unlisted senders get neutral: end it with ~all or -all.");
    }
    if trimmed.len() > 255 {
        issues.hint(field, Code::SpfTooLong, format!("The record is {} characters; publish it as several strings of at most 255 in one TXT record.", trimmed.len()));
    }
    Report::new(Some(SpfRecord { terms, lookups }), issues)
}

/// Lints the TXT records published at a name: more than one SPF record is itself a
/// permerror (§4.5).
pub fn check_spf_set(txt_records: &[String]) -> Report<SpfRecord> {
    let spf: Vec<&String> = txt_records
        .iter()
        .filter(|t| is_spf(t.trim_start()))
        .collect();
    if spf.len() > 1 {
        let mut issues = Issues::new();
        issues.error("record", Code::SpfMultipleRecords, format!("{} SPF records are published; receivers then fail SPF for every message. Merge them into one.", spf.len()));
        return Report::new(None, issues);
    }
    if let Some(r) = spf.first() {
        check_spf(r)
    } else {
        let mut issues = Issues::new();
        issues.error(
            "record",
            Code::SpfNotSpf,
            "No SPF record is published (no TXT record starts with v=spf1).",
        );
        Report::new(None, issues)
    }
}

/// Adds `include:<domain>` to an existing record (or makes a new one), placing it
/// before `all` or `redirect=` so it is evaluated. The seed's example: `v=spf1 mx ~all`
/// becomes `v=spf1 mx include:amazonses.com ~all`.
pub fn merge_include(existing: Option<&str>, include: &str) -> Report<String> {
    let mut issues = Issues::new();
    let include = include.trim().to_ascii_lowercase();
    if !is_domain_spec(&include) {
        issues.error(
            "include",
            Code::SpfSyntax,
            format!("\"{include}\" is not a domain to include, such as amazonses.com."),
        );
        return Report::new(None, issues);
    }
    let existing = existing.map(str::trim).filter(|s| !s.is_empty());
    let Some(existing) = existing else {
        return Report::new(Some(format!("v=spf1 include:{include} ~all")), issues);
    };
    let parsed = check_spf(existing);
    if !parsed.valid {
        let several = parsed
            .issues
            .iter()
            .any(|i| i.code == Code::SpfMultipleRecords);
        issues.extend(parsed.issues);
        if !several {
            issues.error(
                "record",
                Code::SpfSyntax,
                "Fix the existing record first: merging into a broken record would keep it broken.",
            );
        }
        return Report::new(None, issues);
    }
    let Some(mut rec) = parsed.value else {
        return Report::new(None, issues);
    };
    let already = rec.terms.iter().any(|t| {
        matches!(
            t,
            Term::Mechanism {
                name: Mechanism::Include,
                ..
            }
        ) && t.domain().is_some_and(|d| d.eq_ignore_ascii_case(&include))
    });
    if already {
        issues.hint(
            "record",
            Code::SpfIncludePresent,
            format!("The record already includes {include}; nothing to change."),
        );
        return Report::new(Some(rec.text()), issues);
    }
    let pos = rec
        .terms
        .iter()
        .position(Term::ends_evaluation)
        .unwrap_or(rec.terms.len());
    rec.terms.insert(
        pos,
        Term::Mechanism {
            qualifier: Qualifier::Pass,
            name: Mechanism::Include,
            arg: format!(":{include}"),
        },
    );
    let merged = rec.text();
    let after = check_spf(&merged);
    issues.extend(
        after
            .issues
            .into_iter()
            .filter(|i| i.code == Code::SpfLookupLimit || i.code == Code::SpfTooLong),
    );
    Report::new(Some(merged), issues)
}
