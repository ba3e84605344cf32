use super::*;
use crate::report::Code;

fn host_codes(input: &str) -> Vec<Code> {
    check_host(input, HostOptions::default()).codes()
}

#[test]
fn hosts_of_the_seed_providers_are_valid() {
    for h in [
        "smtp.gmail.com",
        "email-smtp.eu-west-1.amazonaws.com",
        "smtp-relay.brevo.com",
        "smtp.mandrillapp.com",
        "smtp.mailersend.net",
        "smtp.mailgun.org",
        "smtp.postmarkapp.com",
        "smtp.resend.com",
        "smtp.sendgrid.net",
        "SMTP.Example.COM.",
        "r3---sn-ab5l6nzr.example.com",
    ] {
        let r = check_host(h, HostOptions::default());
        assert!(r.valid, "{h}: {:?}", r.issues);
        assert_eq!(r.value.unwrap().kind, HostKind::Domain);
    }
    assert_eq!(
        check_host("SMTP.Example.COM.", HostOptions::default())
            .value
            .unwrap()
            .ascii,
        "smtp.example.com"
    );
    assert_eq!(
        check_host("mail.bücher.de", HostOptions::default())
            .value
            .unwrap()
            .ascii,
        "mail.xn--bcher-kva.de"
    );
}

#[test]
fn typing_mistakes_in_the_host_field_are_named() {
    let table: &[(&str, Code)] = &[
        ("", Code::HostEmpty),
        ("  ", Code::HostEmpty),
        (" smtp.gmail.com", Code::HostWhitespace),
        ("smtp://smtp.gmail.com", Code::HostHasScheme),
        ("smtps://smtp.gmail.com", Code::HostHasScheme),
        ("smtp.gmail.com:587", Code::HostHasPort),
        ("[2001:db8::1]:465", Code::HostHasPort),
        ("smtp.gmail.com/", Code::HostHasPath),
        ("me@gmail.com", Code::HostHasUserinfo),
        ("ex ample.com", Code::DomainInvalidChar),
        ("smtp_relay.example.com", Code::DomainUnderscore),
        ("999.1.1.1", Code::HostInvalidIp),
        ("1.2.3", Code::HostInvalidIp),
        ("2001:db8::zz", Code::HostInvalidIp),
        ("localhost", Code::DomainDotless),
        ("mail.localhost", Code::DomainSpecialUse),
        ("127.0.0.1", Code::HostPrivate),
        ("10.1.2.3", Code::HostPrivate),
        ("192.168.1.1", Code::HostPrivate),
        ("169.254.169.254", Code::HostPrivate),
        ("::1", Code::HostPrivate),
        ("[::ffff:127.0.0.1]", Code::HostPrivate),
        ("fd00::1", Code::HostPrivate),
        ("mailhost", Code::DomainDotless),
    ];
    for (input, code) in table {
        let c = host_codes(input);
        assert!(c.contains(code), "{input:?}: expected {code}, got {c:?}");
        assert!(
            !check_host(input, HostOptions::default()).valid,
            "{input:?} must be invalid"
        );
    }
    let r = check_host("smtp.gmail.com:587", HostOptions::default());
    assert!(r.issues[0].message.contains("587 in the Port field"));
}

#[test]
fn ip_hosts_are_accepted_with_a_tls_warning_and_private_ones_by_option() {
    let r = check_host("192.0.2.10", HostOptions::default());
    assert!(r.valid);
    assert!(r.has(Code::HostIpLiteral));
    let r = check_host("[2001:db8::25]", HostOptions::default());
    assert_eq!(r.value.unwrap().kind, HostKind::Ipv6);
    let local = HostOptions {
        allow_private: true,
        ..HostOptions::default()
    };
    assert!(check_host("127.0.0.1", local).valid);
    assert!(check_host("localhost", local).valid);
}

#[test]
fn dns_record_names_allow_underscore_labels() {
    let r = check_dns_name("_dmarc.Example.com.");
    assert!(r.valid, "{:?}", r.issues);
    assert_eq!(r.value.unwrap().ascii, "_dmarc.example.com");
    assert!(check_dns_name("abcdefgh._domainkey.example.com").valid);
    assert!(!check_domain("_dmarc.example.com").valid);
}

#[test]
fn idna_uses_the_strict_api_that_refuses_spaces() {
    assert!(idna_to_ascii("ex ample.com").is_err());
    assert_eq!(idna_to_ascii("Bücher.de").unwrap(), "xn--bcher-kva.de");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_input_panics(s in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,80}") {
            let _ = check_host(&s, HostOptions::default());
            let _ = check_dns_name(&s);
        }

        /// Issue 26: the ASCII fast path (lowercase, no UTS #46 pass) gives what UTS #46
        /// gives for every all-ASCII name it accepts, with and without underscores, in
        /// every case, and A-labels still take the full path.
        #[test]
        fn the_ascii_fast_path_maps_as_uts46_does(s in "(?:[a-zA-Z0-9_-]{1,12}\\.){0,3}(?:[a-zA-Z]{2,6}|xn--[a-z0-9]{1,8}|[a-zA-Z0-9_-]{1,12})") {
            let dopts = DomainOptions { allow_underscore: true, allow_dotless: true, ..DomainOptions::default() };
            let mut issues = crate::report::Issues::new();
            if let Some(d) = check_domain_into(&s, "domain", "domain", dopts, &mut issues) {
                let expected: Vec<String> = s
                    .split('.')
                    .map(|l| {
                        if l.contains('_') {
                            l.to_ascii_lowercase()
                        } else {
                            Uts46::new()
                                .to_ascii(l.as_bytes(), AsciiDenyList::STD3, Hyphens::CheckFirstLast, DnsLength::Ignore)
                                .map_or_else(|_| format!("<refused by UTS #46: {l}>"), std::borrow::Cow::into_owned)
                        }
                    })
                    .collect();
                prop_assert_eq!(&d.ascii, &expected.join("."));
                if !s.split('.').any(is_a_label) {
                    prop_assert_eq!(&d.unicode, &d.ascii);
                }
            }
        }

        #[test]
        fn labels_splits_as_split_does(s in "[a.é]{0,12}") {
            prop_assert_eq!(labels(&s).collect::<Vec<_>>(), s.split('.').collect::<Vec<_>>());
        }

        #[test]
        fn normalization_is_idempotent(s in "[a-zA-Z0-9.-]{1,40}|[a-zäöüß]{1,10}\\.[a-z]{2,5}") {
            if let Some(h) = check_host(&s, HostOptions::default()).value {
                let again = check_host(&h.ascii, HostOptions::default()).value.unwrap();
                prop_assert_eq!(again.ascii, h.ascii);
            }
        }
    }
}

#[test]
fn every_range_that_reaches_inside_or_nowhere_is_private() {
    let private = [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "192.0.0.8",
        "198.18.0.1",
        "198.19.255.255",
        "240.0.0.1",
        "255.255.255.255",
        "224.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::10.0.0.1",
        "::8.8.8.8",
        "64:ff9b::a00:1",
        "64:ff9b::808:808",
        "64:ff9b:1::1",
        "2002:a00:1::1",
        "2002:808:808::1",
        "2001:0:4136:e378::1",
        "100::1",
    ];
    for ip in private {
        let addr: std::net::IpAddr = ip.parse().unwrap();
        assert!(is_private_ip(addr), "{ip} must count as private");
    }
    // Documentation ranges (RFC 5737, RFC 3849) reach nothing, inside or out: not refused.
    let public = [
        "192.0.2.10",
        "2001:db8::25",
        "8.8.8.8",
        "1.1.1.1",
        "192.0.1.1",
        "198.20.0.1",
        "2600:1f18::1",
        "2a00:1450::1",
        "::ffff:8.8.8.8",
    ];
    for ip in public {
        let addr: std::net::IpAddr = ip.parse().unwrap();
        assert!(!is_private_ip(addr), "{ip} is public");
    }
}

#[test]
fn reserved_hyphens_warn_for_hosts_and_refuse_a_new_identity_domain() {
    let r = check_host("r3---sn-abc.googlevideo.com", HostOptions::default());
    assert!(r.valid, "real host names carry them");
    assert!(r.has(Code::DomainReservedHyphens));
    assert!(
        !check_host("xn--bcher-kva.example", HostOptions::default())
            .has(Code::DomainReservedHyphens)
    );
    let tenant = crate::identity::Tenant {
        active_user_emails: vec!["ops@ab--cd.example.com".to_owned()],
        identities: Vec::new(),
    };
    let r = crate::identity::check_new_identity(&tenant, "ab--cd.example.com", None);
    assert!(!r.valid);
    assert!(r.has(Code::DomainReservedHyphens));
    let ok = crate::identity::check_new_identity(&tenant, "xn--bcher-kva.example.com", None);
    assert!(!ok.has(Code::DomainReservedHyphens));
}
