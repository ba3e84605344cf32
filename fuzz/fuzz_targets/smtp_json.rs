//! SMTP settings JSON through the npm package's own reader and writer. Oracle: the reader
//! agrees with serde_json on what it accepts and what it reads; the report it writes is
//! the JSON serde_json writes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::smtp::{SmtpSettings, check_smtp_settings};
use sendready_wasm::json;

fuzz_target!(|s: &str| {
    let ours = json::from_str::<SmtpSettings>(s);
    let theirs = serde_json::from_str::<SmtpSettings>(s);
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
