//! Email addresses as a mail submission form must accept them.
//!
//! Grammar: RFC 5321 §4.1.2 `Mailbox` (dot-atom or quoted-string local part, domain or
//! address literal) with RFC 6531 §3.3 `UTF8-non-ascii` allowed in `atext` and `qtext`.
//! Comments, folding white space and obsolete syntax of RFC 5322 §3.4.1 are refused:
//! they are valid only inside a message header, never in an SMTP envelope (isemail's
//! CFWS and DEPREC categories). Lengths (RFC 5321 §4.5.3.1): local part 64 octets,
//! address 254 octets (the 256-octet path less its angle brackets), measured with the
//! domain in its ASCII (IDNA) form. Display names (`Jared Dunn <jared@piedpiper.com>`)
//! are parsed by [`parse_mailbox`] and formatted by [`format_mailbox`].

use crate::host::{
    DomainOptions, check_domain_scanned, describe_char, has_empty_label, parse_ipv4_strict,
};
use crate::report::{Code, Issues, Report};
use crate::text::{TextKind, nfc, report_unsafe};
use core::net::Ipv6Addr;
use serde::{Deserialize, Serialize};

/// Which optional syntax an address check accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct AddressOptions {
    /// Accept a quoted local part (`"john doe"@example.com`).
    pub allow_quoted_local: bool,
    /// Accept an address literal domain (`user@[192.0.2.1]`, `user@[IPv6:2001:db8::1]`).
    pub allow_domain_literal: bool,
    /// Accept a non-ASCII local part (needs SMTPUTF8); when off it is an error.
    pub allow_smtputf8: bool,
    /// Accept a dotless domain (`user@localhost`).
    pub allow_dotless: bool,
    /// Accept special-use domains (`.test`, `.local`, `.invalid`, ...).
    pub allow_special_use: bool,
}

impl Default for AddressOptions {
    fn default() -> Self {
        AddressOptions {
            allow_quoted_local: false,
            allow_domain_literal: false,
            allow_smtputf8: true,
            allow_dotless: false,
            allow_special_use: false,
        }
    }
}

/// A checked address in normal form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The local part as it must be sent (case kept: RFC 5321 §2.4; quotes only if needed).
    pub local: String,
    /// The domain in ASCII: lowercase with A-labels, or the literal with its brackets.
    pub domain: String,
    /// The domain for display (U-labels).
    pub unicode_domain: String,
    /// `local@domain` with the ASCII domain: what goes into `MAIL FROM` and `From`.
    pub address: String,
    /// True when the local part is non-ASCII, so sending needs SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
}

const LOCAL_MAX: usize = 64;
const ADDRESS_MAX: usize = 254;

/// RFC 5322 §3.2.3 `atext`, plus RFC 6531 `UTF8-non-ascii`.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

/// RFC 5321 §4.1.2 `qtextSMTP` (printable ASCII except `"` and `\`), plus RFC 6531.
fn is_qtext(c: char) -> bool {
    matches!(c, ' '..='!' | '#'..='[' | ']'..='~') || (!c.is_ascii() && !c.is_control())
}

/// Checks an email address typed into a form field named `address`.
pub fn check_address(input: &str, opts: AddressOptions) -> Report<Address> {
    let mut issues = Issues::new();
    let v = check_address_into(input, "address", opts, &mut issues);
    Report::new(v, issues)
}

/// [`check_address`] writing its issues under `field`.
#[allow(
    clippy::too_many_lines,
    reason = "one linear pass over the grammar reads best in one place"
)]
pub fn check_address_into(
    input: &str,
    field: &str,
    opts: AddressOptions,
    issues: &mut Issues,
) -> Option<Address> {
    let before = issues.error_count();
    if input.is_empty() {
        issues.error(
            field,
            Code::AddressEmpty,
            "Enter an email address, such as jared@piedpiper.com.",
        );
        return None;
    }
    let s = input.trim_matches(|c: char| c == ' ' || c == '\t');
    if s.len() != input.len() {
        issues.error(
            field,
            Code::AddressWhitespace,
            "Remove the spaces before or after the address.",
        );
        if s.is_empty() {
            return None;
        }
    }
    if report_unsafe(s, TextKind::Address, field, "address", issues) {
        return None;
    }
    // In ASCII only controls are unsafe, whatever the kind of text: the domain after @
    // passed with the whole, and is not scanned again.
    let scanned = s.is_ascii();
    if s.ends_with('>') && s.contains('<') {
        issues.error(
            field,
            Code::AddressDisplayName,
            "Enter only the address (jared@piedpiper.com) here; the name goes in the From name field.",
        );
        return None;
    }

    // Local part.
    let (local, rest, quoted, mut typed_len) = if let Some(body) = s.strip_prefix('"') {
        let mut content = String::new();
        let mut end = None;
        let mut chars = body.char_indices();
        let mut bad = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(i);
                    break;
                }
                '\\' => match chars.next() {
                    Some((_, q)) if matches!(q, ' '..='~') => content.push(q),
                    Some((_, q)) => {
                        bad.get_or_insert(q);
                    }
                    None => {}
                },
                c if is_qtext(c) => content.push(c),
                c => {
                    bad.get_or_insert(c);
                }
            }
        }
        let Some(end) = end else {
            issues.error(
                field,
                Code::AddressQuotedInvalid,
                "The quoted part of the address has no closing quote (\").",
            );
            return None;
        };
        if let Some(c) = bad {
            issues.error(
                field,
                Code::AddressQuotedInvalid,
                format!(
                    "The quoted part of the address has {}, which is not allowed even in quotes.",
                    describe_char(c)
                ),
            );
            return None;
        }
        let after = &body[end + 1..];
        let Some(rest) = after.strip_prefix('@') else {
            if after.is_empty() {
                issues.error(
                    field,
                    Code::AddressMissingAt,
                    "The address needs an @ and a domain after the quoted part.",
                );
            } else {
                issues.error(
                    field,
                    Code::AddressLocalInvalidChar,
                    "Nothing may follow the closing quote except @ and the domain.",
                );
            }
            return None;
        };
        (content, rest, true, end + 2)
    } else {
        let Some(at) = s.find('@') else {
            issues.error(
                field,
                Code::AddressMissingAt,
                format!("\"{s}\" is missing the @: an address looks like name@example.com."),
            );
            return None;
        };
        (s[..at].to_owned(), &s[at + 1..], false, at)
    };

    // RFC 6532 §3.1: a non-ASCII local part is checked and measured in NFC, so a
    // character that normalizes to an ASCII special (U+037E to ';') is caught.
    let local = if local.is_ascii() {
        local
    } else {
        let normal = nfc(&local).into_owned();
        if !quoted {
            typed_len = normal.len();
        }
        normal
    };
    // Quotes can hide a part's start (`"\u{33F}x"@example.com` loses them below): the
    // unquoted content is checked as well (found by `bench/fuzz address`).
    if quoted && report_unsafe(&local, TextKind::Address, field, "address", issues) {
        return None;
    }
    if quoted {
        let needs_quotes = local.is_empty() || !is_dot_atom(&local);
        if !opts.allow_quoted_local {
            issues.error(
                field,
                Code::AddressQuotedLocal,
                "Quoted local parts (\"...\"@example.com) are refused by most mail systems: use a plain address.",
            );
        } else if !needs_quotes {
            issues.hint(
                field,
                Code::AddressUnnecessaryQuotes,
                "The quotes are not needed; the address is kept without them.",
            );
        }
    } else {
        check_dot_atom_local(&local, field, opts, issues);
    }

    // Domain.
    if !rest.starts_with('[') && rest.contains('@') {
        issues.error(
            field,
            Code::AddressMultipleAt,
            "The address has more than one @; keep only one, between name and domain.",
        );
        return None;
    }
    if rest.is_empty() {
        issues.error(
            field,
            Code::DomainEmpty,
            "Enter the domain after @, such as example.com.",
        );
        return None;
    }
    let (domain, unicode_domain) = if let Some(lit) = rest.strip_prefix('[') {
        let Some(inner) = lit.strip_suffix(']') else {
            issues.error(
                field,
                Code::AddressLiteralInvalid,
                "The address literal is missing its closing bracket ].",
            );
            return None;
        };
        if !opts.allow_domain_literal {
            issues.error(
                field,
                Code::AddressDomainLiteral,
                "Addresses with an IP address instead of a domain ([192.0.2.1]) are not accepted here: use a domain.",
            );
        }
        if !is_address_literal(inner) {
            issues.error(
                field,
                Code::AddressLiteralInvalid,
                format!("[{inner}] is not a valid address literal: use [192.0.2.1] or [IPv6:2001:db8::1]."),
            );
            return None;
        }
        (format!("[{inner}]"), format!("[{inner}]"))
    } else {
        let dopts = DomainOptions {
            allow_underscore: false,
            allow_dotless: opts.allow_dotless,
            allow_special_use: opts.allow_special_use,
            allow_trailing_dot: false,
            refuse_reserved_hyphens: false,
            host_name: false,
        };
        let d = check_domain_scanned(rest, field, "domain", dopts, scanned, issues)?;
        (d.ascii, d.unicode)
    };

    let smtputf8 = !local.is_ascii();
    let local_out = if quoted && (local.is_empty() || !is_dot_atom(&local)) {
        quote_local(&local)
    } else {
        local
    };
    // RFC 5321 §4.5.3.1.1 measures the local part as written, quotes and escapes included.
    let local_len = typed_len.max(local_out.len());
    if local_len > LOCAL_MAX {
        issues.error(
            field,
            Code::AddressLocalTooLong,
            format!(
                "The part before @ is {local_len} octets long; the limit is {LOCAL_MAX} (RFC 5321)."
            ),
        );
    }
    let address = [local_out.as_str(), "@", domain.as_str()].concat();
    if address.len() > ADDRESS_MAX {
        issues.error(
            field,
            Code::AddressTooLong,
            format!(
                "The address is {} octets long; the limit is {ADDRESS_MAX} (RFC 5321).",
                address.len()
            ),
        );
    }
    if issues.error_count() > before {
        return None;
    }
    Some(Address {
        local: local_out,
        domain,
        unicode_domain,
        address,
        smtputf8,
    })
}

fn check_dot_atom_local(local: &str, field: &str, opts: AddressOptions, issues: &mut Issues) {
    if local.is_empty() {
        issues.error(
            field,
            Code::AddressLocalEmpty,
            "Enter the part before @, such as jared in jared@piedpiper.com.",
        );
        return;
    }
    if local.starts_with('.') || local.ends_with('.') || has_empty_label(local) {
        issues.error(
            field,
            Code::AddressLocalDot,
            "The part before @ may not start or end with a dot or have two dots in a row.",
        );
    }
    if let Some(c) = local.chars().find(|c| *c != '.' && !is_atext(*c)) {
        issues.error(
            field,
            Code::AddressLocalInvalidChar,
            format!(
                "The part before @ has {}, which is not allowed in an email address.",
                describe_char(c)
            ),
        );
    } else if !local.is_ascii() {
        if opts.allow_smtputf8 {
            issues.warning(
                field,
                Code::AddressSmtputf8,
                "The part before @ has non-ASCII letters: it needs SMTPUTF8 (RFC 6531), which Amazon SES and many servers do not support.",
            );
        } else {
            issues.error(
                field,
                Code::AddressSmtputf8,
                "The part before @ has non-ASCII letters, which this mail system cannot send (no SMTPUTF8): use ASCII letters.",
            );
        }
    }
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|a| !a.is_empty() && a.chars().all(is_atext))
}

fn quote_local(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// RFC 5321 §4.1.3 address literal content: IPv4, or `IPv6:` followed by IPv6-full,
/// IPv6-comp (where `::` stands for at least two groups, so at most six explicit groups)
/// or IPv6v4 forms.
fn is_address_literal(inner: &str) -> bool {
    if let Some(v6) = inner
        .strip_prefix("IPv6:")
        .or_else(|| inner.strip_prefix("ipv6:"))
    {
        if v6.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        let (groups, tail_v4) = match v6.rfind(':') {
            Some(i) if v6[i + 1..].contains('.') => (&v6[..=i], true),
            _ => (v6, false),
        };
        let explicit =
            groups.split(':').filter(|g| !g.is_empty()).count() + if tail_v4 { 2 } else { 0 };
        let compressed = v6.contains("::");
        return if compressed {
            explicit <= 6
        } else {
            explicit == 8
        };
    }
    parse_ipv4_strict(inner).is_some()
}

/// A mailbox with an optional display name, as in a From header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    /// The display name, unquoted; empty when none.
    pub name: String,
    /// The address.
    pub address: Address,
    /// The header form, quoting the name when RFC 5322 requires it.
    pub formatted: String,
}

/// Parses `Jared Dunn <jared@piedpiper.com>`, `"Dunn, Jared" <jared@piedpiper.com>` or a
/// bare address (RFC 5322 §3.4 `name-addr` / `addr-spec`).
pub fn parse_mailbox(input: &str, opts: AddressOptions) -> Report<Mailbox> {
    let mut issues = Issues::new();
    let field = "mailbox";
    let s = input.trim();
    let (name, addr) = match (s.rfind('<'), s.ends_with('>')) {
        (Some(lt), true) => {
            let raw = s[..lt].trim();
            let name = if let Some(q) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                q.replace("\\\"", "\"").replace("\\\\", "\\")
            } else {
                raw.to_owned()
            };
            (name, &s[lt + 1..s.len() - 1])
        }
        _ => (String::new(), s),
    };
    check_display_name(&name, field, &mut issues);
    let address = check_address_into(addr, field, opts, &mut issues);
    let v = address.map(|a| Mailbox {
        formatted: format_mailbox(&name, &a.address),
        name,
        address: a,
    });
    Report::new(v, issues)
}

/// Adds an error when a display name has a line break or control character (header
/// injection) and returns whether it is usable.
pub fn check_display_name(name: &str, field: &str, issues: &mut Issues) -> bool {
    if report_unsafe(name, TextKind::DisplayName, field, "name", issues) {
        return false;
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        issues.error(
            field,
            Code::SmtpFromNameInvalid,
            format!(
                "The name has {}; remove it (a name must be one line of text).",
                describe_char(c)
            ),
        );
        return false;
    }
    true
}

/// Formats `name <address>`, quoting the name when it has RFC 5322 `specials` (§3.2.3)
/// and escaping `"` and `\`. A name of non-ASCII text is left for the mailer to encode
/// as an RFC 2047 encoded-word.
pub fn format_mailbox(name: &str, address: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        return address.to_owned();
    }
    let needs_quotes = name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c));
    if needs_quotes {
        format!("{} <{address}>", quote_local(name))
    } else {
        format!("{name} <{address}>")
    }
}

#[cfg(test)]
mod tests;
