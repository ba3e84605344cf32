//! SMTP settings JSON through the npm package's own reader and writer. Oracle: the reader
//! agrees with serde_json on what it accepts and what it reads; the report it writes is
//! the JSON serde_json writes. By design the reader reads a lone surrogate escape (which
//! `JSON.stringify` writes) as U+FFFD, for the rules to report as `text-unreadable`, where
//! serde_json refuses the text; so serde_json reads the text with those escapes replaced.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::smtp::{SmtpSettings, check_smtp_settings};
use sendready_wasm::json;

fuzz_target!(|s: &str| {
    let ours = json::from_str::<SmtpSettings>(s);
    let theirs = serde_json::from_str::<SmtpSettings>(&lone_surrogates_replaced(s));
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{s:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "{s:?}: ours {:?}, serde_json {:?}",
            ours.as_ref().err(),
            theirs.as_ref().err()
        ),
    }
    if let Ok(settings) = ours {
        let report = check_smtp_settings(&settings);
        let written = json::to_string(&report).expect("a report always serializes");
        let reference = serde_json::to_string(&report).expect("serde_json");
        let a: serde_json::Value = serde_json::from_str(&written).expect("our JSON is JSON");
        let b: serde_json::Value = serde_json::from_str(&reference).expect("JSON");
        assert_eq!(a, b, "{s:?}");
    }
});

/// `s` with every `\uXXXX` escape of a surrogate that is not half of a pair replaced by
/// `\ufffd`; other escapes (including `\\`) are copied as they are.
fn lone_surrogates_replaced(s: &str) -> String {
    fn escape_at(b: &[u8], i: usize) -> Option<u32> {
        let e = b.get(i..i + 6)?;
        let hex = std::str::from_utf8(&e[2..]).ok()?;
        (e.starts_with(b"\\u") && e[2..].iter().all(u8::is_ascii_hexdigit))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            let next = s[i..].chars().next().expect("in bounds");
            out.push(next);
            i += next.len_utf8();
            continue;
        }
        match escape_at(b, i) {
            Some(0xD800..=0xDBFF)
                if escape_at(b, i + 6).is_some_and(|lo| (0xDC00..0xE000).contains(&lo)) =>
            {
                out.push_str(&s[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\ufffd");
                i += 6;
            }
            _ => {
                // Any other escape, or a backslash at the end: copied, two bytes at most.
                let end = (i + 2).min(b.len());
                let end = (end..=b.len())
                    .find(|&e| s.is_char_boundary(e))
                    .unwrap_or(b.len());
                out.push_str(&s[i..end]);
                i = end;
            }
        }
    }
    out
}
