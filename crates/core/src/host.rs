//! Hostnames, mail domains, DNS record names and IP literals.
//!
//! Domain syntax follows RFC 1035 §2.3.1 (letters, digits, hyphens; labels of at most 63
//! octets; names of at most 253 octets written without the root dot) as relaxed by
//! RFC 1123 §2.1 (labels may start with a digit). Internationalized names go through
//! UTS #46 with `UseSTD3ASCIIRules`, `CheckBidi`, `CheckJoiners` and `VerifyDnsLength`
//! (the `idna` crate's strict API; `idna::domain_to_ascii` would accept `ex ample.com`).
//! `CheckHyphens` is applied only to the first and last position of a label: real host
//! names such as `r3---sn-abc.example.com` have hyphens in positions 3 and 4, which
//! UTS #46's full `CheckHyphens` (status V2 in IdnaTestV2) would reject.
//!
//! DNS record names (as opposed to host names) may contain `_` labels (`_dmarc`,
//! `s1._domainkey`), RFC 8552.

use crate::report::{Code, Issues, Report};
use crate::text::{TextKind, report_unsafe};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Serialize};

/// Top-level names that never resolve on the public internet: RFC 6761 (`localhost`,
/// `invalid`, `test`), RFC 6762 (`local`), RFC 7686 (`onion`), RFC 9476 (`alt`), the
/// infrastructure domain `arpa` (RFC 3172) and ICANN's private-use `internal`.
pub const SPECIAL_USE_TLDS: &[&str] = &[
    "localhost",
    "invalid",
    "test",
    "local",
    "onion",
    "arpa",
    "alt",
    "internal",
];

/// What a domain check tolerates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct DomainOptions {
    /// Allow `_` in labels (DNS record names such as `_dmarc.example.com`).
    pub allow_underscore: bool,
    /// Allow a single-label name such as `mailhost`.
    pub allow_dotless: bool,
    /// Allow special-use names such as `localhost` or `example.test`.
    pub allow_special_use: bool,
    /// Allow one trailing root dot (`example.com.`), which is dropped in the normal form.
    pub allow_trailing_dot: bool,
    /// Refuse (rather than warn about) hyphens in the third and fourth positions of a
    /// label that is not an A-label: for a new identity's domain.
    pub refuse_reserved_hyphens: bool,
    /// The name is a server's host name (or a DNS record name) rather than a mail domain:
    /// a top-level label that is not letters or an A-label is a warning, not an error.
    pub host_name: bool,
}

/// A checked domain name in both of its forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    /// ASCII form, lowercase, A-labels for internationalized labels, no trailing dot.
    pub ascii: String,
    /// Unicode form for display (U-labels).
    pub unicode: String,
}

/// Names a character for a message: "a space", "a line break", "'x'".
pub(crate) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\r' | '\n' => "a line break".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

/// The strict UTS #46 ToASCII Sendready applies to host and mail domains.
///
/// `UseSTD3ASCIIRules`, first/last-position hyphen checks and `VerifyDnsLength` on; see
/// the module documentation for why positions 3 and 4 are not checked.
pub fn idna_to_ascii(input: &str) -> Result<String, idna::Errors> {
    Uts46::new()
        .to_ascii(
            input.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Verify,
        )
        .map(std::borrow::Cow::into_owned)
}

/// Checks a domain name and adds issues for `field`; returns the normal form when the
/// name is usable (no errors were added).
pub fn check_domain_into(
    input: &str,
    field: &str,
    what: &str,
    opts: DomainOptions,
    issues: &mut Issues,
) -> Option<DomainName> {
    check_domain_scanned(input, field, what, opts, false, issues)
}

/// [`check_domain_into`]; `scanned`: the caller found no unsafe character in an all-ASCII
/// text holding `input` (an address), so the scan is not made again.
#[allow(
    clippy::too_many_lines,
    reason = "the checks run in the order UTS #46 and RFC 1035 state them"
)]
pub(crate) fn check_domain_scanned(
    input: &str,
    field: &str,
    what: &str,
    opts: DomainOptions,
    scanned: bool,
    issues: &mut Issues,
) -> Option<DomainName> {
    let errors_before = issues.error_count();
    if input.is_empty() {
        issues.error(
            field,
            Code::DomainEmpty,
            format!("Enter the {what}, for example example.com."),
        );
        return None;
    }
    if !scanned && report_unsafe(input, TextKind::Domain, field, what, issues) {
        return None;
    }
    let mut name = input;
    if opts.allow_trailing_dot && name.len() > 1 {
        name = name.strip_suffix('.').unwrap_or(name);
    }
    if name.starts_with('.') || name.ends_with('.') || has_empty_label(name) {
        issues.error(
            field,
            Code::DomainEmptyLabel,
            format!("The {what} \"{input}\" has an empty part: remove the dot at the start or end, or the doubled dot."),
        );
        return None;
    }
    // ASCII labels first, for specific messages; non-ASCII labels are IDNA's to judge.
    let mut has_underscore = false;
    // All ASCII with no A-label: the fast path below (issue 26).
    let mut fast = true;
    for label in labels(name) {
        // One pass over the label's bytes: its first byte that is not a letter, digit,
        // hyphen or underscore, and whether it has an underscore or a non-ASCII byte.
        let mut odd = None;
        let mut underscore = false;
        let mut non_ascii = false;
        for (i, b) in label.bytes().enumerate() {
            if b == b'_' {
                underscore = true;
            } else if !(b.is_ascii_alphanumeric() || b == b'-') {
                non_ascii |= !b.is_ascii();
                odd.get_or_insert(i);
            }
        }
        if non_ascii {
            fast = false;
            // An underscore label is set aside from UTS #46 below, so it must be all
            // ASCII here (found by `bench/fuzz host`: `_x/é` passed unchecked).
            if underscore {
                issues.error(
                    field,
                    Code::DomainInvalidChar,
                    format!("The part \"{label}\" of the {what} has an underscore and non-ASCII characters; a label with an underscore (_dmarc, s1._domainkey) may have only ASCII letters, digits, hyphens and underscores."),
                );
            }
            continue;
        }
        if let Some(c) = odd.map(|i| char::from(label.as_bytes()[i])) {
            let tip = if c == '@' {
                " It looks like an email address; enter only the part after @."
            } else if c == ' ' {
                " Remove the space."
            } else {
                ""
            };
            issues.error(
                field,
                Code::DomainInvalidChar,
                format!("The {what} has {} in \"{label}\": use only letters, digits, hyphens and dots.{tip}", describe_char(c)),
            );
            continue;
        }
        let a_label = is_a_label(label);
        fast &= !a_label;
        if underscore && a_label {
            // Found by `bench/fuzz host`: an `xn--` label with an underscore skipped UTS #46
            // and decoded to U+FFFD.
            issues.error(
                field,
                Code::DomainIdnaInvalid,
                format!("The part \"{label}\" of the {what} starts with xn--, which marks an encoded international name, but has an underscore, which none may have."),
            );
            continue;
        }
        if underscore {
            has_underscore = true;
            if !opts.allow_underscore {
                issues.error(
                    field,
                    Code::DomainUnderscore,
                    format!("The {what} has an underscore in \"{label}\"; underscores belong only in DNS record names such as _dmarc. Use a hyphen instead."),
                );
                continue;
            }
        }
        if label.starts_with('-') || label.ends_with('-') {
            issues.error(
                field,
                Code::DomainLabelHyphen,
                format!("The part \"{label}\" of the {what} starts or ends with a hyphen; hyphens may only appear inside a label."),
            );
        }
        if label.len() > 63 {
            issues.error(
                field,
                Code::DomainLabelTooLong,
                format!("The part \"{}…\" of the {what} is {} characters long; each part between dots may have at most 63.", &label[..20], label.len()),
            );
        }
    }
    if issues.error_count() > errors_before {
        return None;
    }
    // UTS #46 mapping and validation. Underscore labels are ASCII and already checked;
    // they are set aside so STD3 rules apply to every other label. An all-ASCII name
    // without an A-label (the common case, issue 26) maps to its lowercase form: every
    // label was checked as letters, digits, hyphens (not first or last) and underscores
    // above, which is all UTS #46 checks of ASCII (`uts46_is_lowercase_for_ascii`).
    let ascii = if fast {
        name.to_ascii_lowercase()
    } else if has_underscore {
        let mut parts = Vec::new();
        for label in name.split('.') {
            if label.contains('_') {
                parts.push(label.to_ascii_lowercase());
            } else if let Ok(a) = Uts46::new().to_ascii(
                label.as_bytes(),
                AsciiDenyList::STD3,
                Hyphens::CheckFirstLast,
                DnsLength::Ignore,
            ) {
                parts.push(a.into_owned());
            } else {
                idna_error(field, what, input, issues);
                return None;
            }
        }
        parts.join(".")
    } else if let Ok(a) = Uts46::new().to_ascii(
        name.as_bytes(),
        AsciiDenyList::STD3,
        Hyphens::CheckFirstLast,
        DnsLength::Ignore,
    ) {
        a.into_owned()
    } else {
        idna_error(field, what, input, issues);
        return None;
    };
    // Only an A-label decodes to something else; an all-ASCII name without one is its own
    // Unicode form (the common case, so it skips the second UTS #46 pass).
    let has_a_label = !fast && labels(&ascii).any(|l| l.starts_with("xn--"));
    let unicode: std::borrow::Cow<'_, str> = if has_a_label {
        Uts46::new()
            .to_unicode(ascii.as_bytes(), AsciiDenyList::EMPTY, Hyphens::Allow)
            .0
    } else {
        std::borrow::Cow::Borrowed(ascii.as_str())
    };
    // UTS #46 ToUnicode writes U+FFFD where a label fails, for instance the Bidi Rule
    // across labels that the per-label pass beside an underscore label cannot see (found
    // by `bench/fuzz host`); U+FFFD in the input itself was refused above.
    if !fast
        && unicode
            .chars()
            .any(|c| c == '\u{FFFD}' || is_unassigned_plane3(c))
    {
        idna_error(field, what, input, issues);
        return None;
    }
    // UTS #46 V4: a decoded label must not itself begin with "xn--" (the idna crate applies
    // it only under full CheckHyphens, which Sendready relaxes).
    if ascii
        .split('.')
        .zip(unicode.split('.'))
        .any(|(a, u)| a != u && a.starts_with("xn--") && u.starts_with("xn--"))
    {
        idna_error(field, what, input, issues);
        return None;
    }
    // On the fast path the labels are the input's, checked above.
    if !fast
        && (ascii.is_empty()
            || ascii.starts_with('.')
            || ascii.ends_with('.')
            || has_empty_label(&ascii))
    {
        // A Unicode full stop (U+3002 and friends) maps to '.', which can make labels empty.
        issues.error(
            field,
            Code::DomainEmptyLabel,
            format!("The {what} \"{input}\" has an empty part between dots."),
        );
        return None;
    }
    for label in labels(&ascii).filter(|_| !fast) {
        if label.len() > 63 {
            issues.error(
                field,
                Code::DomainLabelTooLong,
                format!("The part \"{label}\" of the {what} is {} octets long in DNS form; the limit is 63.", label.len()),
            );
        }
    }
    if ascii.len() > 253 {
        issues.error(
            field,
            Code::DomainTooLong,
            format!(
                "The {what} is {} octets long in DNS form; the limit is 253.",
                ascii.len()
            ),
        );
    }
    let dotless = !ascii.as_bytes().contains(&b'.');
    let tld = ascii.rfind('.').map_or(ascii.as_str(), |i| &ascii[i + 1..]);
    if dotless && !opts.allow_dotless {
        issues.error(
            field,
            Code::DomainDotless,
            format!("\"{input}\" has no dot, so it is not a public domain: enter the full name, such as {input}.com or mail.{input}.com."),
        );
    } else if !dotless && tld.bytes().all(|b| b.is_ascii_digit()) {
        issues.error(
            field,
            Code::DomainNumericTld,
            format!("\"{input}\" ends in a number; no top-level domain is numeric. Check for a typo, or enter an IP address in full."),
        );
    }
    // Every top-level domain in the root zone is letters or an A-label (RFC 1123 §2.1
    // rules out all-numeric ones, caught above; ICANN's Applicant Guidebook §2.2.1.3.2
    // requires letters). A mail domain is one the customer registered, so anything else
    // is a typo (`example.c0m`); a server's host may live under a private name.
    if !dotless
        && !tld.bytes().all(|b| b.is_ascii_digit())
        && !tld.starts_with("xn--")
        && !tld.bytes().all(|b| b.is_ascii_alphabetic())
    {
        let message = format!(
            "\"{input}\" ends in \".{tld}\"; a public top-level domain has only letters. Check for a typo (a digit or hyphen in place of a letter)."
        );
        if opts.host_name || opts.allow_underscore {
            issues.warning(field, Code::DomainTldInvalid, message);
        } else {
            issues.error(field, Code::DomainTldInvalid, message);
        }
    }
    // Hyphens in the third and fourth positions mark an IDNA-encoded label (`xn--`, RFC
    // 5891 §4.2.3.1 reserves every other `??--` prefix). Real host names carry them
    // (`r3---sn-abc.googlevideo.com`), so for a server's host they are a warning; a new
    // identity's domain is one the customer registers and SES signs, where a reserved
    // label is refused so a lookalike tagging (`ab--cd`) never becomes a verified sender.
    for label in labels(&ascii) {
        let b = label.as_bytes();
        if b.len() >= 4 && &b[2..4] == b"--" && !label.starts_with("xn--") {
            let message = format!(
                "The part \"{label}\" of the {what} has hyphens in its third and fourth places, which DNS reserves for encoded international names (xn--). {}",
                if opts.refuse_reserved_hyphens {
                    "Choose a domain without them."
                } else {
                    "Check the name; it works only if the server really is named so."
                }
            );
            if opts.refuse_reserved_hyphens {
                issues.error(field, Code::DomainReservedHyphens, message);
            } else {
                issues.warning(field, Code::DomainReservedHyphens, message);
            }
        }
    }
    if !opts.allow_special_use && SPECIAL_USE_TLDS.contains(&tld) {
        issues.error(
            field,
            Code::DomainSpecialUse,
            format!("\"{input}\" is a special-use name (.{tld}) that never resolves on the public internet; use your real domain."),
        );
    }
    if issues.error_count() > errors_before {
        return None;
    }
    Some(DomainName {
        unicode: unicode.into_owned(),
        ascii,
    })
}

/// The labels of a name, split at its dots as `split('.')` splits it, by a byte scan: a
/// `char` pattern's searcher costs more per label than the label's own checks (a name of
/// 127 one-letter labels took an eighth of the isemail corpus's time; issue 26).
pub(crate) fn labels(name: &str) -> impl Iterator<Item = &str> + '_ {
    let mut rest = Some(name);
    std::iter::from_fn(move || {
        let r = rest?;
        if let Some(i) = r.bytes().position(|b| b == b'.') {
            rest = Some(&r[i + 1..]);
            Some(&r[..i])
        } else {
            rest = None;
            Some(r)
        }
    })
}

/// True when a label starts with `xn--` in any case: an A-label, which UTS #46 decodes.
fn is_a_label(label: &str) -> bool {
    label
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
}

/// True when a name has two dots in a row (an empty label). A byte scan: `str::contains`
/// with a string needle builds a substring searcher, which costs more than the whole
/// scan on names this short, and this runs on every keystroke.
pub(crate) fn has_empty_label(name: &str) -> bool {
    name.as_bytes().windows(2).any(|w| w == b"..")
}

/// UTS #46 V7 for code points the `idna` crate's tables (Unicode 16) pass: plane 3 past
/// CJK Extension J (U+323B0..=U+3347F, Unicode 17) is unassigned, hence disallowed.
fn is_unassigned_plane3(c: char) -> bool {
    ('\u{33480}'..='\u{3FFFF}').contains(&c)
}

fn idna_error(field: &str, what: &str, input: &str, issues: &mut Issues) {
    issues.error(
        field,
        Code::DomainIdnaInvalid,
        format!("The {what} \"{input}\" is not a valid internationalized domain name (IDNA2008/UTS #46): check for mixed scripts, symbols or a malformed xn-- label."),
    );
}

/// Checks a mail or identity domain (`example.com`, `bücher.de`).
pub fn check_domain(input: &str) -> Report<DomainName> {
    let mut issues = Issues::new();
    let v = check_domain_into(
        input,
        "domain",
        "domain",
        DomainOptions::default(),
        &mut issues,
    );
    Report::new(v, issues)
}

/// Checks a DNS record name; `_` labels and a trailing root dot are allowed.
pub fn check_dns_name(input: &str) -> Report<DomainName> {
    let mut issues = Issues::new();
    let opts = DomainOptions {
        allow_underscore: true,
        allow_trailing_dot: true,
        ..DomainOptions::default()
    };
    let v = check_domain_into(input, "name", "record name", opts, &mut issues);
    Report::new(v, issues)
}

/// What the SMTP host field tolerates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct HostOptions {
    /// Allow loopback, private and link-local addresses and names such as `localhost`
    /// (a local test stack); a hosted platform must refuse them (server-side request
    /// forgery into its own network).
    pub allow_private: bool,
    /// Allow a single-label host name such as `mailhost`.
    pub allow_dotless: bool,
}

/// What kind of host was entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    /// A DNS name.
    Domain,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
}

/// A checked SMTP server host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Host {
    /// Name or address.
    pub kind: HostKind,
    /// What to connect to: the ASCII domain, or the address in canonical text form.
    pub ascii: String,
    /// For display.
    pub unicode: String,
    /// A port that was typed into the host field (`smtp.gmail.com:587`), if any.
    pub port_in_host: Option<u16>,
}

/// True for addresses a hosted service must not connect to on a customer's behalf.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (RFC 4193)
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, RFC 3879)
                || v6.is_multicast()
                // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1): any IPv4 inside.
                || s[..6] == [0; 6]
                // NAT64: the well-known prefix 64:ff9b::/96 (RFC 6052) and the local-use
                // 64:ff9b:1::/48 (RFC 8215) reach IPv4 through a translator, inside too.
                || (s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1))
                // 6to4 2002::/16 (RFC 3056, deprecated by RFC 7526) and Teredo 2001::/32
                // (RFC 4380): tunnels to any IPv4.
                || s[0] == 0x2002
                || (s[0] == 0x2001 && s[1] == 0)
                // Discard-only 100::/64 (RFC 6666).
                || (s[0] == 0x0100 && s[1..4] == [0; 3])
        }
    }
}

fn is_private_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments 192.0.0.0/24
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || o[0] >= 240 // reserved 240.0.0.0/4 (and the broadcast address)
}

/// Checks the SMTP server host field: a host name, an IPv4 address or an IPv6 address
/// (with or without brackets). Recognizes a URL scheme, a port, a path or an email
/// address typed into the field and says what to do instead.
pub fn check_host(input: &str, opts: HostOptions) -> Report<Host> {
    let mut issues = Issues::new();
    let host = check_host_into(input, "host", opts, &mut issues);
    Report::new(host, issues)
}

/// [`check_host`] writing into an existing issue list under `field`.
pub fn check_host_into(
    input: &str,
    field: &str,
    opts: HostOptions,
    issues: &mut Issues,
) -> Option<Host> {
    if input.trim().is_empty() {
        issues.error(
            field,
            Code::HostEmpty,
            "Enter the SMTP server's host name, for example smtp.example.com.",
        );
        return None;
    }
    let trimmed = input.trim();
    if trimmed.len() != input.len() {
        issues.error(
            field,
            Code::HostWhitespace,
            "Remove the spaces before or after the host name.",
        );
    }
    let mut rest = trimmed;
    if let Some(idx) = rest.find("://") {
        let scheme = &rest[..idx];
        let tip = if scheme.eq_ignore_ascii_case("smtps") {
            " For smtps, choose the SSL/TLS security mode and port 465."
        } else {
            ""
        };
        issues.error(
            field,
            Code::HostHasScheme,
            format!("Remove \"{scheme}://\": the host field takes only the server name, such as smtp.example.com.{tip}"),
        );
        rest = &rest[idx + 3..];
    }
    if let Some(idx) = rest.find('/') {
        issues.error(
            field,
            Code::HostHasPath,
            format!(
                "Remove \"{}\": the host field takes only the server name.",
                &rest[idx..]
            ),
        );
        rest = &rest[..idx];
    }
    if let Some(idx) = rest.rfind('@') {
        let after = &rest[idx + 1..];
        issues.error(
            field,
            Code::HostHasUserinfo,
            format!("\"{rest}\" looks like an email address or a login; the host is the server's name (for Gmail, smtp.gmail.com). Put the login in Username."),
        );
        rest = after;
    }
    let mut port_in_host = None;
    // [v6]:port, v4:port or name:port (a single colon followed by digits).
    let mut bracketed = false;
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(end) = inner.find(']') {
            let after = &inner[end + 1..];
            if let Some(p) = after.strip_prefix(':') {
                port_in_host = report_port_in_host(p, field, issues);
            }
            rest = &inner[..end];
            bracketed = true;
        }
    } else if rest.matches(':').count() == 1 {
        let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
        port_in_host = report_port_in_host(p, field, issues);
        rest = h;
    }
    if rest.is_empty() {
        issues.error(
            field,
            Code::HostEmpty,
            "Enter the SMTP server's host name, for example smtp.example.com.",
        );
        return None;
    }
    if bracketed || rest.contains(':') {
        return if let Ok(ip) = rest.parse::<Ipv6Addr>() {
            ip_host(IpAddr::V6(ip), field, opts, port_in_host, issues)
        } else {
            issues.error(
                field,
                Code::HostInvalidIp,
                format!("\"{rest}\" is not a valid IPv6 address."),
            );
            None
        };
    }
    if rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') && rest.bytes().any(|b| b == b'.') {
        return if let Some(ip) = parse_ipv4_strict(rest) {
            ip_host(IpAddr::V4(ip), field, opts, port_in_host, issues)
        } else {
            issues.error(
                field,
                Code::HostInvalidIp,
                format!("\"{rest}\" is not a valid IPv4 address: it needs four numbers from 0 to 255, such as 192.0.2.10."),
            );
            None
        };
    }
    let dopts = DomainOptions {
        allow_underscore: false,
        allow_dotless: opts.allow_dotless || opts.allow_private,
        allow_special_use: opts.allow_private,
        allow_trailing_dot: true,
        refuse_reserved_hyphens: false,
        host_name: true,
    };
    let before = issues.error_count();
    let name = check_domain_into(rest, field, "host name", dopts, issues)?;
    let is_local = name.ascii == "localhost" || name.ascii.ends_with(".localhost");
    if is_local && !opts.allow_private {
        issues.error(field, Code::HostPrivate, private_message(&name.ascii));
    }
    if issues.error_count() > before {
        return None;
    }
    Some(Host {
        kind: HostKind::Domain,
        ascii: name.ascii,
        unicode: name.unicode,
        port_in_host,
    })
}

fn private_message(host: &str) -> String {
    format!(
        "{host} is an address on the platform's own network, not your mail server; enter your SMTP server's public host name."
    )
}

fn report_port_in_host(p: &str, field: &str, issues: &mut Issues) -> Option<u16> {
    let port = p.parse::<u16>().ok().filter(|p| *p > 0);
    let msg = match port {
        Some(n) => format!("Remove \":{p}\" from the host and put {n} in the Port field."),
        None => format!("Remove \":{p}\" from the host; the port has a field of its own."),
    };
    issues.error(field, Code::HostHasPort, msg);
    port
}

fn ip_host(
    ip: IpAddr,
    field: &str,
    opts: HostOptions,
    port_in_host: Option<u16>,
    issues: &mut Issues,
) -> Option<Host> {
    if is_private_ip(ip) && !opts.allow_private {
        issues.error(field, Code::HostPrivate, private_message(&ip.to_string()));
        return None;
    }
    issues.warning(
        field,
        Code::HostIpLiteral,
        "An IP address works only if the server's TLS certificate names it; most certificates name the host, so prefer the host name.",
    );
    let kind = if ip.is_ipv4() {
        HostKind::Ipv4
    } else {
        HostKind::Ipv6
    };
    Some(Host {
        kind,
        ascii: ip.to_string(),
        unicode: ip.to_string(),
        port_in_host,
    })
}

/// Dotted-quad IPv4 with exactly four decimal parts of 0..=255 (RFC 5321 §4.1.3 `Snum`).
pub fn parse_ipv4_strict(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        octets[n] = part.parse::<u8>().ok()?;
        n += 1;
    }
    (n == 4).then_some(Ipv4Addr::from(octets))
}

/// True when `domain` equals `parent` or is a subdomain of it (label-wise, ASCII).
pub fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let p = parent.trim_end_matches('.').to_ascii_lowercase();
    !p.is_empty() && (d == p || d.ends_with(&format!(".{p}")))
}

#[cfg(test)]
mod tests;
