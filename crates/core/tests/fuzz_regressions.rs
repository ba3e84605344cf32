//! Every input `bench/fuzz` found that broke an oracle, kept so it stays fixed. Each test
//! names the target that found it and what was wrong.

use sendready_core::Code;
use sendready_core::address::{AddressOptions, check_address};
use sendready_core::host::check_dns_name;

/// `host`: a record-name label with an underscore and non-ASCII characters skipped both
/// the ASCII label rules and UTS #46, so `______xnS/inva۾` (with a `/`) was accepted.
#[test]
fn an_underscore_label_with_non_ascii_characters_is_refused() {
    let r = check_dns_name("xn--ss-f4j._.______xnS/inva\u{6FE}");
    assert!(r.value.is_none());
    assert_eq!(r.issues[0].code, Code::DomainInvalidChar);
    assert!(check_dns_name("_dmarc.bücher.de").valid);
}

/// `host`: an `xn--` label with an underscore was set aside from UTS #46 and its Unicode
/// form was U+FFFD.
#[test]
fn an_underscore_label_starting_with_xn_is_refused() {
    let r = check_dns_name("xn--____________________________b.localho3t.");
    assert!(r.value.is_none());
    assert_eq!(r.issues[0].code, Code::DomainIdnaInvalid);
}

/// `address`: a quoted local part that starts with a combining mark lost its quotes in
/// the normal form, which then began with the mark.
#[test]
fn a_combining_mark_hidden_behind_a_quote_is_refused() {
    let opts = AddressOptions {
        allow_quoted_local: true,
        allow_dotless: true,
        ..AddressOptions::default()
    };
    let r = check_address("\"\u{33F}\\*Ht\"@ia", opts);
    assert!(r.value.is_none());
    assert_eq!(r.issues[0].code, Code::TextLeadingCombiningMark);
}

/// `host`: beside an underscore label each other label is checked alone, so the Bidi
/// Rule across labels was missed and the Unicode form held U+FFFD.
#[test]
fn a_bidi_failure_beside_an_underscore_label_is_refused() {
    let r = check_dns_name("xn--ssbhLLLLLx._59t0a.xn--hdh");
    assert!(r.value.is_none(), "{:?}", r.value);
    assert_eq!(r.issues[0].code, Code::DomainIdnaInvalid);
}
