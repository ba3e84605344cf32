//! The diagnosis of SMTP reply and error text. Oracle: every diagnosis carries a code of
//! the catalogue, and a parsed reply code is a three-digit SMTP code.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::Code;
use sendready_core::diagnose::{parse_reply, reply, ses, text};

fuzz_target!(|s: &str| {
    let d = text(s);
    assert_eq!(Code::parse(d.code.as_str()), Some(d.code));
    if let Some((code, _, rest)) = parse_reply(s) {
        assert!((200..=599).contains(&code), "{s:?} -> {code}");
        let _ = reply(code, &rest);
    }
    let (error, message) = s.split_once('\n').unwrap_or((s, ""));
    let _ = ses(error, message, Some("jared@example.com"));
});
