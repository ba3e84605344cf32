use super::*;
use crate::address::{AddressOptions, check_address, parse_mailbox};
use crate::host::{HostOptions, check_domain, check_host};
use crate::report::Severity;
use crate::smtp::parse_additional_headers;

/// One row: the text, where it is used, and the class and character expected (or none).
type Row = (&'static str, TextKind, Option<(UnsafeClass, char)>);

#[test]
fn each_unsafe_class_is_found_with_its_character() {
    use TextKind::{Address, DisplayName, Domain, HeaderValue};
    use UnsafeClass::*;
    let rows: &[Row] = &[
        // Bidirectional controls, every one of them.
        (
            "admin\u{202E}moc.evil@example.com",
            Address,
            Some((Bidi, '\u{202E}')),
        ),
        ("a\u{202A}b", DisplayName, Some((Bidi, '\u{202A}'))),
        ("a\u{202B}b", DisplayName, Some((Bidi, '\u{202B}'))),
        ("a\u{202C}b", DisplayName, Some((Bidi, '\u{202C}'))),
        ("a\u{202D}b", DisplayName, Some((Bidi, '\u{202D}'))),
        ("a\u{2066}b", HeaderValue, Some((Bidi, '\u{2066}'))),
        ("a\u{2067}b", HeaderValue, Some((Bidi, '\u{2067}'))),
        ("a\u{2068}b", HeaderValue, Some((Bidi, '\u{2068}'))),
        ("a\u{2069}b", HeaderValue, Some((Bidi, '\u{2069}'))),
        ("a\u{200E}b.com", Domain, Some((Bidi, '\u{200E}'))),
        ("a\u{200F}b.com", Domain, Some((Bidi, '\u{200F}'))),
        ("a\u{061C}b", DisplayName, Some((Bidi, '\u{061C}'))),
        // Zero-width and invisible characters.
        ("exa\u{200B}mple.com", Domain, Some((Invisible, '\u{200B}'))),
        ("exa\u{2060}mple.com", Domain, Some((Invisible, '\u{2060}'))),
        (
            "\u{FEFF}jared@example.com",
            Address,
            Some((Invisible, '\u{FEFF}')),
        ),
        (
            "ja\u{00AD}red@example.com",
            Address,
            Some((Invisible, '\u{00AD}')),
        ),
        (
            "Jared\u{2063}Dunn",
            DisplayName,
            Some((Invisible, '\u{2063}')),
        ),
        (
            "ja\u{200D}red@example.com",
            Address,
            Some((Invisible, '\u{200D}')),
        ),
        (
            "ja\u{200C}red@example.com",
            Address,
            Some((Invisible, '\u{200C}')),
        ),
        (
            "i\u{2764}\u{FE0F}.ws",
            Domain,
            Some((Invisible, '\u{FE0F}')),
        ),
        ("a\u{FE0F}", DisplayName, Some((Invisible, '\u{FE0F}'))),
        ("\u{3164}", DisplayName, Some((Invisible, '\u{3164}'))),
        ("tag\u{E0041}", HeaderValue, Some((Invisible, '\u{E0041}'))),
        // Spaces that are not U+0020, and the separators.
        ("Jared\u{00A0}Dunn", DisplayName, Some((Space, '\u{00A0}'))),
        ("Jared\u{2009}Dunn", DisplayName, Some((Space, '\u{2009}'))),
        ("Jared\u{3000}Dunn", DisplayName, Some((Space, '\u{3000}'))),
        (
            "a\u{2028}Bcc: x@example.com",
            HeaderValue,
            Some((Space, '\u{2028}')),
        ),
        ("a\u{2029}b", HeaderValue, Some((Space, '\u{2029}'))),
        (
            "ja red\u{1680}@example.com",
            Address,
            Some((Space, '\u{1680}')),
        ),
        // C0 and C1 controls (tab, CR and LF are each field's own rules).
        ("ja\u{0}red@example.com", Address, Some((Control, '\u{0}'))),
        ("a\u{7F}", HeaderValue, Some((Control, '\u{7F}'))),
        ("a\u{85}b", DisplayName, Some((Control, '\u{85}'))),
        ("a\u{9B}b", DisplayName, Some((Control, '\u{9B}'))),
        ("a\tb", HeaderValue, None),
        // Private use, unassigned and noncharacters, the replacement character.
        (
            "jared\u{E000}@example.com",
            Address,
            Some((PrivateUse, '\u{E000}')),
        ),
        ("a\u{F0000}", DisplayName, Some((PrivateUse, '\u{F0000}'))),
        ("a\u{0378}b", DisplayName, Some((Unassigned, '\u{0378}'))),
        ("a\u{FFFF}", HeaderValue, Some((Unassigned, '\u{FFFF}'))),
        ("a\u{FDD0}", HeaderValue, Some((Unassigned, '\u{FDD0}'))),
        ("a\u{FFFD}b", DisplayName, Some((Unreadable, '\u{FFFD}'))),
        // A combining mark that starts a part.
        (
            "\u{0301}jared@example.com",
            Address,
            Some((LeadingCombiningMark, '\u{0301}')),
        ),
        (
            "jared.\u{0301}dunn@example.com",
            Address,
            Some((LeadingCombiningMark, '\u{0301}')),
        ),
        (
            "jared@\u{0301}example.com",
            Address,
            Some((LeadingCombiningMark, '\u{0301}')),
        ),
        (
            "www.\u{0308}example.com",
            Domain,
            Some((LeadingCombiningMark, '\u{0308}')),
        ),
        (
            "www\u{3002}\u{0308}example.com",
            Domain,
            Some((LeadingCombiningMark, '\u{0308}')),
        ),
        (
            "Jared \u{20DD}",
            DisplayName,
            Some((LeadingCombiningMark, '\u{20DD}')),
        ),
        // What a person can read passes.
        ("jos\u{0065}\u{0301}@example.com", Address, None),
        ("bücher.de", Domain, None),
        ("Jared Dunn", DisplayName, None),
        ("Zoë \u{1F469}\u{200D}\u{1F4BB} Support", DisplayName, None),
        ("I \u{2764}\u{FE0F} mail", DisplayName, None),
        // ZWNJ and ZWJ after a virama (RFC 5892 A.1, A.2).
        (
            "\u{0915}\u{094D}\u{200D}\u{0937}@example.com",
            Address,
            None,
        ),
        ("\u{0915}\u{094D}\u{200C}\u{0937}", DisplayName, None),
        // In a domain the joiners are UTS #46 CheckJoiners' to judge.
        ("\u{0915}\u{094D}\u{200D}\u{0937}.example", Domain, None),
    ];
    for (text, kind, want) in rows {
        let got = find_unsafe(text, *kind).map(|u| (u.class, u.c));
        assert_eq!(got, *want, "{text:?} as {kind:?}");
    }
}

#[test]
fn each_class_has_its_own_code() {
    let codes: std::collections::HashSet<_> = UnsafeClass::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(codes.len(), UnsafeClass::ALL.len());
}

#[test]
fn the_message_names_the_character_and_says_to_retype() {
    let r = check_address(
        "admin\u{202E}moc.evil@example.com",
        AddressOptions::default(),
    );
    assert!(r.value.is_none());
    let issue = &r.issues[0];
    assert_eq!(issue.code, Code::TextBidiControl);
    assert!(
        issue.message.contains("U+202E RIGHT-TO-LEFT OVERRIDE"),
        "{}",
        issue.message
    );
    assert!(
        issue.message.contains("at character 6"),
        "{}",
        issue.message
    );
    assert!(
        issue.message.contains("Retype the address"),
        "{}",
        issue.message
    );
    assert_eq!(char_name('\u{E000}'), "U+E000");
}

#[test]
fn uts46_mapping_an_invisible_character_away_is_reported() {
    // UTS #46 maps U+200B, U+00AD, U+FEFF and U+FE0F to nothing: without this check
    // `exa\u{200B}mple.com` would silently become example.com.
    for input in [
        "exa\u{200B}mple.com",
        "exa\u{00AD}mple.com",
        "\u{FEFF}example.com",
    ] {
        let r = check_domain(input);
        assert!(r.value.is_none(), "{input:?}");
        assert_eq!(r.issues[0].code, Code::TextInvisible, "{input:?}");
    }
}

#[test]
fn every_field_refuses_the_same_characters() {
    let bad = '\u{202E}';
    let addr = check_address(&format!("a{bad}b@example.com"), AddressOptions::default());
    let domain = check_domain(&format!("a{bad}b.com"));
    let host = check_host(&format!("smtp.a{bad}b.com"), HostOptions::default());
    let mailbox = parse_mailbox(
        &format!("Jared{bad} <jared@example.com>"),
        AddressOptions::default(),
    );
    let mut issues = Issues::new();
    let headers = parse_additional_headers(&format!("X-Tag=a{bad}b"), &mut issues);
    assert!(headers.is_empty());
    for (what, codes) in [
        (
            "address",
            addr.issues.iter().map(|i| i.code).collect::<Vec<_>>(),
        ),
        ("domain", domain.issues.iter().map(|i| i.code).collect()),
        ("host", host.issues.iter().map(|i| i.code).collect()),
        ("mailbox", mailbox.issues.iter().map(|i| i.code).collect()),
        ("header", issues.as_slice().iter().map(|i| i.code).collect()),
    ] {
        assert_eq!(codes, [Code::TextBidiControl], "{what}");
    }
}

#[test]
fn a_local_part_is_checked_after_nfc() {
    // U+037E GREEK QUESTION MARK normalizes to ';', an RFC 5322 special.
    let r = check_address("jared\u{037E}dunn@example.com", AddressOptions::default());
    assert!(r.value.is_none());
    assert_eq!(r.issues[0].code, Code::AddressLocalInvalidChar);
    assert!(
        r.issues[0].message.contains("';'"),
        "{}",
        r.issues[0].message
    );
    // The decomposed é is returned composed, and measured composed.
    let opts = AddressOptions {
        allow_smtputf8: true,
        ..AddressOptions::default()
    };
    let r = check_address("jose\u{0301}@example.com", opts);
    let a = r.value.expect("valid with SMTPUTF8");
    assert_eq!(a.local, "jos\u{00E9}");
    assert_eq!(a.address, "jos\u{00E9}@example.com");
    // 32 decomposed é are 96 octets typed and 64 in NFC: the limit is met after NFC.
    let local = "e\u{0301}".repeat(32);
    let r = check_address(&format!("{local}@example.com"), opts);
    assert!(r.value.is_some(), "{:?}", r.issues);
}

#[test]
fn a_mail_domains_top_level_label_is_letters_or_an_a_label() {
    let r = check_domain("example.c0m");
    assert!(r.value.is_none());
    assert_eq!(r.issues[0].code, Code::DomainTldInvalid);
    assert!(check_domain("example.xn--p1ai").value.is_some());
    assert!(check_domain("example.рф").value.is_some());
    // A server's host may live under a private name: a warning.
    let h = check_host("smtp.corp2", HostOptions::default());
    assert!(h.value.is_some(), "{:?}", h.issues);
    assert_eq!(h.issues[0].code, Code::DomainTldInvalid);
    assert_eq!(h.issues[0].severity, Severity::Warning);
}

mod fast_path {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Issue 26: the byte scan for ASCII text finds what the character-by-character
        /// pass finds (the same character, position and class), for every kind of text;
        /// with non-ASCII after the ASCII it hands over to the full pass.
        #[test]
        fn the_ascii_fast_path_finds_what_the_full_pass_finds(s in "[\\x00-\\x7F]{0,40}(?:\\u{202E}|\\u{0301}|é|)[\\x00-\\x7F]{0,5}") {
            for kind in [TextKind::Address, TextKind::Domain, TextKind::DisplayName, TextKind::HeaderValue] {
                prop_assert_eq!(find_unsafe(&s, kind), find_unsafe_full(&s, kind), "{:?} {:?}", s, kind);
            }
        }
    }
}
