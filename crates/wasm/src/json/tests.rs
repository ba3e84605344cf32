use super::*;
use sendready_core::dns::DnsRecord;
use sendready_core::identity::Tenant;
use sendready_core::smtp::{SmtpSettings, check_smtp_settings};
use sendready_core::{Report, diagnose};

fn read<T: DeserializeOwned>(text: &str) -> Result<T, (String, String)> {
    from_str::<T>(text).map_err(|e| (e.path(), e.message().to_owned()))
}

#[test]
fn reads_settings_as_serde_json_does() {
    let text = r#"{"host":"smtp.example.com","port":587,"security":"starttls","username":"u\u00e9\"x","password":null,"zuora":{"enableStarttls":true,"socketFactoryPort":465},"additionalHeaders":"A=1\nB=2"}"#;
    let ours: SmtpSettings = from_str(text).unwrap();
    let theirs: SmtpSettings = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn writes_reports_byte_for_byte_as_serde_json_does() {
    let settings = SmtpSettings {
        host: "smtp.gmail.com".into(),
        port: Some(465),
        username: "ops\t\"quoted\"\u{1}@example.com".into(),
        from_address: "billing@bücher.example".into(),
        additional_headers: "X-A=1\nX-A=2".into(),
        ..SmtpSettings::default()
    };
    let report = check_smtp_settings(&settings);
    assert_eq!(
        to_string(&report).unwrap(),
        serde_json::to_string(&report).unwrap()
    );
    let d = diagnose::reply(535, "5.7.8 Username and Password not accepted");
    assert_eq!(to_string(&d).unwrap(), serde_json::to_string(&d).unwrap());
    let failure = diagnose::Failure::Reply {
        code: 535,
        text: "x".into(),
    };
    assert_eq!(
        to_string(&failure).unwrap(),
        serde_json::to_string(&failure).unwrap()
    );
    let records =
        sendready_core::dns::mail_from_records("example.com", "mail.example.com", "eu-west-1");
    assert_eq!(
        to_string(&records).unwrap(),
        serde_json::to_string(&records).unwrap()
    );
}

#[test]
fn a_wrong_type_names_the_path_and_the_expected_type() {
    let (path, msg) = read::<SmtpSettings>(r#"{"zuora":{"socketFactoryPort":"465"}}"#).unwrap_err();
    assert_eq!(path, "zuora.socketFactoryPort");
    assert!(
        msg.contains("expected i64") && msg.contains("the string \"465\""),
        "{msg}"
    );

    let (path, msg) = read::<Tenant>(
        r#"{"identities":[{"identity":"a.com"},{"identity":"b.com","verified":"yes"}]}"#,
    )
    .unwrap_err();
    assert_eq!(path, "identities[1].verified");
    assert!(msg.contains("expected a boolean"), "{msg}");
}

#[test]
fn an_unknown_enum_value_lists_the_allowed_ones() {
    let (path, msg) = read::<SmtpSettings>(r#"{"security":"ssl/tls"}"#).unwrap_err();
    assert_eq!(path, "security");
    assert!(
        msg.contains(
            "\"ssl/tls\" is not one of the allowed values: \"none\", \"ssl\", \"tls\", \"starttls\""
        ),
        "{msg}"
    );
}

#[test]
fn a_fraction_is_refused_without_float_parsing() {
    let (path, msg) = read::<SmtpSettings>(r#"{"port":587.5}"#).unwrap_err();
    assert_eq!(path, "port");
    assert!(msg.contains("a number with a fraction"), "{msg}");
    assert!(read::<SmtpSettings>(r#"{"port":1e3}"#).is_err());
    // Out of the target's range: the number is named.
    let (_, msg) = read::<DnsRecord>(r#"{"name":"a","type":"MX","value":"b","priority":70000,"ttl":300,"purpose":"mail-from-mx"}"#).unwrap_err();
    assert!(msg.contains("the number 70000"), "{msg}");
}

#[test]
fn escapes_and_surrogate_pairs_are_decoded() {
    let s: String = from_str(r#""a\"b\\c\/d\n\u00e9\ud83d\udce7\ud800x""#).unwrap();
    assert_eq!(s, "a\"b\\c/d\né📧\u{FFFD}x");
}

#[test]
fn an_escape_after_a_lone_high_surrogate_is_read_on_its_own() {
    // `\ud800\u0041` was read as one U+FFFD, losing the `A`.
    let s: String = from_str(r#""\ud800\u0041\ud800\udbff\udc00\udc00z""#).unwrap();
    assert_eq!(s, "\u{FFFD}A\u{FFFD}\u{10FC00}\u{FFFD}z");
    // A truncated or non-hex escape after it is still an error.
    assert!(from_str::<String>(r#""\ud800\u00""#).is_err());
    assert!(from_str::<String>(r#""\ud800\u+dc0""#).is_err());
}

#[test]
fn an_unescaped_control_character_in_a_string_is_refused_as_serde_json_does() {
    // Found by `bench/fuzz smtp_json`: a raw line break inside a string was read.
    for text in ["\"a\nb\"", "\"a\u{0}b\"", "\"\tx\""] {
        let (_, msg) = read::<String>(text).unwrap_err();
        assert!(msg.contains("control character"), "{text:?}: {msg}");
        assert!(serde_json::from_str::<String>(text).is_err(), "{text:?}");
    }
}

#[test]
fn minus_zero_is_not_an_integer_as_in_serde_json() {
    assert!(from_str::<i64>("-0").is_err());
    assert!(serde_json::from_str::<i64>("-0").is_err());
    assert_eq!(from_str::<i64>("0").unwrap(), 0);
}

#[test]
fn an_unknown_fields_value_is_skipped_whatever_it_holds() {
    let text = r#"{"p;ort":1e3,"x":[1.5,{"y":null}],"host":"smtp.example.com"}"#;
    let ours: SmtpSettings = from_str(text).unwrap();
    assert_eq!(ours, serde_json::from_str::<SmtpSettings>(text).unwrap());
}

#[test]
fn deep_nesting_is_refused_not_recursed() {
    let text = "[".repeat(10_000) + &"]".repeat(10_000);
    let (_, msg) = read::<Vec<String>>(&text).unwrap_err();
    assert!(msg.contains("nested too deeply"), "{msg}");
}

#[test]
fn malformed_text_is_an_error_not_a_panic() {
    for text in [
        "",
        "{",
        "[1,",
        "{\"a\" 1}",
        "\"abc",
        "\"\\u12\"",
        "tru",
        "{}x",
        "\"\\q\"",
    ] {
        assert!(read::<Report<()>>(text).is_err(), "{text:?}");
    }
}

#[test]
fn a_missing_required_field_is_named() {
    let (_, msg) = read::<diagnose::Failure>(r#"{"kind":"reply","text":"x"}"#).unwrap_err();
    assert!(msg.contains("`code`"), "{msg}");
}

#[test]
fn numbers_follow_rfc_8259_and_a_lone_minus_is_an_error() {
    // Not numbers: each is an error, never 0.
    for text in [
        "-", "-x", "01", "-01", "1.", "1.e3", "1e", "1e+", ".5", "+1", "--1",
    ] {
        assert!(
            from_str::<i64>(text).is_err(),
            "{text:?} must not read as a number"
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(text).is_err(),
            "serde_json agrees on {text:?}"
        );
    }
    // Whole numbers read as serde_json reads them.
    for text in ["0", "7", "-42", "9007199254740991", "-9223372036854775808"] {
        let ours = from_str::<i64>(text);
        let theirs = serde_json::from_str::<i64>(text);
        assert_eq!(ours.ok(), theirs.ok(), "{text:?}");
    }
    // Fractions and exponents are numbers, though not whole ones.
    for text in ["1.5", "-0.0", "1e3", "2E-2", "1.25e+10"] {
        assert!(
            from_str::<i64>(text).is_err(),
            "{text:?} is not a whole number"
        );
        let wrapped = format!("[{text}]");
        assert!(
            serde_json::from_str::<serde_json::Value>(&wrapped).is_ok(),
            "{wrapped}"
        );
    }
}
