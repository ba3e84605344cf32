//! The catalogue of failures: each SMTP reply, transport error or SES error maps to a
//! code, the message a user has seen (the seeds' wording), a cause and a recommended
//! action. Sources: Zuora's "Common error messages" table, FusionAuth's troubleshooting
//! section, RFC 5321 §4.2 reply codes, RFC 3463 enhanced status codes, and the SES v2
//! API errors and `VerificationInfo.ErrorType` values.

use crate::report::{Code, Explanation};
use serde::{Deserialize, Serialize};

/// A transport-level failure, before or outside an SMTP reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum TransportError {
    /// The host name did not resolve.
    UnknownHost,
    /// The connection was refused (nothing listens on the port).
    ConnectionRefused,
    /// Nothing answered the connection attempt in time.
    ConnectTimeout,
    /// Connected, but the server sent nothing in time.
    ReadTimeout,
    /// The TLS handshake failed.
    TlsHandshake,
    /// TLS "wrong version number": the server spoke plaintext.
    TlsWrongVersion,
    /// The certificate is not valid for the host.
    TlsCertificate,
    /// STARTTLS was required but not offered.
    StarttlsUnsupported,
    /// The server closed the connection.
    ConnectionClosed,
    /// No usable AUTH mechanism was offered.
    AuthUnsupported,
}

impl TransportError {
    /// Every transport error, for exhaustive callers (tests, documentation).
    pub const ALL: [TransportError; 10] = [
        TransportError::UnknownHost,
        TransportError::ConnectionRefused,
        TransportError::ConnectTimeout,
        TransportError::ReadTimeout,
        TransportError::TlsHandshake,
        TransportError::TlsWrongVersion,
        TransportError::TlsCertificate,
        TransportError::StarttlsUnsupported,
        TransportError::ConnectionClosed,
        TransportError::AuthUnsupported,
    ];
}

/// Something that went wrong, as the backend or a user saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Failure {
    /// An SMTP reply: code and text (enhanced status code included in the text).
    Reply {
        /// Three-digit reply code.
        code: u16,
        /// The reply text, lines joined with `\n`.
        text: String,
    },
    /// A transport error.
    Transport {
        /// Which.
        error: TransportError,
    },
    /// An SES API error: the error code (`MessageRejected`, `TooManyRequestsException`...)
    /// and its message.
    Ses {
        /// Error code or exception name.
        error: String,
        /// Message.
        message: String,
    },
    /// Free text a user pasted (a JavaMail exception, a log line).
    Text {
        /// The text.
        text: String,
    },
}

/// The explanation of a failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// Catalogue code.
    pub code: Code,
    /// The error as products show it (the seeds' wording).
    pub title: String,
    /// Why it happens.
    pub cause: String,
    /// What to do.
    pub action: String,
    /// The settings field to look at, if one.
    pub field: Option<String>,
    /// True when trying again later may succeed without a change.
    pub retryable: bool,
    /// The SES region named in the error, if any (upper case as SES writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The identity named in the error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// The catalogue's explanation of `code` (its `#[diagnosis]` in [`crate::report`]) as a
/// diagnosis. A code without one explains itself by its summary.
fn d(code: Code) -> Diagnosis {
    let e = code.explanation().unwrap_or(Explanation {
        title: code.summary(),
        cause: code.summary(),
        action: "",
        field: None,
        retryable: false,
    });
    Diagnosis {
        code,
        title: e.title.to_owned(),
        cause: e.cause.to_owned(),
        action: e.action.to_owned(),
        field: e.field.map(str::to_owned),
        retryable: e.retryable,
        region: None,
        identity: None,
    }
}

impl Diagnosis {
    /// The same explanation, pointing at another field (the API's `from` where the SMTP
    /// form has `fromAddress`).
    #[must_use]
    fn for_field(mut self, field: &str) -> Diagnosis {
        self.field = Some(field.to_owned());
        self
    }
}

/// Explains a transport error.
pub fn transport(e: TransportError) -> Diagnosis {
    match e {
        TransportError::UnknownHost => d(Code::SmtpUnknownHost),
        TransportError::ConnectionRefused => d(Code::SmtpConnectionRefused),
        TransportError::ConnectTimeout => d(Code::SmtpConnectTimeout),
        TransportError::ReadTimeout => d(Code::SmtpReadTimeout),
        TransportError::TlsHandshake => d(Code::SmtpTlsFailed),
        TransportError::TlsWrongVersion => d(Code::SmtpTlsWrongVersion),
        TransportError::TlsCertificate => d(Code::SmtpTlsCertificate),
        TransportError::StarttlsUnsupported => d(Code::SmtpStarttlsUnsupported),
        TransportError::ConnectionClosed => d(Code::SmtpConnectionClosed),
        TransportError::AuthUnsupported => d(Code::SmtpAuthUnsupported),
    }
}

/// Splits an SMTP reply into code, enhanced status (RFC 3463) and text. Accepts the
/// multi-line form (`535-5.7.8 ...\n535 5.7.8 ...`) and leading noise such as
/// "Prime Messaging Exception".
pub fn parse_reply(text: &str) -> Option<(u16, Option<String>, String)> {
    let mut code = None;
    let mut enhanced = None;
    let mut lines = Vec::new();
    for line in text.lines().map(str::trim) {
        let b = line.as_bytes();
        if b.len() >= 3
            && b[..3].iter().all(u8::is_ascii_digit)
            && (b.len() == 3 || b[3] == b' ' || b[3] == b'-')
        {
            let c: u16 = line[..3].parse().ok()?;
            if !(200..600).contains(&c) {
                continue;
            }
            code.get_or_insert(c);
            let rest = line.get(4..).unwrap_or("").trim();
            let (enh, msg) = match rest.split_once(' ') {
                Some((e, m)) if is_enhanced(e) => (Some(e), m),
                _ if is_enhanced(rest) => (Some(rest), ""),
                _ => (None, rest),
            };
            if enhanced.is_none() {
                enhanced = enh.map(str::to_owned);
            }
            lines.push(msg.to_owned());
        }
    }
    code.map(|c| (c, enhanced, lines.join("\n")))
}

fn is_enhanced(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_ascii_lowercase().contains(needle)
}

/// Pulls "in region EU-WEST-1: address/fa@simplelogin.com" out of an SES rejection.
fn ses_region_identity(text: &str) -> (Option<String>, Option<String>) {
    let lower = text.to_ascii_lowercase();
    let Some(i) = lower.find("in region ") else {
        return (None, None);
    };
    let rest = &text[i + 10..];
    let (region, after) = rest.split_once(':').unwrap_or((rest, ""));
    let identity = after.split_whitespace().next().map(|s| {
        s.trim_start_matches("address/")
            .trim_start_matches("domain/")
            .trim_end_matches(['.', ','])
            .to_owned()
    });
    (
        Some(region.trim().to_owned()),
        identity.filter(|s| !s.is_empty()),
    )
}

/// Explains an SMTP reply.
#[allow(clippy::too_many_lines, reason = "one arm per catalogue entry")]
pub fn reply(code: u16, text: &str) -> Diagnosis {
    let t = text;
    let (region, identity) = ses_region_identity(t);
    let mut out = if (contains(t, "application-specific password")
        || contains(t, "badcredentials")
        || contains(t, "support.google.com")
        || contains(t, "username and password not accepted"))
        && (code == 534 || code == 535)
    {
        d(Code::SmtpGmailAppPassword)
    } else if code == 502 && contains(t, "not yet activated") {
        d(Code::SmtpAccountNotActivated)
    } else if contains(t, "domain is not verified")
        || (code == 450 && contains(t, "verify your domain"))
    {
        d(Code::SmtpDomainNotVerified)
    } else if contains(t, "email address is not verified")
        || contains(t, "identities failed the check")
    {
        d(Code::SmtpAddressNotVerified)
    } else if contains(t, "free accounts are for test purposes")
        || contains(t, "authorized recipients")
    {
        d(Code::SmtpFreeAccountLimit)
    } else if contains(t, "daily message quota") {
        d(Code::SmtpDailyQuota)
    } else if contains(t, "throttl") || contains(t, "rate exceeded") || contains(t, "too many") {
        d(Code::SmtpThrottled)
    } else if code == 530 && (contains(t, "starttls") || t.contains("5.7.0") && contains(t, "tls"))
    {
        d(Code::SmtpStarttlsRequired)
    } else if code == 530 || (code == 550 && contains(t, "authentication required")) {
        d(Code::SmtpAuthRequired)
    } else if code == 535 || code == 534 {
        if contains(t, "username") || contains(t, "password") || contains(t, "credentials") {
            d(Code::SmtpAuthBadCredentials)
        } else {
            d(Code::SmtpAuthFailed)
        }
    } else if code == 552 || contains(t, "too large") || contains(t, "size limit") {
        d(Code::SmtpMessageTooLarge)
    } else if (code == 550 || code == 553 || code == 554)
        && (contains(t, "relay")
            || contains(t, "not owned")
            || contains(t, "sender address rejected")
            || contains(t, "not allowed to send"))
    {
        d(Code::SmtpRelayDenied)
    } else if code == 550 || code == 551 || (code == 553 && contains(t, "mailbox")) {
        d(Code::SmtpMailboxUnavailable)
    } else if code == 421 {
        d(Code::SmtpServiceUnavailable)
    } else if (400..500).contains(&code) {
        d(Code::SmtpTemporaryFailure)
    } else {
        d(Code::SmtpPermanentFailure)
    };
    out.region = region;
    out.identity = identity;
    out
}

/// Explains an SES API error. `from` (the From address sent) tells a sandbox rejection
/// of the recipient from an unverified From.
pub fn ses(error: &str, message: &str, from: Option<&str>) -> Diagnosis {
    let e = error.trim_end_matches("Exception");
    let (region, identity) = ses_region_identity(message);
    let mut out = match e {
        "MessageRejected" if contains(message, "not verified") => {
            let recipient_failed = match (&identity, from) {
                (Some(id), Some(f)) => {
                    !id.eq_ignore_ascii_case(f)
                        && !f
                            .to_ascii_lowercase()
                            .ends_with(&format!("@{}", id.to_ascii_lowercase()))
                }
                _ => false,
            };
            if recipient_failed {
                d(Code::SesSandbox)
            } else {
                d(Code::SmtpAddressNotVerified).for_field("from")
            }
        }
        "MessageRejected" => d(Code::SesMessageRejected),
        "MailFromDomainNotVerified" => d(Code::SesMailFromNotVerified),
        "AccountSendingPaused" | "SendingPaused" | "AccountSuspended" => d(Code::SesSendingPaused),
        "TooManyRequests" | "Throttling" | "ThrottlingException" => d(Code::SesThrottled),
        "LimitExceeded" => d(Code::SesLimitExceeded),
        "AlreadyExists" => d(Code::SesAlreadyExists),
        "NotFound" => d(Code::SesNotFound),
        "BadRequest" => d(Code::SesBadRequest),
        "AccessDenied" => d(Code::SesAccessDenied),
        _ => d(Code::SesUnknown),
    };
    out.region = region;
    out.identity = identity;
    out
}

/// Explains free text: a reply pasted from a log, or a JavaMail exception message in
/// the seeds' wording ("Unknown SMTP host", "Read timed out"...).
pub fn text(t: &str) -> Diagnosis {
    if let Some((code, _, rest)) = parse_reply(t) {
        return reply(code, if rest.is_empty() { t } else { &rest });
    }
    let phrases: &[(&str, TransportError)] = &[
        ("unknown smtp host", TransportError::UnknownHost),
        ("unknownhostexception", TransportError::UnknownHost),
        (
            "could not connect to smtp host",
            TransportError::ConnectionRefused,
        ),
        ("connection refused", TransportError::ConnectionRefused),
        ("connect timed out", TransportError::ConnectTimeout),
        ("read timed out", TransportError::ReadTimeout),
        ("wrong version number", TransportError::TlsWrongVersion),
        (
            "could not convert socket to tls",
            TransportError::TlsHandshake,
        ),
        ("certificate", TransportError::TlsCertificate),
    ];
    let lower = t.to_ascii_lowercase();
    for (p, e) in phrases {
        if lower.contains(p) {
            return transport(*e);
        }
    }
    if lower.contains("authentication failed: bad username") {
        return reply(535, "Authentication failed: Bad username / password");
    }
    if lower.contains("authentication failed") {
        return reply(535, "Authentication failed");
    }
    if lower.contains("authentication required") {
        return reply(530, "Authentication required");
    }
    d(Code::UnrecognizedError)
}

/// Explains any failure.
pub fn diagnose(f: &Failure) -> Diagnosis {
    match f {
        Failure::Reply { code, text: t } => reply(*code, t),
        Failure::Transport { error } => transport(*error),
        Failure::Ses { error, message } => ses(error, message, None),
        Failure::Text { text: t } => text(t),
    }
}

/// Explains an SES identity's verification status (`NOT_STARTED`, `PENDING`, `SUCCESS`,
/// `FAILED`, `TEMPORARY_FAILURE`) and, for a failure, `VerificationInfo.ErrorType`.
pub fn verification(status: &str, error_type: Option<&str>) -> Diagnosis {
    let by_type = match error_type.unwrap_or("") {
        "DNS_SERVER_ERROR" => Some(d(Code::VerificationDnsServerError)),
        "HOST_NOT_FOUND" => Some(d(Code::VerificationHostNotFound)),
        "TYPE_NOT_FOUND" => Some(d(Code::VerificationTypeNotFound)),
        "INVALID_VALUE" => Some(d(Code::VerificationInvalidValue)),
        t if t.starts_with("REPLICATION_") => Some(d(Code::VerificationReplicationError)),
        _ => None,
    };
    match status {
        "SUCCESS" => d(Code::VerificationSuccess),
        "PENDING" => d(Code::VerificationPending),
        "FAILED" => by_type.unwrap_or_else(|| d(Code::VerificationFailed)),
        "TEMPORARY_FAILURE" => by_type.unwrap_or_else(|| d(Code::VerificationTemporaryFailure)),
        _ => d(Code::VerificationNotStarted),
    }
}

/// [`verification`] for an email identity: pending and failed are about the link in SES's
/// verification email (clicked within 24 hours), never about DNS records.
pub fn verification_email(status: &str, error_type: Option<&str>) -> Diagnosis {
    match status {
        "PENDING" => d(Code::VerificationEmailPending),
        "FAILED" if error_type.is_none_or(str::is_empty) => d(Code::VerificationEmailFailed),
        _ => verification(status, error_type),
    }
}

/// [`verification`] for a domain whose records were just looked up in live DNS: a
/// pending status with every required record found is explained as DNS being correct
/// and SES not having checked again yet, not as something to fix.
pub fn verification_with_dns(
    status: &str,
    error_type: Option<&str>,
    all_required_found: bool,
) -> Diagnosis {
    if status == "PENDING" && all_required_found {
        d(Code::VerificationDnsReady)
    } else {
        verification(status, error_type)
    }
}

#[cfg(test)]
mod tests;
