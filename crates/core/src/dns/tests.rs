use super::dkim::*;
use super::dmarc::*;
use super::spf::*;
use super::*;

const TOKENS: [&str; 3] = [
    "ijwjrsbmfjnhqrfafivnvgrqd5klzyta",
    "3gmcfo5pjujk3mwmptdm2kqfsyjqv3ad",
    "d2nhkkx5rkbydrwmmj3zgkt6wg4ajt7b",
];

fn tokens() -> Vec<String> {
    TOKENS.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn easy_dkim_cnames_use_the_signing_zone_or_the_regions_dkim_domain() {
    let r = easy_dkim_records("YourCompany.com", &tokens(), None, Some("us-east-1"));
    assert!(r.valid, "{:?}", r.issues);
    let recs = r.value.unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[0].name,
        "ijwjrsbmfjnhqrfafivnvgrqd5klzyta._domainkey.yourcompany.com"
    );
    assert_eq!(
        recs[0].value,
        "ijwjrsbmfjnhqrfafivnvgrqd5klzyta.dkim.amazonses.com"
    );
    let osaka = easy_dkim_records("yourcompany.com", &tokens(), None, Some("ap-northeast-3"))
        .value
        .unwrap();
    assert_eq!(
        osaka[1].value,
        "3gmcfo5pjujk3mwmptdm2kqfsyjqv3ad.dkim.ap-northeast-3.amazonses.com"
    );
    assert_eq!(
        crate::ses::dkim_domain("il-central-1"),
        "dkim.il-central-1.amazonses.com"
    );
    assert_eq!(crate::ses::dkim_domain("eu-west-1"), "dkim.amazonses.com");
    let zone = easy_dkim_records(
        "yourcompany.com",
        &tokens(),
        Some("dkim.af-south-1.amazonses.com."),
        Some("us-east-1"),
    )
    .value
    .unwrap();
    assert_eq!(
        zone[2].value,
        "d2nhkkx5rkbydrwmmj3zgkt6wg4ajt7b.dkim.af-south-1.amazonses.com"
    );
    insta::assert_snapshot!("easy_dkim_zone_file", zone_file(&recs));
    insta::assert_json_snapshot!("easy_dkim_json", recs);
}

#[test]
fn easy_dkim_refuses_bad_tokens_and_counts() {
    assert!(
        easy_dkim_records("yourcompany.com", &tokens()[..2], None, None).has(Code::DkimTokenCount)
    );
    let mut bad = tokens();
    bad[0] = "ijwjrsbmfjnhqrfafivnvgrqd5klzyta._domainkey".into();
    assert!(easy_dkim_records("yourcompany.com", &bad, None, None).has(Code::DkimTokenInvalid));
}

#[test]
fn seed_dkim_example_is_read_as_a_tag_list_but_its_key_is_truncated() {
    // FusionAuth's "k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQ8c7wIDAQAB" is an abbreviated example.
    let r = check_dkim_record("k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQ8c7wIDAQAB");
    assert!(r.has(Code::DkimKeyInvalid));
    assert!(!r.has(Code::DkimRecordSyntax));
}

#[test]
fn long_txt_values_split_on_char_boundaries() {
    let text = "é".repeat(200);
    let parts = split_txt(&text);
    assert!(parts.iter().all(|p| p.len() <= 255));
    assert_eq!(parts.concat(), text);
    let rec = DnsRecord::txt("x.example.com", &"a".repeat(300), Purpose::Byodkim);
    assert_eq!(
        rec.rdata(),
        format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))
    );
}

#[test]
fn seed_spf_examples_are_valid() {
    for rec in [
        "v=spf1 mx include:amazonses.com ~all",
        "v=spf1 ip4:129.6.100.200 ip6:2610:20:6005:100::20 -all",
    ] {
        let r = check_spf(rec);
        assert!(r.valid && r.issues.is_empty(), "{rec}: {:?}", r.issues);
    }
}

#[test]
fn spf_lint_table() {
    let table: &[(&str, Code, bool)] = &[
        ("v=spf10 -all", Code::SpfNotSpf, false),
        ("spf1 -all", Code::SpfNotSpf, false),
        ("V=SPF1 -all", Code::SpfNoAll, true), // version is case-insensitive (SpfNoAll: no code asserted)
        ("v=spf1 ip4:1.2.3.4/33 -all", Code::SpfCidrRange, false),
        ("v=spf1 ip6:::1/129 -all", Code::SpfCidrRange, false),
        ("v=spf1 a/024 -all", Code::SpfCidrRange, false),
        ("v=spf1 ip4:1.2.3 -all", Code::SpfSyntax, false),
        ("v=spf1 include -all", Code::SpfSyntax, false),
        ("v=spf1 include:com -all", Code::SpfSyntax, false),
        ("v=spf1 a:foo.1 -all", Code::SpfSyntax, false),
        ("v=spf1 foo:bar.com -all", Code::SpfUnknownMechanism, false),
        (
            "v=spf1 redirect=a.com redirect=b.com",
            Code::SpfDuplicateModifier,
            false,
        ),
        (
            "v=spf1 exp=a.com exp=b.com -all",
            Code::SpfDuplicateModifier,
            false,
        ),
        ("v=spf1 -all mx", Code::SpfAfterAll, true),
        ("v=spf1 -all redirect=a.com", Code::SpfRedirectWithAll, true),
        ("v=spf1 ptr -all", Code::SpfPtrDeprecated, true),
        ("v=spf1 +all", Code::SpfPlusAll, true),
        ("v=spf1 mx", Code::SpfNoAll, true),
        (
            "v=spf1 include:%{d}.example.com exists:%{i}.%{l1r+-}._spf.%{d} -all",
            Code::SpfNoAll,
            true,
        ),
        (
            "v=spf1 include:%{q}.example.com -all",
            Code::SpfSyntax,
            false,
        ),
        (
            "v=spf1 a:x.example.com/24//64 mx//56 -all",
            Code::SpfNoAll,
            true,
        ),
    ];
    for (rec, code, valid) in table {
        let r = check_spf(rec);
        assert_eq!(r.valid, *valid, "{rec}: {:?}", r.issues);
        if *code != Code::SpfNoAll {
            assert!(r.has(*code), "{rec}: expected {code}, got {:?}", r.codes());
        }
    }
    assert!(check_spf("v=spf1 mx").has(Code::SpfNoAll));
    assert!(!check_spf("v=spf1 mx -all").has(Code::SpfNoAll));
    let many = format!(
        "v=spf1 {} -all",
        (0..11)
            .map(|i| format!("include:s{i}.example.com"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let r = check_spf(&many);
    assert!(r.has(Code::SpfLookupLimit));
    assert_eq!(r.value.unwrap().lookups, 11);
    assert!(
        check_spf_set(&["v=spf1 -all".into(), "v=spf1 mx -all".into()])
            .has(Code::SpfMultipleRecords)
    );
    assert!(check_spf_set(&["google-site-verification=x".into(), "v=spf1 mx -all".into()]).valid);
}

#[test]
fn merge_include_places_it_before_all_and_keeps_the_record_valid() {
    assert_eq!(
        merge_include(Some("v=spf1 mx ~all"), "amazonses.com")
            .value
            .unwrap(),
        "v=spf1 mx include:amazonses.com ~all"
    );
    assert_eq!(
        merge_include(None, "amazonses.com").value.unwrap(),
        "v=spf1 include:amazonses.com ~all"
    );
    assert_eq!(
        merge_include(Some("v=spf1 mx redirect=_spf.example.com"), "amazonses.com")
            .value
            .unwrap(),
        "v=spf1 mx include:amazonses.com redirect=_spf.example.com"
    );
    let same = merge_include(Some("v=spf1 include:amazonses.com -all"), "amazonses.com");
    assert!(same.has(Code::SpfIncludePresent));
    assert_eq!(same.value.unwrap(), "v=spf1 include:amazonses.com -all");
    let broken = merge_include(Some("v=spf1 ip4:1.2.3.4/40 -all"), "amazonses.com");
    assert!(!broken.valid && broken.value.is_none());
    let full = format!(
        "v=spf1 {} -all",
        (0..10)
            .map(|i| format!("include:s{i}.example.com"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(merge_include(Some(&full), "amazonses.com").has(Code::SpfLookupLimit));
}

#[test]
fn seed_dmarc_example_is_valid_with_a_monitoring_hint() {
    let r = check_dmarc(
        "v=DMARC1; p=none; rua=mailto:rua@dmarc.brevo.com",
        Some("myapp.com"),
    );
    assert!(r.valid, "{:?}", r.issues);
    assert!(r.has(Code::DmarcPolicyNone));
    assert_eq!(r.value.unwrap().rua, vec!["rua@dmarc.brevo.com".to_owned()]);
}

#[test]
fn dmarc_lint_table() {
    let table: &[(&str, Code, bool)] = &[
        ("v=DMARC1", Code::DmarcPolicyMissing, false),
        ("v=dmarc1; p=none", Code::DmarcNotDmarc, false),
        ("p=none; v=DMARC1", Code::DmarcNotDmarc, false),
        ("v=DMARC1; p=block", Code::DmarcPolicyInvalid, false),
        ("v=DMARC1; p=none; p=reject", Code::DmarcDuplicateTag, false),
        ("v=DMARC1; p=reject; adkim=x", Code::DmarcTagValue, false),
        ("v=DMARC1; p=reject; pct=150", Code::DmarcTagValue, false),
        ("v=DMARC1; p=reject; pct=50", Code::DmarcDeprecatedTag, true),
        (
            "v=DMARC1; p=reject; rua=dmarc@example.com",
            Code::DmarcUriInvalid,
            false,
        ),
        (
            "v=DMARC1; p=reject; rua=mailto:dmarc@example.com!10m",
            Code::DmarcPolicyNone,
            true,
        ),
        ("v=DMARC1; p=reject; foo=bar", Code::DmarcUnknownTag, true),
        (
            "v=DMARC1; p=reject; np=reject; psd=n; t=y",
            Code::DmarcPolicyNone,
            true,
        ),
        ("v=DMARC1 p=none", Code::DmarcNotDmarc, false),
        ("v=DMARC1; sp=none; p=reject", Code::DmarcSyntax, true),
    ];
    for (rec, code, valid) in table {
        let r = check_dmarc(rec, None);
        assert_eq!(r.valid, *valid, "{rec}: {:?}", r.issues);
        if *code != Code::DmarcPolicyNone {
            assert!(r.has(*code), "{rec}: expected {code}, got {:?}", r.codes());
        }
    }
    let ext = check_dmarc(
        "v=DMARC1; p=reject; rua=mailto:r@reports.example.net",
        Some("yourcompany.com"),
    );
    assert!(ext.issues.iter().any(|i| {
        i.message
            .contains("yourcompany.com._report._dmarc.reports.example.net")
    }));
}

#[test]
fn built_dmarc_records_pass_the_linter() {
    let d = Dmarc {
        policy: Policy::Quarantine,
        subdomain_policy: Some(Policy::Reject),
        adkim: Alignment::Strict,
        rua: vec!["dmarc@yourcompany.com".into()],
        ..Dmarc::default()
    };
    let r = build_dmarc("yourcompany.com", &d);
    assert!(r.valid, "{:?}", r.issues);
    let rec = r.value.unwrap();
    assert_eq!(rec.name, "_dmarc.yourcompany.com");
    assert_eq!(
        rec.value,
        "v=DMARC1; p=quarantine; sp=reject; adkim=s; rua=mailto:dmarc@yourcompany.com"
    );
    assert_eq!(check_dmarc(&rec.value, None).value.unwrap(), d);
}

#[test]
fn mail_from_records_for_a_subdomain() {
    let r = mail_from_records("yourcompany.com", "bounce.yourcompany.com", "eu-west-1");
    assert!(r.valid, "{:?}", r.issues);
    let recs = r.value.unwrap();
    insta::assert_snapshot!("mail_from_zone_file", zone_file(&recs));
    assert!(check_spf(&recs[1].value).valid);
    assert!(
        mail_from_records("yourcompany.com", "yourcompany.com", "eu-west-1")
            .has(Code::MailFromSameAsIdentity)
    );
    assert!(
        mail_from_records("yourcompany.com", "bounce.other.com", "eu-west-1")
            .has(Code::MailFromNotSubdomain)
    );
}

#[test]
fn zone_entry_names_and_doubled_zones() {
    let e = zone_entry("abc._domainkey.myapp.com", "myapp.com")
        .value
        .unwrap();
    assert_eq!(e.host_field, "abc._domainkey");
    assert_eq!(
        zone_entry("myapp.com.", "MyApp.com")
            .value
            .unwrap()
            .host_field,
        "@"
    );
    assert!(zone_entry("abc._domainkey.other.com", "myapp.com").has(Code::ZoneOutside));
    // The seed's example: the value send.myapp typed at a host that appends myapp.com.
    assert_eq!(
        zone_doubled("send.myapp.myapp.com", "myapp.com").as_deref(),
        Some("send.myapp.com")
    );
    assert_eq!(
        zone_doubled("send.myapp.com.myapp.com", "myapp.com").as_deref(),
        Some("send.myapp.com")
    );
    assert_eq!(
        zone_doubled("myapp.com.myapp.com", "myapp.com").as_deref(),
        Some("myapp.com")
    );
    assert_eq!(zone_doubled("send.myapp.com", "myapp.com"), None);
    assert_eq!(
        zone_doubled("myapp.myapp.com", "myapp.com").as_deref(),
        Some("myapp.com")
    );
    assert!(zone_entry("send.myapp.myapp.com", "myapp.com").has(Code::ZoneDoubled));
}

#[test]
fn csv_quotes_values_with_commas_and_quotes() {
    let recs = vec![DnsRecord::txt(
        "_dmarc.x.com",
        "v=DMARC1; p=none; rua=mailto:a@x.com,mailto:b@x.com",
        Purpose::Dmarc,
    )];
    assert_eq!(
        csv(&recs),
        "name,type,value,ttl\r\n_dmarc.x.com,TXT,\"v=DMARC1; p=none; rua=mailto:a@x.com,mailto:b@x.com\",1800\r\n"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_record_text_panics_a_linter(s in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,120}") {
            let _ = check_spf(&s);
            let _ = check_dmarc(&s, Some("example.com"));
            let _ = check_dkim_record(&s);
            let _ = merge_include(Some(&s), "amazonses.com");
            let _ = zone_entry(&s, "example.com");
            let _ = base64_decode(&s);
        }

        #[test]
        fn merged_spf_passes_the_linter(ips in proptest::collection::vec((0u8..=255, 0u8..=255, 0u8..=32), 0..5), q in 0usize..4) {
            let all = ["-all", "~all", "?all", ""][q];
            let body: Vec<String> = ips.iter().map(|(a, b, l)| format!("ip4:{a}.{b}.0.0/{l}")).collect();
            let rec = format!("v=spf1 {} {all}", body.join(" "));
            let merged = merge_include(Some(&rec), "amazonses.com");
            prop_assert!(merged.valid, "{:?}", merged.issues);
            prop_assert!(check_spf(&merged.value.unwrap()).valid);
        }

        #[test]
        fn built_dmarc_passes_the_linter(p in 0usize..3, sp in proptest::option::of(0usize..3), strict in any::<bool>(), local in "[a-z]{1,10}") {
            let pols = [Policy::None, Policy::Quarantine, Policy::Reject];
            let d = Dmarc { policy: pols[p], subdomain_policy: sp.map(|i| pols[i]), adkim: if strict { Alignment::Strict } else { Alignment::Relaxed }, rua: vec![format!("{local}@example.com")], ..Dmarc::default() };
            let r = build_dmarc("example.com", &d);
            prop_assert!(r.valid, "{:?}", r.issues);
            prop_assert_eq!(check_dmarc(&r.value.unwrap().value, None).value.unwrap(), d);
        }

        #[test]
        fn built_dkim_cnames_are_valid_dns_names(t in proptest::collection::vec("[a-z0-9]{32}", 3)) {
            let recs = easy_dkim_records("example.com", &t, None, Some("eu-south-1")).value.unwrap();
            for r in recs {
                prop_assert!(crate::host::check_dns_name(&r.name).valid);
                prop_assert!(crate::host::check_dns_name(&r.value).valid);
            }
        }
    }
}

#[test]
fn mail_from_records_are_published_only_under_the_names_iam_allows() {
    for (domain, published) in [
        ("bounce.acme.example.com", true),
        ("Mail.acme.example.com", true),
        ("mf.acme.example.com", true),
        ("rp.acme.example.com", false),
        ("bounce-acme.example.com", false),
        ("x.bounce.acme.example.com", false),
    ] {
        assert_eq!(super::mail_from_publishable(domain), published, "{domain}");
    }
}

#[test]
fn two_spf_records_pasted_on_two_lines_are_two_records_not_a_bad_character() {
    let r = super::spf::check_spf("v=spf1 mx ~all\nv=spf1 include:_spf.google.com ~all");
    assert!(!r.valid);
    assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
    assert_eq!(r.issues[0].code, Code::SpfMultipleRecords);
    assert!(
        r.issues[0].message.starts_with("2 SPF records were pasted"),
        "{:?}",
        r.issues
    );
    let merged =
        super::spf::merge_include(Some("v=spf1 mx ~all\r\nv=spf1 a -all"), "amazonses.com");
    assert!(
        merged
            .issues
            .iter()
            .any(|i| i.code == Code::SpfMultipleRecords),
        "{:?}",
        merged.issues
    );
    // One record with its quotes, as DNS hosts show it, is one record.
    assert!(super::spf::check_spf("\"v=spf1 mx ~all\"").valid);
}
