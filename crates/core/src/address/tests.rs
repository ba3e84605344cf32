use super::*;
use crate::report::Code;

fn codes(input: &str) -> Vec<Code> {
    check_address(input, AddressOptions::default()).codes()
}

#[test]
fn plain_addresses_are_valid_and_domain_is_lowercased_ascii() {
    for (input, addr) in [
        ("jared@piedpiper.com", "jared@piedpiper.com"),
        ("Jared.Dunn@PiedPiper.COM", "Jared.Dunn@piedpiper.com"),
        ("noreply@en.yourcompany.com", "noreply@en.yourcompany.com"),
        ("user+tag@bücher.de", "user+tag@xn--bcher-kva.de"),
        (
            "fa@trial-o89qngkvfrwlwr32.mlsender.net",
            "fa@trial-o89qngkvfrwlwr32.mlsender.net",
        ),
    ] {
        let r = check_address(input, AddressOptions::default());
        assert!(r.valid, "{input}: {:?}", r.issues);
        assert_eq!(r.value.unwrap().address, addr);
    }
}

#[test]
fn each_syntax_error_has_its_code() {
    let table: &[(&str, Code)] = &[
        ("", Code::AddressEmpty),
        (" jared@piedpiper.com", Code::AddressWhitespace),
        ("jared@piedpiper.com ", Code::AddressWhitespace),
        ("jared.piedpiper.com", Code::AddressMissingAt),
        ("jared@pied@piper.com", Code::AddressMultipleAt),
        ("Jared Dunn <jared@piedpiper.com>", Code::AddressDisplayName),
        ("@piedpiper.com", Code::AddressLocalEmpty),
        (".jared@piedpiper.com", Code::AddressLocalDot),
        ("jared.@piedpiper.com", Code::AddressLocalDot),
        ("ja..red@piedpiper.com", Code::AddressLocalDot),
        ("ja red@piedpiper.com", Code::AddressLocalInvalidChar),
        ("ja(red)@piedpiper.com", Code::AddressLocalInvalidChar),
        ("jared@", Code::DomainEmpty),
        ("jared@piedpiper", Code::DomainDotless),
        ("jared@localhost", Code::DomainDotless),
        ("jared@piedpiper.test", Code::DomainSpecialUse),
        ("jared@printer.local", Code::DomainSpecialUse),
        ("jared@x.onion", Code::DomainSpecialUse),
        ("jared@1.2.3.4", Code::DomainNumericTld),
        ("jared@pied_piper.com", Code::DomainUnderscore),
        ("jared@-piedpiper.com", Code::DomainLabelHyphen),
        ("jared@piedpiper..com", Code::DomainEmptyLabel),
        ("jared@ex ample.com", Code::DomainInvalidChar),
        ("\"jared dunn\"@piedpiper.com", Code::AddressQuotedLocal),
        ("jared@[192.0.2.1]", Code::AddressDomainLiteral),
    ];
    for (input, code) in table {
        let c = codes(input);
        assert!(c.contains(code), "{input:?}: expected {code}, got {c:?}");
        assert!(
            !check_address(input, AddressOptions::default()).valid,
            "{input:?} must be invalid"
        );
    }
}

#[test]
fn length_limits_are_measured_in_octets_after_idna() {
    let local64 = "a".repeat(64);
    assert!(check_address(&format!("{local64}@example.com"), AddressOptions::default()).valid);
    assert!(codes(&format!("a{local64}@example.com")).contains(&Code::AddressLocalTooLong));
    // 64 + 1 + 189 = 254 octets is the most an address may have.
    let label = "b".repeat(61);
    let domain = format!("{label}.{label}.{label}.com");
    let addr = format!("{local64}@{domain}");
    assert_eq!(addr.len(), 254);
    assert!(check_address(&addr, AddressOptions::default()).valid);
    assert!(codes(&format!("{local64}@c{domain}")).contains(&Code::AddressTooLong));
    // A Unicode label is measured in its xn-- form.
    let long_unicode = format!("x@{}.de", "ü".repeat(60));
    assert!(codes(&long_unicode).contains(&Code::DomainLabelTooLong));
}

#[test]
fn options_turn_on_quoted_locals_literals_dotless_and_special_use() {
    let quoted = AddressOptions {
        allow_quoted_local: true,
        ..AddressOptions::default()
    };
    let r = check_address("\"jared dunn\"@piedpiper.com", quoted);
    assert!(r.valid);
    assert_eq!(r.value.unwrap().address, "\"jared dunn\"@piedpiper.com");
    let r = check_address("\"jared\"@piedpiper.com", quoted);
    assert!(r.has(Code::AddressUnnecessaryQuotes));
    assert_eq!(r.value.unwrap().address, "jared@piedpiper.com");

    let lit = AddressOptions {
        allow_domain_literal: true,
        ..AddressOptions::default()
    };
    assert!(check_address("jared@[192.0.2.1]", lit).valid);
    assert!(check_address("jared@[IPv6:2001:db8::1]", lit).valid);
    assert!(check_address("jared@[IPv6:1:2:3:4:5:6:7:8]", lit).valid);
    assert!(
        !check_address("jared@[IPv6:1:2:3::5:6:7:8]", lit).valid,
        ":: must stand for two groups"
    );
    assert!(!check_address("jared@[300.1.1.1]", lit).valid);

    let dotless = AddressOptions {
        allow_dotless: true,
        allow_special_use: true,
        ..AddressOptions::default()
    };
    assert!(check_address("root@localhost", dotless).valid);
}

#[test]
fn smtputf8_local_parts_warn_or_fail_by_option() {
    let r = check_address("jösé@example.com", AddressOptions::default());
    assert!(r.valid);
    assert!(r.has(Code::AddressSmtputf8));
    assert!(r.value.unwrap().smtputf8);
    let strict = AddressOptions {
        allow_smtputf8: false,
        ..AddressOptions::default()
    };
    assert!(!check_address("jösé@example.com", strict).valid);
}

#[test]
fn display_names_parse_and_format_with_quoting() {
    let r = parse_mailbox(
        "Jared Dunn <jared@piedpiper.com>",
        AddressOptions::default(),
    );
    let m = r.value.unwrap();
    assert_eq!(m.name, "Jared Dunn");
    assert_eq!(m.formatted, "Jared Dunn <jared@piedpiper.com>");
    let r = parse_mailbox(
        "\"Dunn, Jared\" <jared@piedpiper.com>",
        AddressOptions::default(),
    );
    assert_eq!(r.value.unwrap().name, "Dunn, Jared");
    assert_eq!(
        format_mailbox("Dunn, Jared", "jared@piedpiper.com"),
        "\"Dunn, Jared\" <jared@piedpiper.com>"
    );
    assert_eq!(
        format_mailbox("Say \"hi\"", "a@b.com"),
        "\"Say \\\"hi\\\"\" <a@b.com>"
    );
    assert_eq!(format_mailbox("", "a@b.com"), "a@b.com");
    let bad = parse_mailbox(
        "Jared\r\nBcc: x@y.com <jared@piedpiper.com>",
        AddressOptions::default(),
    );
    assert!(bad.has(Code::SmtpFromNameInvalid));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_input_panics(s in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,80}") {
            let _ = check_address(&s, AddressOptions::default());
            let _ = parse_mailbox(&s, AddressOptions::default());
        }

        #[test]
        fn normalization_is_idempotent(local in "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,20}", domain in "[a-zA-Z0-9-]{1,12}\\.(com|de|BÜCHER|org)") {
            let input = format!("{local}@{domain}");
            if let Some(a) = check_address(&input, AddressOptions::default()).value {
                let again = check_address(&a.address, AddressOptions::default());
                prop_assert!(again.valid);
                prop_assert_eq!(again.value.unwrap().address, a.address);
            }
        }
    }
}
