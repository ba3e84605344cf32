//! The SMTP adapter against a real SMTP server on 127.0.0.1 (`tests/smtp_server.py`,
//! aiosmtpd): every way a connection test can end, each with its catalogue code.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{PASSWORD, SmtpServer, TOKEN, USER, closed_port};
use sendready_core::Code;
use sendready_core::address::{AddressOptions, check_address};
use sendready_core::smtp::{SmtpConfig, SmtpSettings, check_smtp_settings};
use sendready_lambda::adapters::lettre::{self as smtp, SmtpOptions};
use sendready_lambda::ports::smtp::{Outcome, Secret, StepKind};
use std::time::Duration;

fn opts(server: &SmtpServer) -> SmtpOptions {
    SmtpOptions {
        step_timeout: Duration::from_millis(1500),
        allow_private: true,
        extra_roots_pem: vec![server.ca_pem.clone()],
        hello_name: "sendready.test".to_owned(),
        resolver: None,
    }
}

fn config(host: &str, port: u16, security: &str, auth: &str) -> SmtpConfig {
    let settings: SmtpSettings = serde_json::from_value(serde_json::json!({
        "host": host, "port": port, "security": security, "authentication": auth,
        "username": USER, "password": "x", "oauth2Provider": "Test provider",
        "fromAddress": "billing@example.com", "fromName": "Billing, Inc.",
        "additionalHeaders": "X-Tenant=acme", "allowPrivateHost": true
    }))
    .unwrap();
    let r = check_smtp_settings(&settings);
    assert!(r.valid, "{:?}", r.issues);
    r.value.unwrap()
}

fn steps(o: &Outcome) -> Vec<(StepKind, bool)> {
    o.steps.iter().map(|s| (s.step, s.ok)).collect()
}

fn failed(o: &Outcome) -> (StepKind, Code) {
    assert!(!o.ok, "expected a failure: {o:#?}");
    let last = o.steps.last().unwrap();
    (last.step, last.diagnosis.as_ref().unwrap().code)
}

fn pw() -> Secret {
    Secret::new(PASSWORD.to_owned())
}

#[tokio::test]
async fn starttls_with_the_right_password_passes_every_step() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.starttls, "starttls", "password"),
        Some(&pw()),
        &opts(&s),
    )
    .await;
    assert!(o.ok, "{o:#?}");
    assert_eq!(
        steps(&o),
        [
            (StepKind::Resolve, true),
            (StepKind::Connect, true),
            (StepKind::Greeting, true),
            (StepKind::Tls, true),
            (StepKind::Auth, true),
            (StepKind::MailFrom, true)
        ]
    );
}

#[tokio::test]
async fn implicit_tls_with_the_right_password_passes() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.tls, "tls", "password"),
        Some(&pw()),
        &opts(&s),
    )
    .await;
    assert!(o.ok, "{o:#?}");
    assert_eq!(o.steps[2].step, StepKind::Tls);
}

#[tokio::test]
async fn a_wrong_password_fails_at_auth_with_bad_credentials() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.starttls, "starttls", "password"),
        Some(&Secret::new("wrong".to_owned())),
        &opts(&s),
    )
    .await;
    assert_eq!(failed(&o), (StepKind::Auth, Code::SmtpAuthBadCredentials));
    assert!(o.steps.last().unwrap().detail.contains("535"));
}

#[tokio::test]
async fn xoauth2_signs_in_with_the_token_and_a_wrong_token_is_refused() {
    let s = SmtpServer::start();
    let cfg = config("localhost", s.tls, "tls", "oauth2");
    let ok = smtp::check(&cfg, Some(&Secret::new(TOKEN.to_owned())), &opts(&s)).await;
    assert!(ok.ok, "{ok:#?}");
    let bad = smtp::check(&cfg, Some(&Secret::new("expired".to_owned())), &opts(&s)).await;
    assert_eq!(failed(&bad), (StepKind::Auth, Code::SmtpAuthBadCredentials));
}

#[tokio::test]
async fn a_listener_that_never_greets_is_a_read_timeout() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.silent, "none", "none"),
        None,
        &opts(&s),
    )
    .await;
    assert_eq!(failed(&o), (StepKind::Greeting, Code::SmtpReadTimeout));
}

#[tokio::test]
async fn starttls_against_an_implicit_tls_port_is_a_read_timeout() {
    // The client waits for a plaintext greeting; the server waits for a TLS handshake.
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.tls, "starttls", "password"),
        Some(&pw()),
        &opts(&s),
    )
    .await;
    assert_eq!(failed(&o), (StepKind::Greeting, Code::SmtpReadTimeout));
}

#[tokio::test]
async fn implicit_tls_against_a_plaintext_port_is_a_tls_failure() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.starttls, "tls", "password"),
        Some(&pw()),
        &opts(&s),
    )
    .await;
    let (step, code) = failed(&o);
    assert_eq!(step, StepKind::Tls);
    assert!(
        matches!(code, Code::SmtpTlsWrongVersion | Code::SmtpTlsFailed),
        "{code:?}: {o:#?}"
    );
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", closed_port(), "starttls", "password"),
        Some(&pw()),
        &opts(&s),
    )
    .await;
    assert_eq!(failed(&o), (StepKind::Connect, Code::SmtpConnectionRefused));
}

#[tokio::test]
async fn a_certificate_the_client_does_not_trust_is_a_certificate_failure() {
    let s = SmtpServer::start();
    let mut o = opts(&s);
    o.extra_roots_pem.clear();
    let out = smtp::check(
        &config("localhost", s.tls, "tls", "password"),
        Some(&pw()),
        &o,
    )
    .await;
    assert_eq!(failed(&out), (StepKind::Tls, Code::SmtpTlsCertificate));
}

#[tokio::test]
async fn no_auth_where_the_server_requires_it_is_authentication_required() {
    let s = SmtpServer::start();
    let o = smtp::check(
        &config("localhost", s.plain, "none", "none"),
        None,
        &opts(&s),
    )
    .await;
    assert_eq!(failed(&o), (StepKind::MailFrom, Code::SmtpAuthRequired));
}

#[tokio::test]
async fn private_hosts_are_refused_unless_allowed() {
    let s = SmtpServer::start();
    let mut o = opts(&s);
    o.allow_private = false;
    let out = smtp::check(
        &config("localhost", s.starttls, "starttls", "password"),
        Some(&pw()),
        &o,
    )
    .await;
    assert_eq!(failed(&out), (StepKind::Resolve, Code::HostPrivate));
}

#[tokio::test]
async fn the_test_message_arrives_with_its_headers_and_both_parts() {
    let s = SmtpServer::start();
    let to = check_address("customer@example.org", AddressOptions::default())
        .value
        .unwrap();
    let o = smtp::send_test(
        &config("localhost", s.starttls, "starttls", "password"),
        Some(&pw()),
        &to,
        &opts(&s),
    )
    .await;
    assert!(o.ok, "{o:#?}");
    assert!(o.steps.last().unwrap().detail.starts_with("250"), "{o:#?}");
    let msgs = s.messages();
    assert_eq!(msgs.len(), 1);
    let (env, raw) = &msgs[0];
    assert_eq!(env["mailFrom"], "billing@example.com");
    assert_eq!(env["rcptTos"][0], "customer@example.org");
    assert_eq!(env["user"], USER);
    assert_eq!(env["tls"], true);
    // lettre writes a display name with a comma as an RFC 2047 encoded word.
    assert!(
        raw.contains("From: \"Billing, Inc.\" <billing@example.com>")
            || raw.contains("From: =?utf-8?b?QmlsbGluZywgSW5jLg==?= <billing@example.com>"),
        "From header in:\n{raw}"
    );
    for h in [
        "To: customer@example.org",
        "Subject: Sendready test message",
        "X-Tenant: acme",
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain",
        "Content-Type: text/html",
    ] {
        assert!(raw.contains(h), "missing {h:?} in:\n{raw}");
    }
}
