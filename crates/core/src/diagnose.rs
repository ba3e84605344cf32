//! The catalogue of failures: each SMTP reply, transport error or SES error maps to a
//! code, the message a user has seen (the seeds' wording), a cause and a recommended
//! action. Sources: Zuora's "Common error messages" table, FusionAuth's troubleshooting
//! section, RFC 5321 §4.2 reply codes, RFC 3463 enhanced status codes, and the SES v2
//! API errors and `VerificationInfo.ErrorType` values.

use crate::report::Code;
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

fn d(
    code: Code,
    title: &str,
    cause: &str,
    action: &str,
    field: Option<&str>,
    retryable: bool,
) -> Diagnosis {
    Diagnosis {
        code,
        title: title.to_owned(),
        cause: cause.to_owned(),
        action: action.to_owned(),
        field: field.map(str::to_owned),
        retryable,
        region: None,
        identity: None,
    }
}

const SOCKET_FACTORY_ACTION: &str = "Check the port and security mode together: port 465 needs SSL/TLS (Zuora: SMTP SocketFactory Class javax.net.ssl.SSLSocketFactory and SocketFactory Port 465); port 587 needs STARTTLS. If unsure, try 587 with STARTTLS.";

/// Explains a transport error.
pub fn transport(e: TransportError) -> Diagnosis {
    match e {
        TransportError::UnknownHost => d(
            Code::SmtpUnknownHost,
            "Unknown SMTP host",
            "The SMTP server name does not resolve in DNS: a typo, or a name that exists only inside your network.",
            "Check that the SMTP Server Name is correct.",
            Some("host"),
            false,
        ),
        TransportError::ConnectionRefused => d(
            Code::SmtpConnectionRefused,
            "Could not connect to SMTP host",
            "The server refused the connection: nothing accepts mail on this port.",
            "Check that the SMTP Port is correct. If the port is correct, the SMTP server might be experiencing a temporary issue. Wait a few minutes and try again.",
            Some("port"),
            true,
        ),
        TransportError::ConnectTimeout => d(
            Code::SmtpConnectTimeout,
            "Connect timed out",
            "Nothing answered on this port: the port is wrong, or a firewall drops the traffic (many networks block outbound port 25).",
            "Check that the SMTP Port is correct (587 is the usual submission port). If the port is correct, the SMTP server might be experiencing a temporary issue. Wait a few minutes and try again.",
            Some("port"),
            true,
        ),
        TransportError::ReadTimeout => d(
            Code::SmtpReadTimeout,
            "Read timed out",
            "The connection opened but the server sent no greeting in time. Usually the client waits in plaintext on an implicit-TLS port (465), where the server waits for a TLS handshake.",
            SOCKET_FACTORY_ACTION,
            Some("security"),
            false,
        ),
        TransportError::TlsHandshake => d(
            Code::SmtpTlsFailed,
            "Could not convert socket to TLS",
            "The TLS handshake failed: the server and client share no protocol version or cipher, or the security mode does not match the port.",
            SOCKET_FACTORY_ACTION,
            Some("security"),
            false,
        ),
        TransportError::TlsWrongVersion => d(
            Code::SmtpTlsWrongVersion,
            "Could not convert socket to TLS (wrong version number)",
            "The client started TLS at once but the server answered in plaintext: this port expects STARTTLS.",
            "Choose STARTTLS for this port, or use port 465 with SSL/TLS.",
            Some("security"),
            false,
        ),
        TransportError::TlsCertificate => d(
            Code::SmtpTlsCertificate,
            "Could not convert socket to TLS (certificate)",
            "The server's certificate is not valid for this host name: expired, self-signed, or issued to another name.",
            "Use the host name the provider documents (the one on its certificate), not an IP address or an alias.",
            Some("host"),
            false,
        ),
        TransportError::StarttlsUnsupported => d(
            Code::SmtpStarttlsUnsupported,
            "STARTTLS is not offered",
            "The server did not announce STARTTLS in its EHLO reply, so the connection cannot be encrypted on this port.",
            "Use the port your provider documents for encrypted submission (587 with STARTTLS or 465 with SSL/TLS).",
            Some("port"),
            false,
        ),
        TransportError::ConnectionClosed => d(
            Code::SmtpConnectionClosed,
            "Connection closed",
            "The server closed the connection unexpectedly, often after a protocol mismatch or a policy block.",
            "Check the port and security mode; if they are right, wait a few minutes and try again.",
            Some("port"),
            true,
        ),
        TransportError::AuthUnsupported => d(
            Code::SmtpAuthUnsupported,
            "Authentication mechanism not supported",
            "The server offers no AUTH mechanism the client can use over this connection (many servers offer AUTH only after STARTTLS).",
            "Choose STARTTLS or SSL/TLS so the server offers authentication, or check the provider's documented mechanisms.",
            Some("security"),
            false,
        ),
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
        d(
            Code::SmtpGmailAppPassword,
            "Username and Password not accepted (Gmail)",
            "Google refuses the account password for SMTP: it needs an app password (and two-factor authentication on the account).",
            "Create an app password at myaccount.google.com/apppasswords and enter it as the password, spaces included.",
            Some("password"),
            false,
        )
    } else if code == 502 && contains(t, "not yet activated") {
        d(
            Code::SmtpAccountNotActivated,
            "Your SMTP account is not yet activated",
            "Some providers disable new accounts until their support reviews them.",
            "Contact your provider's support to have the account activated.",
            None,
            false,
        )
    } else if contains(t, "domain is not verified")
        || (code == 450 && contains(t, "verify your domain"))
    {
        d(
            Code::SmtpDomainNotVerified,
            "Domain not verified",
            "The provider has not verified the sending domain, so it refuses mail from it.",
            "Add the DNS records your provider gives you and start its verification. DNS changes can take an hour to a day to be seen.",
            Some("fromAddress"),
            false,
        )
    } else if contains(t, "email address is not verified")
        || contains(t, "identities failed the check")
    {
        d(
            Code::SmtpAddressNotVerified,
            "Message rejected: Email address is not verified",
            "Amazon SES refuses a From address that is not verified in this region, and in the sandbox also any recipient that is not verified.",
            "Verify the From address or its domain in the SES region of your SMTP host; while in the sandbox, send the test email to an address you verified, or request production access.",
            Some("fromAddress"),
            false,
        )
    } else if contains(t, "free accounts are for test purposes")
        || contains(t, "authorized recipients")
    {
        d(
            Code::SmtpFreeAccountLimit,
            "Free accounts are for test purposes only",
            "A free or sandbox account may send only to recipients you authorized.",
            "Send the test email to an authorized recipient (add it in the provider's account settings), or upgrade the account.",
            None,
            false,
        )
    } else if contains(t, "daily message quota") {
        d(
            Code::SmtpDailyQuota,
            "Daily message quota exceeded",
            "The account has sent as many messages as it may in 24 hours.",
            "Wait for the quota to reset, or ask the provider for a higher quota.",
            None,
            true,
        )
    } else if contains(t, "throttl") || contains(t, "rate exceeded") || contains(t, "too many") {
        d(
            Code::SmtpThrottled,
            "Throttling: sending rate exceeded",
            "The server accepts only so many messages or connections per second.",
            "Slow down and try again in a moment.",
            None,
            true,
        )
    } else if code == 530 && (contains(t, "starttls") || t.contains("5.7.0") && contains(t, "tls"))
    {
        d(
            Code::SmtpStarttlsRequired,
            "Must issue a STARTTLS command first",
            "The server accepts commands only on an encrypted connection.",
            "Choose STARTTLS (or SSL/TLS on port 465).",
            Some("security"),
            false,
        )
    } else if code == 530 || (code == 550 && contains(t, "authentication required")) {
        d(
            Code::SmtpAuthRequired,
            "Authentication required",
            "The server requires a login before it accepts mail.",
            "Check if you have configured the Authentication field. Choose Username/Password (or OAuth 2.0) and enter the credentials.",
            Some("authentication"),
            false,
        )
    } else if code == 535 || code == 534 {
        if contains(t, "username") || contains(t, "password") || contains(t, "credentials") {
            d(
                Code::SmtpAuthBadCredentials,
                "Authentication failed: Bad username / password",
                "The server rejected the username or password.",
                "Check whether your username and password are correct. Re-enter them carefully with no excess whitespace and try again.",
                Some("password"),
                false,
            )
        } else {
            d(
                Code::SmtpAuthFailed,
                "Authentication failed",
                "The server rejected the login.",
                "Check whether your username and password, or OAuth 2.0 provider configuration are correct.",
                Some("username"),
                false,
            )
        }
    } else if code == 552 || contains(t, "too large") || contains(t, "size limit") {
        d(
            Code::SmtpMessageTooLarge,
            "Message too large",
            "The message is larger than the server accepts.",
            "Send a smaller message (fewer or smaller attachments).",
            None,
            false,
        )
    } else if (code == 550 || code == 553 || code == 554)
        && (contains(t, "relay")
            || contains(t, "not owned")
            || contains(t, "sender address rejected")
            || contains(t, "not allowed to send"))
    {
        d(
            Code::SmtpRelayDenied,
            "Relaying denied",
            "The server will not send mail from this From address for this login.",
            "Use a From address your SMTP account owns, or turn on relaying for it on your SMTP server.",
            Some("fromAddress"),
            false,
        )
    } else if code == 550 || code == 551 || (code == 553 && contains(t, "mailbox")) {
        d(
            Code::SmtpMailboxUnavailable,
            "Mailbox unavailable",
            "The recipient's mailbox does not exist or does not accept mail.",
            "Check the recipient address for typos.",
            None,
            false,
        )
    } else if code == 421 {
        d(
            Code::SmtpTemporaryFailure,
            "Service not available",
            "The server is closing the connection: overloaded, in maintenance, or limiting this client.",
            "Wait a few minutes and try again.",
            None,
            true,
        )
    } else if (400..500).contains(&code) {
        d(
            Code::SmtpTemporaryFailure,
            "Temporary failure",
            "The server could not take the message now.",
            "Wait a few minutes and try again; if it persists, read the server's message with your provider.",
            None,
            true,
        )
    } else {
        d(
            Code::SmtpPermanentFailure,
            "Permanent failure",
            "The server refused the message.",
            "Read the server's message; it names what to change. Your provider's support can explain its codes.",
            None,
            false,
        )
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
                d(
                    Code::SesSandbox,
                    "Email address is not verified (sandbox)",
                    "The account is in the SES sandbox, where every recipient must be verified too.",
                    "Send to a verified address or a mailbox-simulator address (success@simulator.amazonses.com), or request production access for the account.",
                    Some("to"),
                    false,
                )
            } else {
                d(
                    Code::SmtpAddressNotVerified,
                    "Email address is not verified",
                    "The From address is not covered by a verified identity in this region.",
                    "Send from a verified email identity or an address at a verified domain identity.",
                    Some("from"),
                    false,
                )
            }
        }
        "MessageRejected" => d(
            Code::SesMessageRejected,
            "Message rejected",
            "SES refused the message (its content or headers).",
            "Read the message SES returned; fix the named problem and send again.",
            None,
            false,
        ),
        "MailFromDomainNotVerified" => d(
            Code::SesMailFromNotVerified,
            "MAIL FROM domain not verified",
            "The identity's custom MAIL FROM domain has no verified MX and SPF records, and it is set to reject mail in that case.",
            "Publish the MAIL FROM MX and SPF records, or set the behavior on MX failure to use the default MAIL FROM.",
            None,
            false,
        ),
        "AccountSendingPaused" | "SendingPaused" | "AccountSuspended" => d(
            Code::SesSendingPaused,
            "Sending paused",
            "Sending is paused for the account or the configuration set, often after high bounce or complaint rates.",
            "Resolve the cause shown in the SES console's reputation dashboard, then resume sending.",
            None,
            false,
        ),
        "TooManyRequests" | "Throttling" | "ThrottlingException" => d(
            Code::SesThrottled,
            "Too many requests",
            "SES is throttling this account's API calls.",
            "Wait a moment and try again.",
            None,
            true,
        ),
        "LimitExceeded" => d(
            Code::SesLimitExceeded,
            "Limit exceeded",
            "An SES quota was reached (identities per region, sending rate or daily quota).",
            "Delete unused identities or request a higher quota.",
            None,
            true,
        ),
        "AlreadyExists" => d(
            Code::SesAlreadyExists,
            "Identity already exists",
            "SES already has this identity in the account's region.",
            "Open the existing identity instead of creating it again.",
            Some("identity"),
            false,
        ),
        "NotFound" => d(
            Code::SesNotFound,
            "Identity not found",
            "SES has no such identity in this region.",
            "Create the identity first, or check the region.",
            Some("identity"),
            false,
        ),
        "BadRequest" => d(
            Code::SesBadRequest,
            "Bad request",
            "SES refused the request as invalid.",
            "Read SES's message; it names the invalid parameter.",
            None,
            false,
        ),
        "AccessDenied" => d(
            Code::SesAccessDenied,
            "Access denied",
            "The platform's AWS role may not make this call.",
            "The platform operator must grant this SES action to the function's role.",
            None,
            false,
        ),
        _ => d(
            Code::SesUnknown,
            "SES error",
            "SES returned an error Sendready does not recognize.",
            "Read SES's message; try again later if it looks temporary.",
            None,
            true,
        ),
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
    d(
        Code::SmtpPermanentFailure,
        "Unrecognized error",
        "Sendready does not recognize this message.",
        "Turn on debug to log the SMTP conversation, and read the server's last reply.",
        None,
        false,
    )
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
        "DNS_SERVER_ERROR" => Some(d(
            Code::VerificationDnsServerError,
            "DNS server error",
            "SES could not reach the domain's DNS servers.",
            "Check that your DNS provider is up and the domain's NS records are right; SES retries on its own.",
            None,
            true,
        )),
        "HOST_NOT_FOUND" => Some(d(
            Code::VerificationHostNotFound,
            "Records not found",
            "SES found no record at the names it checks.",
            "Publish the DKIM records exactly as shown (watch for the zone typed twice), then click Retry.",
            None,
            false,
        )),
        "TYPE_NOT_FOUND" => Some(d(
            Code::VerificationTypeNotFound,
            "Wrong record type",
            "SES found the names but not records of the expected type (CNAME for Easy DKIM, TXT for BYODKIM).",
            "Change the records to the type shown, then click Retry.",
            None,
            false,
        )),
        "INVALID_VALUE" => Some(d(
            Code::VerificationInvalidValue,
            "Wrong record value",
            "SES found the records but their values are not the expected ones.",
            "Copy the values again exactly (no quotes or extra spaces added by the DNS host), then click Retry.",
            None,
            false,
        )),
        t if t.starts_with("REPLICATION_") => Some(d(
            Code::VerificationReplicationError,
            "DKIM replication failed",
            "Replicating the DKIM setup from the parent identity in another region failed.",
            "Check the parent identity exists, uses Easy DKIM, and is in a supported region.",
            None,
            false,
        )),
        _ => None,
    };
    match status {
        "SUCCESS" => d(Code::VerificationSuccess, "Success", "SES verified the identity.", "Nothing to do: you can send from it.", None, false),
        "PENDING" => d(Code::VerificationPending, "Pending", "SES has not found the records (or the link has not been clicked) yet.", "Publish the records (or click the link in the verification email, valid for 24 hours). Verification can take up to 72 hours.", None, true),
        "FAILED" => by_type.unwrap_or_else(|| d(Code::VerificationFailed, "Failed", "SES stopped looking for the records (72 hours passed) or the link expired.", "Publish the records again and click Retry (for an email identity, Retry sends a new verification email).", None, false)),
        "TEMPORARY_FAILURE" => by_type.unwrap_or_else(|| d(Code::VerificationTemporaryFailure, "Temporary failure", "A temporary problem stopped SES from checking; it keeps trying.", "Wait; if it stays, check that the records are still published.", None, true)),
        _ => d(Code::VerificationNotStarted, "Not started", "Verification has not started for this identity.", "Create the identity again or click Retry.", None, false),
    }
}

#[cfg(test)]
mod tests;
