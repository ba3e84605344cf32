//! SPF records (RFC 7208). Oracle: a valid record's normal text re-checks to itself, and
//! merging `include:amazonses.com` gives a record that passes the linter.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::dns::spf::{check_spf, merge_include};

fuzz_target!(|s: &str| {
    let r = check_spf(s);
    if let (true, Some(rec)) = (r.valid, r.value) {
        let text = rec.text();
        let again = check_spf(&text);
        assert_eq!(
            again.value.map(|x| x.text()),
            Some(text.clone()),
            "{s:?} -> {text:?}: {:?}",
            again.issues
        );
    }
    let merged = merge_include(Some(s), "amazonses.com");
    if let (true, Some(m)) = (merged.valid, merged.value) {
        let lint = check_spf(&m);
        assert!(lint.valid, "{s:?} merged to {m:?}: {:?}", lint.issues);
        assert!(
            m.to_ascii_lowercase().contains("include:amazonses.com"),
            "{m:?}"
        );
    }
});
