//! Additional headers (`Name=Value` lines). Oracle: every header kept is one a mailer can
//! write as it is, and writing them back reads to the same headers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::Issues;
use sendready_core::smtp::parse_additional_headers;
use sendready_core::text::{TextKind, find_unsafe};

fuzz_target!(|s: &str| {
    let mut issues = Issues::new();
    let headers = parse_additional_headers(s, &mut issues);
    assert!(
        issues.as_slice().len() <= 64,
        "{} issues",
        issues.as_slice().len()
    );
    for h in &headers {
        assert!(!h.name.is_empty() && h.name.bytes().all(|b| (33..=126).contains(&b) && b != b':'));
        assert!(!h.value.contains(['\r', '\n', '\0']), "{:?}", h.value);
        assert_eq!(find_unsafe(&h.value, TextKind::HeaderValue), None);
    }
    let text: String = headers
        .iter()
        .map(|h| format!("{}={}\n", h.name, h.value))
        .collect();
    let mut again = Issues::new();
    assert_eq!(
        parse_additional_headers(&text, &mut again),
        headers,
        "{s:?}"
    );
});
