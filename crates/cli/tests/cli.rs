//! The `sendready` binary: exit codes (0 valid, 1 invalid, 2 usage) and JSON shape.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::{Command, Output};

fn sendready(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sendready"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn valid_input_exits_0_and_invalid_exits_1() {
    assert_eq!(
        sendready(&["check", "address", "jared@piedpiper.com"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&["check", "address", "jared@piedpiper"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sendready(&["check", "host", "smtp.gmail.com"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&["check", "host", "smtp.gmail.com:587"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sendready(&["check", "spf", "v=spf1 mx include:amazonses.com ~all"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&[
            "check",
            "dmarc",
            "v=DMARC1; p=none; rua=mailto:rua@dmarc.brevo.com"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&[
            "check",
            "dkim",
            "v=DKIM1; k=ed25519; p=sPs07Vu29FpHT/80UXUcYHFOHifD4o2ZlP2+XUh9g6E="
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&["check", "smtp", "examples/settings.json"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&["check", "smtp", "examples/settings-broken.json"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sendready(&[
            "check",
            "identity",
            "en.yourcompany.com",
            "--tenant",
            "examples/tenant.json"
        ])
        .status
        .code(),
        Some(1),
        "domain limit"
    );
    assert_eq!(
        sendready(&[
            "check",
            "identity",
            "noreply@en.yourcompany.com",
            "--tenant",
            "examples/tenant.json"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&[
            "check",
            "sender",
            "noreply@en.yourcompany.com",
            "--tenant",
            "examples/tenant.json"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        sendready(&[
            "check",
            "sender",
            "contact@othercompany.com",
            "--tenant",
            "examples/tenant.json"
        ])
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn usage_and_input_errors_exit_2_with_a_message() {
    let out = sendready(&["check", "nothing"]);
    assert_eq!(out.status.code(), Some(2));
    let out = sendready(&["check", "smtp", "does-not-exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read does-not-exist.json"));
    let out = sendready(&["check", "smtp", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON for SMTP settings"));
}

#[test]
fn json_reports_have_valid_value_and_issues() {
    let out = sendready(&["check", "smtp", "examples/settings-broken.json", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    let codes: Vec<&str> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    for c in [
        "host-has-scheme",
        "host-has-port",
        "address-display-name",
        "smtp-header-forbidden",
        "smtp-security-port-mismatch",
    ] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    for i in v["issues"].as_array().unwrap() {
        assert!(i["field"].is_string() && i["message"].is_string());
        assert!(["error", "warning", "hint"].contains(&i["severity"].as_str().unwrap()));
    }
    let out = sendready(&["check", "address", "Jared.Dunn@PiedPiper.COM", "--json"]);
    // Sorted: serde_json's map order depends on whether another crate in the build turns
    // on its `preserve_order` feature (the backend's dependencies do).
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!("address_report", json(&out));
    });
}

#[test]
fn records_are_printed_as_zone_file_lines() {
    let out = sendready(&[
        "records",
        "dkim",
        "--domain",
        "yourcompany.com",
        "--region",
        "ap-northeast-3",
        "--token",
        "ijwjrsbmfjnhqrfafivnvgrqd5klzyta",
        "--token",
        "3gmcfo5pjujk3mwmptdm2kqfsyjqv3ad",
        "--token",
        "d2nhkkx5rkbydrwmmj3zgkt6wg4ajt7b",
    ]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("dkim_records", String::from_utf8_lossy(&out.stdout));
    let out = sendready(&["records", "spf-merge", "--existing", "v=spf1 mx ~all"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "v=spf1 mx include:amazonses.com ~all"
    );
    let out = sendready(&[
        "records",
        "dmarc",
        "--domain",
        "yourcompany.com",
        "--policy",
        "quarantine",
        "--rua",
        "dmarc@yourcompany.com",
        "--json",
    ]);
    let v = json(&out);
    assert_eq!(v["value"]["name"], "_dmarc.yourcompany.com");
    assert_eq!(v["value"]["type"], "TXT");
    let out = sendready(&[
        "records",
        "mail-from",
        "--domain",
        "yourcompany.com",
        "--mail-from",
        "bounce.yourcompany.com",
        "--region",
        "eu-west-1",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "bounce.yourcompany.com. 1800 IN MX 10 feedback-smtp.eu-west-1.amazonses.com."
        )
    );
}

#[test]
fn diagnose_explains_replies_ses_errors_and_verification() {
    let out = sendready(&[
        "diagnose",
        "535-5.7.8 Username and Password not accepted.",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["code"], "smtp-gmail-app-password");
    let out = sendready(&["diagnose", "--ses", "TooManyRequestsException", "--json"]);
    assert_eq!(json(&out)["retryable"], true);
    let out = sendready(&[
        "diagnose",
        "--verification",
        "FAILED",
        "--error-type",
        "HOST_NOT_FOUND",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("verification-host-not-found"));
    assert_eq!(sendready(&["diagnose"]).status.code(), Some(2));
}

#[test]
fn providers_lists_the_nine_presets_as_json() {
    let v = json(&sendready(&["providers", "--json"]));
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 9);
    let sendgrid = list.iter().find(|p| p["id"] == "sendgrid").unwrap();
    assert_eq!(sendgrid["host"], "smtp.sendgrid.net");
    assert_eq!(sendgrid["username"]["value"], "apikey");
}

#[test]
fn codes_command_prints_the_catalogue_in_docs() {
    let out = sendready(&["codes"]);
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/codes.md"))
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), docs);
}

#[test]
fn an_invalid_check_prints_the_issues_and_the_verdict_as_the_readme_shows_and_no_value() {
    let out = sendready(&["check", "host", "smtp.gmail.com:587"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "no half-normalized value"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error[host-has-port] host: Remove \":587\" from the host and put 587 in the Port field.\ninvalid\n"
    );
    let ok = sendready(&["check", "host", "SMTP.Gmail.com"]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "smtp.gmail.com\n");
}
