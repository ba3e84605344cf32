use super::*;

#[test]
fn zuora_common_error_messages_map_to_their_actions() {
    // Zuora's table: message -> recommended action.
    let table: &[(&str, Code, &str)] = &[
        (
            "Unknown SMTP host",
            Code::SmtpUnknownHost,
            "Check that the SMTP Server Name is correct.",
        ),
        (
            "Could not connect to SMTP host",
            Code::SmtpConnectionRefused,
            "Check that the SMTP Port is correct.",
        ),
        (
            "Connect timed out",
            Code::SmtpConnectTimeout,
            "Check that the SMTP Port is correct",
        ),
        (
            "Authentication failed: Bad username / password",
            Code::SmtpAuthBadCredentials,
            "Check whether your username and password are correct.",
        ),
        (
            "Authentication failed",
            Code::SmtpAuthFailed,
            "or OAuth 2.0 provider configuration are correct.",
        ),
        (
            "Authentication required",
            Code::SmtpAuthRequired,
            "Check if you have configured the Authentication field.",
        ),
        ("Read timed out", Code::SmtpReadTimeout, "SocketFactory"),
        (
            "Could not convert socket to TLS",
            Code::SmtpTlsFailed,
            "SocketFactory",
        ),
    ];
    for (msg, code, action) in table {
        let dg = text(msg);
        assert_eq!(dg.code, *code, "{msg}");
        assert!(dg.action.contains(action), "{msg}: {}", dg.action);
    }
}

#[test]
fn fusionauth_troubleshooting_cases_are_recognized() {
    let table: &[(&str, Code)] = &[
        (
            "Unable to send email via JavaMail\nPrime Messaging Exception\n535 Authentication failed.",
            Code::SmtpAuthFailed,
        ),
        (
            "Prime Messaging Exception\n535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials",
            Code::SmtpGmailAppPassword,
        ),
        (
            "534-5.7.9 Application-specific password required.",
            Code::SmtpGmailAppPassword,
        ),
        (
            "502 5.7.0 Your SMTP account is not yet activated. Please contact us at contact@sendinblue.com to request activation.",
            Code::SmtpAccountNotActivated,
        ),
        (
            "Exception reading response\nCause: SocketTimeoutException: Read timed out",
            Code::SmtpReadTimeout,
        ),
        (
            "450 The resend.com domain is not verified. Please, add and verify your domain on https://resend.com/domains",
            Code::SmtpDomainNotVerified,
        ),
        (
            "554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: address/fa@simplelogin.com",
            Code::SmtpAddressNotVerified,
        ),
        (
            "421 Domain fa.dns-dynamic.net is not allowed to send: Free accounts are for test purposes only. Please upgrade or add the address to authorized recipients in Account Settings.",
            Code::SmtpFreeAccountLimit,
        ),
        (
            "530 5.7.0 Must issue a STARTTLS command first",
            Code::SmtpStarttlsRequired,
        ),
        (
            "454 Throttling failure: Maximum sending rate exceeded.",
            Code::SmtpThrottled,
        ),
        (
            "454 Throttling failure: Daily message quota exceeded.",
            Code::SmtpDailyQuota,
        ),
        (
            "550 5.1.1 The email account that you tried to reach does not exist.",
            Code::SmtpMailboxUnavailable,
        ),
        ("550 5.7.1 Relaying denied", Code::SmtpRelayDenied),
        (
            "552 5.3.4 Message size exceeds fixed limit",
            Code::SmtpMessageTooLarge,
        ),
        (
            "451 4.3.0 Temporary local problem",
            Code::SmtpTemporaryFailure,
        ),
        ("554 5.6.0 Something else", Code::SmtpPermanentFailure),
        (
            "javax.net.ssl.SSLException: Unsupported or unrecognized SSL message; wrong version number",
            Code::SmtpTlsWrongVersion,
        ),
    ];
    for (msg, code) in table {
        assert_eq!(text(msg).code, *code, "{msg}");
    }
    let ses = text(
        "554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: address/fa@simplelogin.com",
    );
    assert_eq!(ses.region.as_deref(), Some("EU-WEST-1"));
    assert_eq!(ses.identity.as_deref(), Some("fa@simplelogin.com"));
    assert!(!text("535 5.7.8 Authentication credentials invalid").retryable);
}

#[test]
fn replies_parse_multiline_with_enhanced_codes() {
    let (code, enh, rest) = parse_reply(
        "535-5.7.8 Username and Password not accepted.\n535 5.7.8 https://support.google.com/mail",
    )
    .unwrap();
    assert_eq!(code, 535);
    assert_eq!(enh.as_deref(), Some("5.7.8"));
    assert!(rest.contains("Username and Password"));
    assert_eq!(parse_reply("no code here"), None);
    assert_eq!(parse_reply("421 Service not available").unwrap().0, 421);
}

#[test]
fn ses_api_errors_explain_sandbox_and_sending_limits() {
    let sandbox = ses(
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region US-EAST-1: someone@example.net",
        Some("billing@yourcompany.com"),
    );
    assert_eq!(sandbox.code, Code::SesSandbox);
    let from = ses(
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region US-EAST-1: billing@yourcompany.com",
        Some("billing@yourcompany.com"),
    );
    assert_eq!(from.code, Code::SmtpAddressNotVerified);
    let table: &[(&str, Code, bool)] = &[
        (
            "MailFromDomainNotVerifiedException",
            Code::SesMailFromNotVerified,
            false,
        ),
        ("AccountSuspendedException", Code::SesSendingPaused, false),
        ("SendingPausedException", Code::SesSendingPaused, false),
        ("TooManyRequestsException", Code::SesThrottled, true),
        ("LimitExceededException", Code::SesLimitExceeded, true),
        ("AlreadyExistsException", Code::SesAlreadyExists, false),
        ("NotFoundException", Code::SesNotFound, false),
        ("BadRequestException", Code::SesBadRequest, false),
        ("AccessDeniedException", Code::SesAccessDenied, false),
        ("MessageRejected", Code::SesMessageRejected, false),
        ("SomethingNew", Code::SesUnknown, true),
    ];
    for (err, code, retry) in table {
        let dg = ses(err, "", None);
        assert_eq!(dg.code, *code, "{err}");
        assert_eq!(dg.retryable, *retry, "{err}");
    }
}

#[test]
fn transport_errors_cover_every_kind_with_a_field() {
    for e in TransportError::ALL {
        let dg = transport(e);
        assert!(dg.field.is_some(), "{e:?}");
        assert!(!dg.action.is_empty());
        assert_eq!(diagnose(&Failure::Transport { error: e }), dg);
    }
}

#[test]
fn verification_statuses_and_error_types_are_explained() {
    assert_eq!(
        verification("PENDING", None).code,
        Code::VerificationPending
    );
    assert_eq!(
        verification("SUCCESS", None).code,
        Code::VerificationSuccess
    );
    assert_eq!(verification("FAILED", None).code, Code::VerificationFailed);
    assert_eq!(
        verification("FAILED", Some("HOST_NOT_FOUND")).code,
        Code::VerificationHostNotFound
    );
    assert_eq!(
        verification("FAILED", Some("INVALID_VALUE")).code,
        Code::VerificationInvalidValue
    );
    assert_eq!(
        verification("FAILED", Some("TYPE_NOT_FOUND")).code,
        Code::VerificationTypeNotFound
    );
    assert_eq!(
        verification("TEMPORARY_FAILURE", Some("DNS_SERVER_ERROR")).code,
        Code::VerificationDnsServerError
    );
    assert_eq!(
        verification("TEMPORARY_FAILURE", None).code,
        Code::VerificationTemporaryFailure
    );
    assert_eq!(
        verification("FAILED", Some("REPLICATION_ACCESS_DENIED")).code,
        Code::VerificationReplicationError
    );
    assert_eq!(
        verification("NOT_STARTED", None).code,
        Code::VerificationNotStarted
    );
}

#[test]
fn diagnosis_json_snapshot() {
    insta::assert_json_snapshot!(
        "gmail_535",
        text(
            "535-5.7.8 Username and Password not accepted.\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials"
        )
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_text_panics(s in "\\PC{0,200}", code in 0u16..1000) {
            let _ = text(&s);
            let _ = reply(code, &s);
            let _ = ses(&s, &s, Some(&s));
            let _ = verification(&s, Some(&s));
        }
    }
}

#[test]
fn every_diagnosis_is_the_catalogue_text_beside_its_code() {
    let mut all: Vec<Diagnosis> = TransportError::ALL.into_iter().map(transport).collect();
    for (code, text) in [
        (535, "5.7.8 Username and Password not accepted"),
        (502, "5.7.0 Your SMTP account is not yet activated"),
        (450, "domain is not verified"),
        (554, "Message rejected: Email address is not verified."),
        (421, "4.3.2 Service not available"),
        (421, "Free accounts are for test purposes only"),
        (454, "Daily message quota exceeded"),
        (454, "Throttling failure: Maximum sending rate exceeded"),
        (530, "5.7.0 Must issue a STARTTLS command first"),
        (530, "5.7.0 Authentication required"),
        (535, "5.7.8 Authentication failed: Bad username / password"),
        (535, "5.7.8 Authentication failed"),
        (552, "5.3.4 Message too large"),
        (550, "5.7.1 Relaying denied"),
        (550, "5.1.1 Mailbox unavailable"),
        (451, "4.3.0 Try again"),
        (554, "5.0.0 No"),
    ] {
        all.push(reply(code, text));
    }
    for error in [
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "SendingPausedException",
        "TooManyRequestsException",
        "LimitExceededException",
        "AlreadyExistsException",
        "NotFoundException",
        "BadRequestException",
        "AccessDeniedException",
        "SomethingNew",
    ] {
        all.push(ses(error, "m", None));
    }
    let rejected = "Email address is not verified. The following identities failed the check in region EU-WEST-1: a@example.com";
    all.push(ses("MessageRejected", rejected, Some("a@example.com")));
    all.push(ses("MessageRejected", rejected, Some("b@example.org")));
    all.push(text("something nobody has seen"));
    for status in [
        "SUCCESS",
        "PENDING",
        "FAILED",
        "TEMPORARY_FAILURE",
        "NOT_STARTED",
    ] {
        all.push(verification(status, None));
    }
    for error in [
        "DNS_SERVER_ERROR",
        "HOST_NOT_FOUND",
        "TYPE_NOT_FOUND",
        "INVALID_VALUE",
        "REPLICATION_ACCESS_DENIED",
    ] {
        all.push(verification("FAILED", Some(error)));
    }
    for d in all {
        let e = d
            .code
            .explanation()
            .unwrap_or_else(|| panic!("{} has no #[diagnosis] in report.rs", d.code.as_str()));
        assert_eq!(
            (d.title.as_str(), d.cause.as_str(), d.action.as_str()),
            (e.title, e.cause, e.action)
        );
        assert_eq!(d.retryable, e.retryable, "{}", d.code.as_str());
    }
}

#[test]
fn a_pending_domain_whose_records_all_resolve_is_explained_as_waiting_for_ses() {
    assert_eq!(
        verification_with_dns("PENDING", None, true).code,
        Code::VerificationDnsReady
    );
    assert_eq!(
        verification_with_dns("PENDING", None, false).code,
        Code::VerificationPending
    );
    assert_eq!(
        verification_with_dns("FAILED", None, true).code,
        Code::VerificationFailed
    );
    assert_eq!(
        verification_with_dns("SUCCESS", None, true).code,
        Code::VerificationSuccess
    );
}

#[test]
fn a_pending_domain_is_told_about_records_and_a_pending_address_about_its_link() {
    let domain = verification("PENDING", None);
    assert_eq!(domain.code, Code::VerificationPending);
    assert!(domain.action.contains("records"), "{domain:?}");
    assert!(
        !domain.action.contains("link"),
        "a domain has no link: {domain:?}"
    );
    let email = verification_email("PENDING", None);
    assert_eq!(email.code, Code::VerificationEmailPending);
    assert!(email.action.contains("link"), "{email:?}");
    assert!(!email.action.contains("records"), "{email:?}");
    assert_eq!(
        verification_email("FAILED", None).code,
        Code::VerificationEmailFailed
    );
    let failed = verification("FAILED", None);
    assert!(!failed.action.contains("email"), "{failed:?}");
    assert_eq!(
        verification_email("SUCCESS", None).code,
        Code::VerificationSuccess
    );
    // One sentence once: no explanation says the same thing twice.
    for c in Code::ALL {
        if let Some(e) = c.explanation() {
            let sentences: Vec<&str> = e
                .action
                .split(". ")
                .chain(e.cause.split(". "))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let mut seen = std::collections::HashSet::new();
            for s in &sentences {
                assert!(seen.insert(*s), "{}: {s:?} twice", c.as_str());
            }
        }
    }
}
