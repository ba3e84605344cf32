//! Live DNS checks against dnsmasq on 127.0.0.1 serving correct, missing, wrong-value,
//! wrong-type and doubled-zone records; the SMTP resolver through it; and the verify
//! route end to end with moto.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{Dnsmasq, Moto, jwt};
use sendready_core::Code;
use sendready_core::dns::verdict::RecordCheck;
use sendready_core::dns::{DnsRecord, Purpose, split_txt};
use sendready_lambda::adapters::hickory::Dns;
use sendready_lambda::adapters::lettre::{self as smtp, SmtpOptions};
use sendready_lambda::auth::{ADMIN_SCOPE, local_jwt};
use sendready_lambda::ports::smtp::StepKind;
use sendready_lambda::service::verify::check_record;
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const DKIM: &str = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx0aV3ZN9vG0aA1mS7l3QpXz7g0Y4B8tkyWc5yUwCk2X2t1qC4kT2mX0d9gH1bU6Y0Jj3f5n8C2kL9yQ8rS0tP3vN6wE1uM5zA4xB7cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6aB7cD8eF9gH0iJ1kL2mN3oP4qR5sT6uV7wX8yZ9aB0cD1eF2gH3iJ4kL5mN6oP7qR8sT9uV0wX1yZ2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6wX7yZ8aB9cD0QIDAQAB";

/// The service's record check over one resolver.
struct Checker(Dns);

impl Checker {
    async fn check(&self, record: &DnsRecord, domain: &str) -> RecordCheck {
        check_record(&self.0, record, domain).await
    }
}

fn txt(name: &str, text: &str) -> DnsRecord {
    DnsRecord::txt(name, text, Purpose::Byodkim)
}

#[tokio::test]
async fn each_record_state_has_its_outcome() {
    let strings = split_txt(DKIM);
    assert!(strings.len() >= 2);
    let dns = Dnsmasq::start(&[
        ("txt", "good._domainkey.example.com", strings.clone()),
        (
            "txt",
            "stale._domainkey.example.com",
            vec!["v=DKIM1; k=rsa; p=OLDKEY".to_owned()],
        ),
        (
            "cname",
            "typed._domainkey.example.com",
            vec!["target.example.net".to_owned()],
        ),
        ("a", "target.example.net", vec!["192.0.2.10".to_owned()]),
        ("txt", "twice._domainkey.example.com.example.com", strings),
        (
            "cname",
            "tok1._domainkey.example.com",
            vec!["tok1.dkim.amazonses.com".to_owned()],
        ),
        (
            "a",
            "tok1.dkim.amazonses.com",
            vec!["192.0.2.11".to_owned()],
        ),
        (
            "mx",
            "mail.example.com",
            vec![
                "feedback-smtp.eu-west-1.amazonses.com".to_owned(),
                "10".to_owned(),
            ],
        ),
    ]);
    let r = Checker(Dns::new(Some(dns.addr), Duration::from_secs(2)).unwrap());
    let code = |c: &RecordCheck| c.code;

    let found = r
        .check(&txt("good._domainkey.example.com", DKIM), "example.com")
        .await;
    assert_eq!(code(&found), Code::DnsRecordFound, "{found:?}");
    assert!(found.ok);
    let wrong = r
        .check(&txt("stale._domainkey.example.com", DKIM), "example.com")
        .await;
    assert_eq!(code(&wrong), Code::DnsRecordWrongValue);
    assert_eq!(wrong.seen, ["v=DKIM1; k=rsa; p=OLDKEY"]);
    let missing = r
        .check(&txt("none._domainkey.example.com", DKIM), "example.com")
        .await;
    assert_eq!(code(&missing), Code::DnsRecordMissing);
    let wrong_type = r
        .check(&txt("typed._domainkey.example.com", DKIM), "example.com")
        .await;
    assert_eq!(
        code(&wrong_type),
        Code::DnsRecordWrongType,
        "{wrong_type:?}"
    );
    let doubled = r
        .check(&txt("twice._domainkey.example.com", DKIM), "example.com")
        .await;
    assert_eq!(code(&doubled), Code::ZoneDoubled, "{doubled:?}");
    assert!(
        doubled.message.contains("\"twice._domainkey\""),
        "{}",
        doubled.message
    );

    let cname = DnsRecord::cname(
        "tok1._domainkey.example.com",
        "tok1.dkim.amazonses.com",
        Purpose::Dkim,
    );
    assert_eq!(
        code(&r.check(&cname, "example.com").await),
        Code::DnsRecordFound
    );
    let mx = DnsRecord::mx(
        "mail.example.com",
        10,
        "feedback-smtp.eu-west-1.amazonses.com",
        Purpose::MailFromMx,
    );
    assert_eq!(
        code(&r.check(&mx, "example.com").await),
        Code::DnsRecordFound
    );
}

#[tokio::test]
async fn an_smtp_host_that_does_not_resolve_is_unknown_host() {
    let dns = Dnsmasq::start(&[]);
    let opts = SmtpOptions {
        step_timeout: Duration::from_millis(1500),
        resolver: Some(Arc::new(
            Dns::new(Some(dns.addr), Duration::from_secs(1)).unwrap(),
        )),
        ..SmtpOptions::default()
    };
    let settings: sendready_core::smtp::SmtpSettings = serde_json::from_value(json!({
        "host": "smtp.nowhere.example.com", "port": 587, "security": "starttls",
        "authentication": "none", "fromAddress": "billing@example.com"
    }))
    .unwrap();
    let cfg = sendready_core::smtp::check_smtp_settings(&settings)
        .value
        .unwrap();
    let out = smtp::check(&cfg, None, &opts).await;
    assert!(!out.ok);
    assert_eq!(out.steps.len(), 1);
    assert_eq!(out.steps[0].step, StepKind::Resolve);
    assert_eq!(out.diagnosis.unwrap().code, Code::SmtpUnknownHost);
}

#[tokio::test]
async fn the_verify_route_checks_live_dns_and_resends_an_email_verification() {
    let moto = Moto::start();
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let aws = Aws::from_sdk(&conf, "sendready-tenants");
    let build = |dns: &Dnsmasq| {
        router(AppState::new(
            &aws,
            common::default_smtp(),
            Arc::new(Dns::new(Some(dns.addr), Duration::from_secs(1)).unwrap()),
            &[],
        ))
        .layer(middleware::from_fn_with_state(jwt(), local_jwt))
    };
    let empty = Dnsmasq::start(&[]);
    let app = build(&empty);
    let admin = jwt().mint("platform", "platform", &[ADMIN_SCOPE], 300);
    let acme = jwt().mint("ops", "acme", &[], 300);
    let (s, _, _) = common::call(
        &app,
        Some(&admin),
        Method::PUT,
        "/v1/tenants/acme/users",
        Some(json!({ "activeUserEmails": ["ops@acme.example.com"] })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, v) = common::call(
        &app,
        Some(&acme),
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "acme.example.com", "dkim": "byodkim", "selector": "s1" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let txt = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["purpose"] == "byodkim")
        .unwrap()
        .clone();

    // Nothing published yet: missing.
    let (s, _, out) = common::call(
        &app,
        Some(&acme),
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["allRequiredFound"], false);
    assert_eq!(out["checks"][0]["code"], "dns-record-missing", "{out}");

    // Published: found.
    let strings: Vec<String> = txt["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let published = Dnsmasq::start(&[("txt", txt["name"].as_str().unwrap(), strings)]);
    let app = build(&published);
    let (s, _, out) = common::call(
        &app,
        Some(&acme),
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["checks"][0]["code"], "dns-record-found", "{out}");
    assert_eq!(out["allRequiredFound"], true);
    let dmarc = out["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["record"]["purpose"] == "dmarc")
        .unwrap();
    assert_eq!(dmarc["required"], false);
    assert_eq!(dmarc["code"], "dns-record-missing");

    // An unverified email identity: the retry sends the verification mail again.
    let (s, _, _) = common::call(
        &app,
        Some(&admin),
        Method::PUT,
        "/v1/tenants/acme/users",
        Some(json!({ "activeUserEmails": ["ops@acme.example.com", "ceo@acme-mail.example.org"] })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, v) = common::call(
        &app,
        Some(&acme),
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "billing@acme-mail.example.org" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _, out) = common::call(
        &app,
        Some(&acme),
        Method::POST,
        "/v1/identities/billing@acme-mail.example.org/verify",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert!(
        out["retry"].as_str().unwrap().contains("verification mail"),
        "{out}"
    );
    assert_eq!(out["checks"], json!([]));
}
