//! The SMTP settings form of both seeds: Zuora's External SMTP fields (host, port,
//! authentication, StartTLS, username, password, OAuth 2.0 provider, SocketFactory port,
//! class and fallback) and FusionAuth's (host, port, security None/SSL/TLS, username,
//! change password, password, default from address and name, additional headers, debug).
//!
//! Security modes: `none`; `tls` is implicit TLS from the first byte (RFC 8314 §3.3,
//! FusionAuth "SSL", Zuora's `javax.net.ssl.SSLSocketFactory`); `starttls` upgrades a
//! plaintext connection (RFC 3207, FusionAuth "TLS", Zuora "SMTP Enable StartTLS").

use crate::address::{
    Address, AddressOptions, check_address_into, check_display_name, format_mailbox,
};
use crate::host::{Host, HostOptions, check_host_into, is_same_or_subdomain};
use crate::provider::{self, Detected, ProviderInput};
use crate::report::{Code, Issues, Report};
use crate::text::{TextKind, report_unsafe};
pub use crate::transport::{AuthMethod, Security};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Which product's form rules apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Rules common to both seeds.
    #[default]
    Generic,
    /// Zuora External SMTP: the username must be the sender's email address.
    Zuora,
    /// FusionAuth tenant email settings.
    Fusionauth,
}

/// Zuora's transport fields, mapped onto [`Security`] and the port by [`zuora_transport`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct ZuoraTransport {
    /// SMTP Enable StartTLS (default false).
    pub enable_starttls: bool,
    /// SMTP SocketFactory Port: required when a class is given; used instead of the port.
    pub socket_factory_port: Option<i64>,
    /// SMTP SocketFactory Class: `javax.net.ssl.SSLSocketFactory` for implicit TLS.
    pub socket_factory_class: Option<String>,
    /// SMTP SocketFactory Fallback (default true): retry with a plain socket on failure.
    pub socket_factory_fallback: Option<bool>,
}

/// The settings form, in the JSON shape the wasm package and the API take (camelCase).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct SmtpSettings {
    /// SMTP server host name or IP address.
    pub host: String,
    /// Port (1..=65535); kept wide so a wrong number is reported, not rejected unread.
    pub port: Option<i64>,
    /// Connection security.
    pub security: Security,
    /// Authentication scheme.
    pub authentication: AuthMethod,
    /// Username.
    pub username: String,
    /// The new password. With `change_password` off and `password_stored` on, the stored
    /// one is kept (FusionAuth "Change password").
    pub password: Option<String>,
    /// FusionAuth "Change password": when off, the stored password stays.
    pub change_password: Option<bool>,
    /// A password is already saved for these settings.
    pub password_stored: bool,
    /// Zuora: the OAuth 2.0 provider's name (required for OAuth 2.0).
    pub oauth2_provider: Option<String>,
    /// Default from address.
    pub from_address: String,
    /// Default from name.
    pub from_name: String,
    /// Additional headers, one `Name=Value` per line (FusionAuth).
    pub additional_headers: String,
    /// Debug output to the event log (FusionAuth).
    pub debug: bool,
    /// Which product's rules apply.
    pub profile: Profile,
    /// Zuora's StartTLS/SocketFactory fields; when present they decide the security mode.
    pub zuora: Option<ZuoraTransport>,
    /// Accept loopback/private hosts (a local test stack only).
    pub allow_private_host: bool,
}

/// One additional header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Header {
    /// Name, as typed.
    pub name: String,
    /// Value, trimmed.
    pub value: String,
}

/// Settings after checking: what a mailer needs to connect and send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SmtpConfig {
    /// Host to connect to.
    pub host: Host,
    /// Port to connect to (Zuora's SocketFactory port when one is set).
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// Authentication.
    pub authentication: AuthMethod,
    /// Trimmed username.
    pub username: String,
    /// Default from address.
    pub from: Option<Address>,
    /// The From header: `Name <address>`, quoted as needed.
    pub from_header: Option<String>,
    /// Additional headers.
    pub headers: Vec<Header>,
    /// The provider recognized from the host.
    pub provider: Option<Detected>,
    /// Debug output.
    pub debug: bool,
}

/// The class Zuora documents for implicit TLS.
pub const SSL_SOCKET_FACTORY: &str = "javax.net.ssl.SSLSocketFactory";

/// Maps Zuora's StartTLS and SocketFactory fields to a security mode and port.
///
/// An SSL socket factory means implicit TLS on the SocketFactory port (or the SMTP port
/// when none is given); otherwise StartTLS true means STARTTLS, else none.
pub fn zuora_transport(z: &ZuoraTransport, port: Option<i64>) -> (Security, Option<i64>) {
    let ssl = z
        .socket_factory_class
        .as_deref()
        .map(str::trim)
        .is_some_and(|c| c == SSL_SOCKET_FACTORY);
    if ssl {
        (Security::Tls, z.socket_factory_port.or(port))
    } else if z.enable_starttls {
        (Security::Starttls, port)
    } else {
        (Security::None, port)
    }
}

/// Headers the mailer sets itself; an additional header must not replace them.
pub const FORBIDDEN_HEADERS: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "return-path",
    "received",
    "dkim-signature",
    "in-reply-to",
    "references",
];

/// The prefixes of headers that steer the sending service rather than describe the
/// message: SES reads `X-SES-CONFIGURATION-SET`, `X-SES-MESSAGE-TAGS`,
/// `X-SES-SOURCE-ARN`, `X-SES-FROM-ARN` and `X-SES-RETURN-PATH-ARN` from a raw message
/// and acts on them (SES Developer Guide, "Sending raw email", headers SES uses), so on
/// a shared account one tenant's header could pick another's configuration set, tags or
/// sending authorization.
pub const TRANSPORT_CONTROL_PREFIXES: &[&str] = &["x-ses-"];

/// The most additional header lines a form may carry.
pub const MAX_HEADER_LINES: usize = 50;
/// The most bytes the additional headers field may hold.
pub const MAX_HEADERS_BYTES: usize = 16 * 1024;
/// The most issues reported for the additional headers before the rest is left out.
pub const MAX_HEADER_ISSUES: usize = 20;

/// Parses the additional headers text (`Name=Value` per line) and reports each problem
/// under `additionalHeaders[line]` (0-based line index).
pub fn parse_additional_headers(text: &str, issues: &mut Issues) -> Vec<Header> {
    let mut out: Vec<Header> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    if text.len() > MAX_HEADERS_BYTES {
        issues.error(
            "additionalHeaders",
            Code::SmtpHeadersTooLarge,
            format!(
                "The additional headers are {} bytes; at most {MAX_HEADERS_BYTES} are accepted. Keep only the headers your mail needs.",
                text.len()
            ),
        );
        return out;
    }
    let before = issues.as_slice().len();
    for (i, line) in text.split('\n').enumerate() {
        if issues.as_slice().len() - before >= MAX_HEADER_ISSUES {
            issues.error(
                "additionalHeaders",
                Code::SmtpHeadersTooLarge,
                format!("More problems follow line {i}; fix these first."),
            );
            break;
        }
        let field = format!("additionalHeaders[{i}]");
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > 998 {
            issues.error(
                &field,
                Code::SmtpHeaderTooLong,
                format!(
                    "Line {} is {} characters long; a header line may have at most 998 (RFC 5322).",
                    i + 1,
                    line.len()
                ),
            );
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            // `Name: value` is the common slip; say what is wrong with the name too, so
            // the fix is not found one refusal at a time.
            let why = line
                .split_once(':')
                .and_then(|(n, _)| refused_name(n.trim()))
                .map(|w| format!(" {w}"))
                .unwrap_or_default();
            let tip = if line.contains(':') {
                " Use = instead of :, for example X-Campaign=Spring."
            } else {
                ""
            };
            issues.error(
                &field,
                Code::SmtpHeaderSyntax,
                format!("Line {} is not Name=Value.{tip}{why}", i + 1),
            );
            continue;
        };
        let name = name.trim();
        let value = value.trim();
        if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
            issues.error(
                &field,
                Code::SmtpHeaderNameInvalid,
                format!("Line {}: the header name \"{name}\" may contain only printable characters without spaces or colons (RFC 5322 §3.6.8).", i + 1),
            );
            continue;
        }
        if report_unsafe(value, TextKind::HeaderValue, &field, "header value", issues) {
            continue;
        }
        if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
            issues.error(
                &field,
                Code::SmtpHeaderValueInvalid,
                format!(
                    "Line {}: the value has the control character U+{:04X}; remove it.",
                    i + 1,
                    c as u32
                ),
            );
            continue;
        }
        if let Some((code, why)) = refused_header(name) {
            issues.error(&field, code, format!("Line {}: {why}", i + 1));
            continue;
        }
        if out.len() >= MAX_HEADER_LINES {
            issues.error(
                &field,
                Code::SmtpHeadersTooLarge,
                format!(
                    "Line {}: at most {MAX_HEADER_LINES} additional headers are accepted.",
                    i + 1
                ),
            );
            break;
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            issues.warning(
                &field,
                Code::SmtpHeaderDuplicate,
                format!(
                    "Line {}: {name} is already given on an earlier line; keep one.",
                    i + 1
                ),
            );
            continue;
        }
        out.push(Header {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }
    out
}

/// Why a header name may not be an additional header, with its code: one the mailer sets
/// for each message, or one that steers the sending service.
fn refused_header(name: &str) -> Option<(Code, String)> {
    let lower = name.to_ascii_lowercase();
    if FORBIDDEN_HEADERS.contains(&lower.as_str()) {
        return Some((
            Code::SmtpHeaderForbidden,
            format!(
                "{name} is set by the mailer for each message; remove it from additional headers."
            ),
        ));
    }
    if TRANSPORT_CONTROL_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Some((
            Code::SmtpHeaderTransportControl,
            format!(
                "{name} steers Amazon SES itself (configuration set, tags, sending authorization), which the platform sets for each tenant; remove it from additional headers."
            ),
        ));
    }
    None
}

/// [`refused_header`]'s reason alone, as a sentence to add to another message.
fn refused_name(name: &str) -> Option<String> {
    refused_header(name).map(|(_, why)| why)
}

fn port_security_advice(port: u16, security: Security, issues: &mut Issues) {
    let msg = match (port, security) {
        (465 | 2465, Security::Starttls | Security::None) => Some(format!(
            "Port {port} expects SSL/TLS from the first byte; with {} the connection waits for a greeting that never comes (\"Read timed out\"). Choose SSL/TLS, or use port 587 with STARTTLS.",
            security.label()
        )),
        (587 | 2587 | 25 | 2525, Security::Tls) => Some(format!(
            "Port {port} expects STARTTLS; implicit SSL/TLS there fails with \"wrong version number\" (Could not convert socket to TLS). Choose STARTTLS, or use port 465 with SSL/TLS."
        )),
        (587 | 2587 | 2525, Security::None) => Some(format!(
            "Servers on port {port} expect STARTTLS and usually refuse to authenticate without it (530 \"Must issue a STARTTLS command first\"). Choose STARTTLS."
        )),
        _ => None,
    };
    if let Some(m) = msg {
        issues.warning("security", Code::SmtpSecurityPortMismatch, m);
    }
}

/// Checks the whole settings form. Cross-field rules (port and security, from and
/// username domains, provider rules) are included.
#[allow(
    clippy::too_many_lines,
    reason = "the form's rules in the order a user reads the form"
)]
pub fn check_smtp_settings(s: &SmtpSettings) -> Report<SmtpConfig> {
    let mut issues = Issues::new();
    let host_opts = HostOptions {
        allow_private: s.allow_private_host,
        allow_dotless: s.allow_private_host,
    };
    let host = check_host_into(&s.host, "host", host_opts, &mut issues);

    // Security and port, Zuora's fields mapped on.
    let (security, raw_port) = match &s.zuora {
        Some(z) => {
            let class = z
                .socket_factory_class
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            if let Some(class) = class {
                if class != SSL_SOCKET_FACTORY {
                    issues.error(
                        "zuora.socketFactoryClass",
                        Code::SmtpSocketFactoryClassUnknown,
                        format!("Set SMTP SocketFactory Class to {SSL_SOCKET_FACTORY} for SSL, or leave it empty."),
                    );
                }
                if z.socket_factory_port.is_none() {
                    issues.error(
                        "zuora.socketFactoryPort",
                        Code::SmtpSocketFactoryPortMissing,
                        "SMTP SocketFactory Port is required when SMTP SocketFactory Class is set (usually 465).",
                    );
                }
                if z.enable_starttls {
                    issues.warning(
                        "zuora.enableStarttls",
                        Code::SmtpSocketFactoryConflict,
                        "StartTLS and an SSL socket factory are both set: the connection is already encrypted by the socket factory, so turn StartTLS off.",
                    );
                }
            }
            zuora_transport(z, s.port)
        }
        None => (s.security, s.port),
    };
    let port_field = if s
        .zuora
        .as_ref()
        .is_some_and(|z| z.socket_factory_port.is_some() && security == Security::Tls)
    {
        "zuora.socketFactoryPort"
    } else {
        "port"
    };
    let port = match raw_port {
        None => {
            issues.error(
                port_field,
                Code::SmtpPortMissing,
                "Enter the port your provider gives: usually 587 (STARTTLS) or 465 (SSL/TLS).",
            );
            None
        }
        Some(p) => match u16::try_from(p) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                issues.error(
                    port_field,
                    Code::SmtpPortRange,
                    format!(
                        "{p} is not a port: enter a number from 1 to 65535, usually 587 or 465."
                    ),
                );
                None
            }
        },
    };
    if let Some(p) = port {
        if !matches!(p, 25 | 465 | 587 | 2465 | 2525 | 2587) {
            issues.hint(port_field, Code::SmtpPortUnusual, format!("Port {p} is unusual for SMTP (25, 465 and 587 are well known); check it with your provider."));
        }
        port_security_advice(p, security, &mut issues);
    }

    // Authentication.
    let username = s.username.trim();
    if username.len() != s.username.len() {
        issues.error(
            "username",
            Code::SmtpUsernameWhitespace,
            "Remove the spaces before or after the username.",
        );
    }
    let password_typed = s.password.as_deref().filter(|p| !p.is_empty());
    let keep_stored = s.password_stored && s.change_password == Some(false);
    match s.authentication {
        AuthMethod::None => {
            if password_typed.is_some() {
                issues.hint(
                    "password",
                    Code::SmtpPasswordUnused,
                    "Authentication is off, so the password is not used.",
                );
            }
            if s.profile == Profile::Zuora {
                issues.error("authentication", Code::SmtpAuthRequired, "Zuora requires an authentication scheme: choose Username/Password or OAuth 2.0.");
            }
        }
        AuthMethod::Password => {
            if username.is_empty() {
                issues.error(
                    "username",
                    Code::SmtpUsernameMissing,
                    "Enter the username your SMTP provider gives you.",
                );
            }
            if keep_stored {
                if password_typed.is_some() {
                    issues.hint("password", Code::SmtpPasswordUnused, "Check \"Change password\" to replace the saved password; otherwise the saved one is kept.");
                }
            } else {
                match password_typed {
                    None => issues.error("password", Code::SmtpPasswordMissing, "Enter the password for the SMTP server."),
                    Some(p) if p.trim() != p => issues.warning(
                        "password",
                        Code::SmtpPasswordWhitespace,
                        "The password starts or ends with a space; re-enter it with no excess whitespace unless the space is really part of it.",
                    ),
                    Some(_) => {}
                }
            }
        }
        AuthMethod::Oauth2 => {
            if username.is_empty() {
                issues.error(
                    "username",
                    Code::SmtpUsernameMissing,
                    "Enter the username (the mailbox the OAuth 2.0 token is for).",
                );
            }
            if s.oauth2_provider
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
            {
                issues.error(
                    "oauth2Provider",
                    Code::SmtpOauth2ProviderMissing,
                    "Choose the OAuth 2.0 provider; create one first under Manage OAuth 2.0 Providers if the list is empty.",
                );
            }
            if password_typed.is_some() {
                issues.hint(
                    "password",
                    Code::SmtpPasswordUnused,
                    "OAuth 2.0 is selected, so the password is not used.",
                );
            }
        }
    }
    if s.profile == Profile::Zuora && !username.is_empty() {
        let mut scratch = Issues::new();
        if check_address_into(
            username,
            "username",
            AddressOptions::default(),
            &mut scratch,
        )
        .is_none()
        {
            issues.error("username", Code::SmtpUsernameNotEmail, "Zuora's SMTP User Name is the sender's email address, such as billing@yourcompany.com.");
        }
    }
    if security == Security::None && s.authentication != AuthMethod::None {
        issues.warning(
            "security",
            Code::SmtpCleartextAuth,
            "With security None, the username and password travel unencrypted: choose STARTTLS or SSL/TLS.",
        );
    }

    // From.
    let from = if s.from_address.is_empty() {
        issues.error(
            "fromAddress",
            Code::SmtpFromMissing,
            "Enter the default from address, such as jared@piedpiper.com.",
        );
        None
    } else {
        check_address_into(
            &s.from_address,
            "fromAddress",
            AddressOptions::default(),
            &mut issues,
        )
    };
    let name_ok = check_display_name(&s.from_name, "fromName", &mut issues);
    if let Some(f) = &from
        && let Some((_, udom)) = username.rsplit_once('@')
    {
        let udom = udom.to_ascii_lowercase();
        let same = is_same_or_subdomain(&f.domain, &udom) || is_same_or_subdomain(&udom, &f.domain);
        if !same && !udom.is_empty() {
            issues.warning(
                    "fromAddress",
                    Code::SmtpFromDomainMismatch,
                    format!("The from domain {} differs from the username's {udom}: the SMTP server must allow relaying for it, or mail from this address will fail.", f.domain),
                );
        }
    }
    let headers = parse_additional_headers(&s.additional_headers, &mut issues);
    if s.debug {
        issues.hint(
            "debug",
            Code::SmtpDebugEnabled,
            "Debug logs the SMTP conversation; turn it off once sending works.",
        );
    }

    let detected = host.as_ref().and_then(|h| provider::detect(&h.ascii));
    if let Some(d) = &detected {
        let input = ProviderInput {
            port,
            security,
            authentication: s.authentication,
            username,
            password: if keep_stored { None } else { password_typed },
            from_address: from.as_ref().map(|a| a.address.as_str()),
        };
        provider::check_provider_rules(d, &input, &mut issues);
    }

    let config = match (host, port) {
        (Some(host), Some(port)) => Some(SmtpConfig {
            host,
            port,
            security,
            authentication: s.authentication,
            username: username.to_owned(),
            from_header: from
                .as_ref()
                .map(|f| format_mailbox(if name_ok { &s.from_name } else { "" }, &f.address)),
            from,
            headers,
            provider: detected,
            debug: s.debug,
        }),
        _ => None,
    };
    Report::new(config, issues)
}

/// Checks the form and keeps only the issues of one field (and its sub-fields), for
/// validating as a user types. Cross-field rules still see the whole form.
pub fn check_smtp_field(s: &SmtpSettings, field: &str) -> Report<()> {
    let full = check_smtp_settings(s);
    let mut issues = Issues::new();
    issues.extend(full.issues.into_iter().filter(|i| {
        i.field == field
            || i.field
                .strip_prefix(field)
                .is_some_and(|r| r.starts_with('[') || r.starts_with('.'))
    }));
    Report::new(Some(()), issues)
}

#[cfg(test)]
mod tests;
