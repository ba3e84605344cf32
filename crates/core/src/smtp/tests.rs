use super::*;
use crate::provider::ProviderId;

fn base() -> SmtpSettings {
    SmtpSettings {
        host: "smtp.example.com".into(),
        port: Some(587),
        security: Security::Starttls,
        authentication: AuthMethod::Password,
        username: "billing@yourcompany.com".into(),
        password: Some("s3cret-pass".into()),
        from_address: "billing@yourcompany.com".into(),
        from_name: "Your Company Billing".into(),
        ..SmtpSettings::default()
    }
}

fn codes(s: &SmtpSettings) -> Vec<Code> {
    check_smtp_settings(s).codes()
}

#[test]
fn a_complete_form_is_valid_and_normalized() {
    let r = check_smtp_settings(&base());
    assert!(r.valid, "{:?}", r.issues);
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    let c = r.value.unwrap();
    assert_eq!(c.port, 587);
    assert_eq!(
        c.from_header.as_deref(),
        Some("Your Company Billing <billing@yourcompany.com>")
    );
}

#[test]
fn port_and_security_mismatches_name_the_symptom() {
    let table: &[(i64, Security, &str)] = &[
        (465, Security::Starttls, "Read timed out"),
        (465, Security::None, "Read timed out"),
        (587, Security::Tls, "wrong version number"),
        (2587, Security::Tls, "wrong version number"),
        (25, Security::Tls, "wrong version number"),
        (587, Security::None, "STARTTLS"),
    ];
    for (port, sec, symptom) in table {
        let s = SmtpSettings {
            port: Some(*port),
            security: *sec,
            ..base()
        };
        let r = check_smtp_settings(&s);
        let issue = r
            .issues
            .iter()
            .find(|i| i.code == Code::SmtpSecurityPortMismatch)
            .unwrap_or_else(|| panic!("{port} {sec:?}: {:?}", r.issues));
        assert_eq!(issue.severity, crate::Severity::Warning);
        assert!(
            issue.message.contains(symptom),
            "{port} {sec:?}: {}",
            issue.message
        );
    }
    for (port, sec) in [
        (465, Security::Tls),
        (587, Security::Starttls),
        (2465, Security::Tls),
        (25, Security::Starttls),
        (25, Security::None),
    ] {
        let s = SmtpSettings {
            port: Some(port),
            security: sec,
            ..base()
        };
        assert!(
            !codes(&s).contains(&Code::SmtpSecurityPortMismatch),
            "{port} {sec:?}"
        );
    }
}

#[test]
fn ports_out_of_range_or_missing_are_errors() {
    for p in [0, -1, 65536, 100_000] {
        assert!(
            codes(&SmtpSettings {
                port: Some(p),
                ..base()
            })
            .contains(&Code::SmtpPortRange),
            "{p}"
        );
    }
    assert!(
        codes(&SmtpSettings {
            port: None,
            ..base()
        })
        .contains(&Code::SmtpPortMissing)
    );
    assert!(
        codes(&SmtpSettings {
            port: Some(8025),
            ..base()
        })
        .contains(&Code::SmtpPortUnusual)
    );
}

#[test]
fn authentication_fields_follow_the_chosen_scheme() {
    let no_pw = SmtpSettings {
        password: None,
        ..base()
    };
    assert!(codes(&no_pw).contains(&Code::SmtpPasswordMissing));
    // FusionAuth "Change password" unchecked keeps the stored password.
    let keep = SmtpSettings {
        password: None,
        password_stored: true,
        change_password: Some(false),
        ..base()
    };
    assert!(check_smtp_settings(&keep).valid);
    let change = SmtpSettings {
        password: None,
        password_stored: true,
        change_password: Some(true),
        ..base()
    };
    assert!(codes(&change).contains(&Code::SmtpPasswordMissing));
    let oauth = SmtpSettings {
        authentication: AuthMethod::Oauth2,
        password: None,
        ..base()
    };
    assert!(codes(&oauth).contains(&Code::SmtpOauth2ProviderMissing));
    let oauth_ok = SmtpSettings {
        oauth2_provider: Some("Google Workspace".into()),
        ..oauth
    };
    assert!(check_smtp_settings(&oauth_ok).valid);
    assert!(
        codes(&SmtpSettings {
            username: String::new(),
            ..base()
        })
        .contains(&Code::SmtpUsernameMissing)
    );
    assert!(
        codes(&SmtpSettings {
            username: " billing@yourcompany.com".into(),
            ..base()
        })
        .contains(&Code::SmtpUsernameWhitespace)
    );
    assert!(
        codes(&SmtpSettings {
            password: Some("secret ".into()),
            ..base()
        })
        .contains(&Code::SmtpPasswordWhitespace)
    );
    assert!(
        codes(&SmtpSettings {
            security: Security::None,
            port: Some(25),
            ..base()
        })
        .contains(&Code::SmtpCleartextAuth)
    );
}

#[test]
fn zuora_requires_the_sender_address_as_username_and_maps_socket_factory() {
    let z = SmtpSettings {
        profile: Profile::Zuora,
        username: "apikey".into(),
        ..base()
    };
    assert!(codes(&z).contains(&Code::SmtpUsernameNotEmail));
    let fa = SmtpSettings {
        profile: Profile::Fusionauth,
        username: "apikey".into(),
        ..base()
    };
    assert!(!codes(&fa).contains(&Code::SmtpUsernameNotEmail));

    let ssl = ZuoraTransport {
        socket_factory_class: Some(SSL_SOCKET_FACTORY.into()),
        socket_factory_port: Some(465),
        ..ZuoraTransport::default()
    };
    assert_eq!(zuora_transport(&ssl, Some(25)), (Security::Tls, Some(465)));
    let starttls = ZuoraTransport {
        enable_starttls: true,
        ..ZuoraTransport::default()
    };
    assert_eq!(
        zuora_transport(&starttls, Some(587)),
        (Security::Starttls, Some(587))
    );
    assert_eq!(
        zuora_transport(&ZuoraTransport::default(), Some(25)),
        (Security::None, Some(25))
    );

    let s = SmtpSettings {
        profile: Profile::Zuora,
        zuora: Some(ssl),
        port: Some(25),
        ..base()
    };
    let r = check_smtp_settings(&s);
    assert!(r.valid, "{:?}", r.issues);
    assert_eq!(r.value.unwrap().port, 465);
    let missing = ZuoraTransport {
        socket_factory_class: Some(SSL_SOCKET_FACTORY.into()),
        ..ZuoraTransport::default()
    };
    assert!(
        codes(&SmtpSettings {
            zuora: Some(missing),
            ..base()
        })
        .contains(&Code::SmtpSocketFactoryPortMissing)
    );
    let odd = ZuoraTransport {
        socket_factory_class: Some("com.example.Factory".into()),
        socket_factory_port: Some(465),
        ..ZuoraTransport::default()
    };
    assert!(
        codes(&SmtpSettings {
            zuora: Some(odd),
            ..base()
        })
        .contains(&Code::SmtpSocketFactoryClassUnknown)
    );
    let both = ZuoraTransport {
        enable_starttls: true,
        socket_factory_class: Some(SSL_SOCKET_FACTORY.into()),
        socket_factory_port: Some(465),
        ..ZuoraTransport::default()
    };
    assert!(
        codes(&SmtpSettings {
            zuora: Some(both),
            ..base()
        })
        .contains(&Code::SmtpSocketFactoryConflict)
    );
}

#[test]
fn relay_warning_when_from_domain_differs_from_username_domain() {
    let s = SmtpSettings {
        from_address: "noreply@othercompany.com".into(),
        ..base()
    };
    assert!(codes(&s).contains(&Code::SmtpFromDomainMismatch));
    let sub = SmtpSettings {
        from_address: "noreply@en.yourcompany.com".into(),
        ..base()
    };
    assert!(!codes(&sub).contains(&Code::SmtpFromDomainMismatch));
}

#[test]
fn additional_headers_are_parsed_and_injection_refused() {
    let mut issues = Issues::new();
    let h = parse_additional_headers("X-Campaign=Spring\n\nX-Tag = a b \r\n", &mut issues);
    assert!(issues.as_slice().is_empty(), "{issues:?}");
    assert_eq!(
        h,
        vec![
            Header {
                name: "X-Campaign".into(),
                value: "Spring".into()
            },
            Header {
                name: "X-Tag".into(),
                value: "a b".into()
            },
        ]
    );
    let table: &[(&str, Code)] = &[
        ("X-Thing: value", Code::SmtpHeaderSyntax),
        ("X Thing=value", Code::SmtpHeaderNameInvalid),
        ("=value", Code::SmtpHeaderNameInvalid),
        (
            "X-A=b\rBcc: victim@example.com",
            Code::SmtpHeaderValueInvalid,
        ),
        ("Subject=Hi", Code::SmtpHeaderForbidden),
        ("from=x@y.com", Code::SmtpHeaderForbidden),
        ("X-A=1\nx-a=2", Code::SmtpHeaderDuplicate),
        // SES acts on these in a raw message: never one tenant's to set.
        (
            "X-SES-CONFIGURATION-SET=other",
            Code::SmtpHeaderTransportControl,
        ),
        ("x-ses-message-tags=a=b", Code::SmtpHeaderTransportControl),
        (
            "X-SES-SOURCE-ARN=arn:aws:ses:x",
            Code::SmtpHeaderTransportControl,
        ),
        (
            "X-SES-FROM-ARN=arn:aws:ses:x",
            Code::SmtpHeaderTransportControl,
        ),
        (
            "X-SES-RETURN-PATH-ARN=arn:aws:ses:x",
            Code::SmtpHeaderTransportControl,
        ),
    ];
    for (text, code) in table {
        let mut issues = Issues::new();
        parse_additional_headers(text, &mut issues);
        assert!(issues.has(*code), "{text:?}: {issues:?}");
    }
    let mut issues = Issues::new();
    parse_additional_headers(&format!("X-Long={}", "v".repeat(1000)), &mut issues);
    assert!(issues.has(Code::SmtpHeaderTooLong));
    // "Name: value" with a name that may not be set says both at once (issue 27).
    let mut issues = Issues::new();
    parse_additional_headers("Bcc: x@y.com", &mut issues);
    assert_eq!(
        issues.as_slice()[0].message,
        "Line 1 is not Name=Value. Use = instead of :, for example X-Campaign=Spring. Bcc is set by the mailer for each message; remove it from additional headers."
    );
    let mut issues = Issues::new();
    parse_additional_headers("X-Thing: value", &mut issues);
    assert_eq!(
        issues.as_slice()[0].message,
        "Line 1 is not Name=Value. Use = instead of :, for example X-Campaign=Spring."
    );
    let mut issues = Issues::new();
    parse_additional_headers(&format!("X-Long={}", "v".repeat(1000)), &mut issues);
    assert!(issues.has(Code::SmtpHeaderTooLong));
    let r = check_smtp_settings(&SmtpSettings {
        additional_headers: "X-A=1\nSubject=x".into(),
        ..base()
    });
    assert_eq!(r.issues[0].field, "additionalHeaders[1]");
}

#[test]
fn provider_rules_apply_to_the_detected_provider() {
    let sendgrid = SmtpSettings {
        host: "smtp.sendgrid.net".into(),
        username: "me@yourcompany.com".into(),
        ..base()
    };
    assert!(codes(&sendgrid).contains(&Code::ProviderUsernameFixed));
    let sendgrid_ok = SmtpSettings {
        username: "apikey".into(),
        ..sendgrid
    };
    assert!(check_smtp_settings(&sendgrid_ok).valid);
    let resend = SmtpSettings {
        host: "smtp.resend.com".into(),
        username: "me".into(),
        ..base()
    };
    assert!(codes(&resend).contains(&Code::ProviderUsernameFixed));

    let gmail = SmtpSettings {
        host: "smtp.gmail.com".into(),
        username: "jared@gmail.com".into(),
        password: Some("hunter2hunter2".into()),
        from_address: "jared@piedpiper.com".into(),
        ..base()
    };
    let c = codes(&gmail);
    assert!(c.contains(&Code::ProviderGmailAppPassword));
    assert!(c.contains(&Code::ProviderGmailNotProduction));
    assert!(c.contains(&Code::ProviderGmailFromMismatch));
    let gmail_ok = SmtpSettings {
        password: Some("abcd efgh ijkl mnop".into()),
        from_address: "jared@gmail.com".into(),
        ..gmail
    };
    assert!(!codes(&gmail_ok).contains(&Code::ProviderGmailAppPassword));

    let ses = SmtpSettings {
        host: "email-smtp.eu-west-1.amazonaws.com".into(),
        username: "AKIAIOSFODNN7EXAMPLE".into(),
        password: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
        ..base()
    };
    let r = check_smtp_settings(&ses);
    assert!(r.has(Code::ProviderSesSecretKey));
    assert!(
        r.issues
            .iter()
            .any(|i| i.code == Code::ProviderSesRegion && i.message.contains("eu-west-1"))
    );
    assert_eq!(r.value.unwrap().provider.unwrap().id, ProviderId::AwsSes);
    let ses_port = SmtpSettings {
        port: Some(2525),
        ..ses
    };
    assert!(codes(&ses_port).contains(&Code::ProviderPortUnsupported));

    let brevo = SmtpSettings {
        host: "smtp-relay.brevo.com".into(),
        password: Some("xkeysib-abc".into()),
        ..base()
    };
    assert!(codes(&brevo).contains(&Code::ProviderBrevoApiKey));
}

#[test]
fn one_field_at_a_time_keeps_only_that_fields_issues() {
    let s = SmtpSettings {
        host: "smtp://x.com:25".into(),
        additional_headers: "Subject=x".into(),
        ..base()
    };
    let host = check_smtp_field(&s, "host");
    assert!(host.issues.iter().all(|i| i.field == "host"));
    assert!(host.has(Code::HostHasScheme));
    let headers = check_smtp_field(&s, "additionalHeaders");
    assert!(headers.has(Code::SmtpHeaderForbidden));
    assert!(!headers.has(Code::HostHasScheme));
}

#[test]
fn settings_json_round_trips_in_camel_case() {
    let json = r#"{"host":"smtp.sendgrid.net","port":587,"security":"starttls","authentication":"password",
        "username":"apikey","password":"SG.x","fromAddress":"billing@yourcompany.com","fromName":"Billing",
        "additionalHeaders":"X-Campaign=Spring","debug":false}"#;
    let s: SmtpSettings = serde_json::from_str(json).unwrap();
    assert_eq!(s.security, Security::Starttls);
    let r = check_smtp_settings(&s);
    assert!(r.valid, "{:?}", r.issues);
    insta::assert_json_snapshot!("sendgrid_settings_report", r);
    assert_eq!(Security::from_fusionauth("SSL"), Some(Security::Tls));
    assert_eq!(Security::from_fusionauth("TLS"), Some(Security::Starttls));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn normalized_settings_check_the_same(host in "[a-zA-Z]{1,10}\\.(com|NET|bücher\\.de)", user in "[a-z]{1,8}", name in "[a-zA-Z ,.]{0,20}") {
            let s = SmtpSettings { host, username: format!(" {user}@yourcompany.com"), from_name: name, ..base() };
            let first = check_smtp_settings(&s).value.unwrap();
            let again = SmtpSettings {
                host: first.host.ascii.clone(),
                username: first.username.clone(),
                from_address: first.from.clone().unwrap().address,
                ..s.clone()
            };
            let second = check_smtp_settings(&again).value.unwrap();
            prop_assert_eq!(second.host, first.host);
            prop_assert_eq!(second.from_header, first.from_header);
        }

        #[test]
        fn no_form_panics(host in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,30}", port in proptest::option::of(any::<i64>()), user in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,20}",
                          from in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,30}", headers in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,60}", sec in 0u8..3, auth in 0u8..3) {
            let s = SmtpSettings {
                host, port, username: user, from_address: from, additional_headers: headers,
                security: [Security::None, Security::Tls, Security::Starttls][sec as usize],
                authentication: [AuthMethod::None, AuthMethod::Password, AuthMethod::Oauth2][auth as usize],
                ..SmtpSettings::default()
            };
            let _ = check_smtp_settings(&s);
        }
    }
}

#[test]
fn additional_headers_are_bounded_and_deduplicated_in_one_pass() {
    // Many distinct headers: at most MAX_HEADER_LINES kept, then one error.
    let text = (0..200).fold(String::new(), |mut s, i| {
        use core::fmt::Write as _;
        let _ = writeln!(s, "X-H{i}=v");
        s
    });
    let mut issues = Issues::new();
    let headers = parse_additional_headers(&text, &mut issues);
    assert_eq!(headers.len(), MAX_HEADER_LINES);
    assert_eq!(issues.as_slice().len(), 1);
    assert_eq!(issues.as_slice()[0].code, Code::SmtpHeadersTooLarge);

    // Every line bad: the issues stop at MAX_HEADER_ISSUES and one summary.
    let text = "no equals sign\n".repeat(1000);
    let mut issues = Issues::new();
    parse_additional_headers(&text, &mut issues);
    assert_eq!(issues.as_slice().len(), MAX_HEADER_ISSUES + 1);

    // Duplicates (case-insensitive) warn once each, the first is kept.
    let mut issues = Issues::new();
    let headers = parse_additional_headers("X-A=1\nx-a=2\nX-B=3\nX-A=4", &mut issues);
    assert_eq!(headers.len(), 2);
    assert_eq!(
        issues
            .as_slice()
            .iter()
            .filter(|i| i.code == Code::SmtpHeaderDuplicate)
            .count(),
        2
    );

    // Too many bytes in all: refused before any parsing.
    let text = format!("X-Big={}", "a".repeat(MAX_HEADERS_BYTES));
    let mut issues = Issues::new();
    assert!(parse_additional_headers(&text, &mut issues).is_empty());
    assert!(issues.has(Code::SmtpHeadersTooLarge));
}
