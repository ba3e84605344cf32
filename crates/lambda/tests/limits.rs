//! Per-tenant limits on what tenants share, counted in DynamoDB (moto) so that concurrent
//! requests never exceed them: test mail, verification resends, SMTP checks, and failed
//! sign-ins per host. Each refusal is a 429 with the limit's code and `Retry-After`.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{Moto, PASSWORD, SmtpServer, USER, call_as, create_as, jwt, users};
use sendready_lambda::adapters::lettre::{Lettre, SmtpOptions};
use sendready_lambda::auth::local_jwt;
use sendready_lambda::ports::Limits;
use sendready_lambda::service::smtp::Smtp;
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The API over moto with these limits; SMTP checks may reach `server`.
#[allow(clippy::large_types_passed_by_value)]
async fn app(moto: &Moto, limits: Limits, server: Option<&SmtpServer>) -> axum::Router {
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let mut aws = Aws::from_sdk(&conf, "sendready-tenants");
    aws.limits = limits;
    let opts = SmtpOptions {
        step_timeout: Duration::from_millis(1500),
        allow_private: true,
        extra_roots_pem: server.map(|s| vec![s.ca_pem.clone()]).unwrap_or_default(),
        ..SmtpOptions::default()
    };
    let smtp = Smtp {
        client: Arc::new(Lettre { opts }),
        extra_ports: server
            .map(|s| vec![s.starttls, s.silent])
            .unwrap_or_default(),
        limiter: aws.limiter.clone(),
        limits,
        saved: None,
    };
    router(AppState::new(&aws, smtp, common::unused_resolver(), &[]))
        .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

#[tokio::test]
async fn concurrent_test_mail_never_exceeds_the_hourly_limit() {
    let moto = Moto::start();
    let app = app(&moto, Limits::new(3, 100, 5, 10, 5), None).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    moto.click_verification_link("billing@acme.example.com");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            call_as(
                &app,
                "acme",
                Method::POST,
                "/v1/identities/billing@acme.example.com/test-email",
                Some(json!({ "from": "billing@acme.example.com", "scenario": "success" })),
            )
            .await
        }));
    }
    let (mut sent, mut refused) = (0, 0);
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            StatusCode::OK => sent += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(v["code"], "limit-test-mail", "{v}");
                assert!(v["retryAfter"].as_u64().unwrap() > 0, "{v}");
                refused += 1;
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!((sent, refused), (3, 5));
    // SES accepted exactly those three.
    assert_eq!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn verification_resends_are_limited_per_identity() {
    let moto = Moto::start();
    let app = app(&moto, Limits::new(20, 100, 1, 10, 5), None).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    let path = "/v1/identities/billing@acme.example.com/verify";
    let (status, out) = call_as(&app, "acme", Method::POST, path, None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out["retry"].as_str().unwrap().contains("again"), "{out}");
    let (status, p) = call_as(&app, "acme", Method::POST, path, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{p}");
    assert_eq!(p["code"], "limit-verification-resends");
}

fn settings(port: u16, password: &str) -> serde_json::Value {
    json!({
        "host": "localhost", "port": port, "security": "starttls", "authentication": "password",
        "username": USER, "password": password, "fromAddress": "billing@example.com"
    })
}

#[tokio::test]
async fn smtp_checks_per_minute_and_failed_sign_ins_per_host_are_limited() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, Limits::new(20, 100, 5, 3, 2), Some(&server)).await;
    let check = |tenant: &'static str, password: &'static str| {
        let app = app.clone();
        let body = settings(server.starttls, password);
        async move { call_as(&app, tenant, Method::POST, "/v1/smtp/check", Some(body)).await }
    };
    // Two wrong passwords: both answered, and counted against the host.
    for _ in 0..2 {
        let (status, out) = check("acme", "wrong").await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(
            out["diagnosis"]["code"], "smtp-auth-bad-credentials",
            "{out}"
        );
    }
    // The host is not tried again this hour, even with the right password.
    let (status, p) = check("acme", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{p}");
    assert_eq!(p["code"], "limit-smtp-auth-failures");
    assert!(p["retryAfter"].as_u64().unwrap() > 0);

    // Checks per minute: the third was the limit's last; the fourth is refused.
    let (status, out) = check("beta", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");
    check("beta", PASSWORD).await;
    check("beta", PASSWORD).await;
    let (status, p) = check("beta", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{p}");
    assert_eq!(p["code"], "limit-smtp-checks");
}

#[tokio::test]
async fn a_tenant_whose_server_stalls_holds_only_its_share_and_others_go_on() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, Limits::default().with_tenant_share(2), Some(&server)).await;
    let check = |tenant: &'static str, port: u16| {
        let app = app.clone();
        let body = settings(port, PASSWORD);
        async move { call_as(&app, tenant, Method::POST, "/v1/smtp/check", Some(body)).await }
    };
    // Three checks at once against a server that never answers: two hold the tenant's
    // two places until their step timeout, the third is refused at once.
    let slow: Vec<_> = (0..3)
        .map(|_| tokio::spawn(check("slow", server.silent)))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile another tenant's check goes through.
    let (status, out) = check("fine", server.starttls).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");
    let mut answered = 0;
    let mut busy = Vec::new();
    for t in slow {
        let (status, v) = t.await.unwrap();
        match status {
            StatusCode::OK => {
                assert_eq!(v["ok"], false, "the silent server times out: {v}");
                answered += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => busy.push(v),
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!((answered, busy.len()), (2, 1), "{busy:?}");
    assert_eq!(busy[0]["code"], "limit-tenant-busy", "{}", busy[0]);
    assert!(busy[0]["retryAfter"].as_u64().unwrap() > 0);
    assert!(
        busy[0]["detail"]
            .as_str()
            .unwrap()
            .contains("2 sessions with your SMTP server"),
        "{}",
        busy[0]
    );
    // The places were given back: the tenant may check again.
    let (status, out) = check("slow", server.starttls).await;
    assert_eq!(status, StatusCode::OK, "{out}");
}
