//! DKIM key records with their base64 and DER (RFC 6376 §3.6.1). Oracle: a BYODKIM
//! record built from a key passes the record linter with the same key size.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::dns::dkim::{base64_decode, byodkim_record, check_dkim_record, rsa_key_bits};

fuzz_target!(|s: &str| {
    let _ = check_dkim_record(s);
    if let Some(der) = base64_decode(s) {
        let _ = rsa_key_bits(&der);
    }
    let _ = rsa_key_bits(s.as_bytes());
    let built = byodkim_record("example.com", "sendready-s1", s);
    if let (true, Some(rec)) = (built.valid, built.value) {
        let lint = check_dkim_record(&rec.value);
        assert!(lint.valid, "{s:?} built {:?}: {:?}", rec.value, lint.issues);
    }
});
