//! DMARC records (RFC 9989). Oracle: a valid record's text re-checks to the same policy
//! (less `pct=`, which RFC 9989 removed and the writer leaves out), and a built record
//! passes the linter.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::dns::dmarc::{Dmarc, build_dmarc, check_dmarc, dmarc_text};

fuzz_target!(|s: &str| {
    let r = check_dmarc(s, Some("example.com"));
    if let (true, Some(d)) = (r.valid, r.value) {
        let text = dmarc_text(&d);
        let again = check_dmarc(&text, Some("example.com"));
        let want = Dmarc {
            pct: None,
            ..d.clone()
        };
        assert_eq!(
            again.value.as_ref(),
            Some(&want),
            "{s:?} -> {text:?}: {:?}",
            again.issues
        );
        let built = build_dmarc("example.com", &d);
        if let (true, Some(rec)) = (built.valid, built.value) {
            let lint = check_dmarc(&rec.value, Some("example.com"));
            assert!(lint.valid, "{s:?} built {:?}: {:?}", rec.value, lint.issues);
        }
    }
});
