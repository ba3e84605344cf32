//! The HTTP API through its router, as `sendready-local` serves it (local JWTs), with a
//! real SMTP server behind the SMTP routes.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{PASSWORD, SmtpServer, USER, jwt};
use sendready_lambda::adapters::lettre::{Lettre, SmtpOptions};
use sendready_lambda::auth::{LocalJwt, local_jwt};
use sendready_lambda::ports::Limits;
use sendready_lambda::routes::smtp::{check_routes, test_email_routes};
use sendready_lambda::service::smtp::Smtp;
use std::sync::Arc;
use std::time::Duration;

fn app(server: Option<&SmtpServer>, allow_private: bool) -> axum::Router {
    let smtp = SmtpOptions {
        step_timeout: Duration::from_millis(1500),
        allow_private,
        extra_roots_pem: server.map(|s| vec![s.ca_pem.clone()]).unwrap_or_default(),
        hello_name: "sendready.test".to_owned(),
        resolver: None,
    };
    check_routes()
        .merge(test_email_routes())
        .with_state(Arc::new(Smtp {
            client: Arc::new(Lettre { opts: smtp }),
            // The test server listens on ports the system picked.
            extra_ports: server
                .map(|s| vec![s.starttls, s.tls, s.plain, s.silent])
                .unwrap_or_default(),
            limiter: Arc::new(common::MemoryLimiter::default()),
            limits: Limits::default(),
            saved: None,
        }))
        .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

async fn call(
    app: axum::Router,
    token: Option<&str>,
    path: &str,
    body: &str,
) -> (StatusCode, String, serde_json::Value) {
    let body = serde_json::from_str(body).ok();
    common::call(&app, token, Method::POST, path, body).await
}

fn settings(port: u16, password: &str) -> String {
    serde_json::json!({
        "host": "localhost", "port": port, "security": "starttls", "authentication": "password",
        "username": USER, "password": password, "fromAddress": "billing@example.com"
    })
    .to_string()
}

#[tokio::test]
async fn no_token_and_a_bad_token_are_401_problems() {
    let (status, ctype, body) = call(app(None, false), None, "/v1/smtp/check", "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(body["code"], "auth-missing");
    assert_eq!(body["type"], "urn:sendready:auth-missing");

    let forged = LocalJwt::new(
        b"another secret",
        "sendready-local",
        "sendready-local",
        "tenant",
    )
    .mint("mallory", "acme", &[], 300);
    let (status, _, body) = call(app(None, false), Some(&forged), "/v1/smtp/check", "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "auth-invalid");

    // Expired beyond the verifier's 60-second leeway.
    let expired = jwt().mint("ops", "acme", &[], -120);
    let (status, _, body) = call(app(None, false), Some(&expired), "/v1/smtp/check", "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["detail"].as_str().unwrap().contains("xpired"),
        "{body}"
    );
}

#[tokio::test]
async fn invalid_settings_are_a_400_with_the_cores_issues() {
    let token = jwt().mint("ops", "acme", &[], 300);
    let body = r#"{"host":"smtps://smtp.example.com","port":70000,"fromAddress":"x"}"#;
    let (status, ctype, p) = call(app(None, false), Some(&token), "/v1/smtp/check", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ctype, "application/problem+json");
    let fields: Vec<&str> = p["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"host") && fields.contains(&"port"), "{p}");
}

#[tokio::test]
async fn a_malformed_body_is_a_400_naming_the_field() {
    let token = jwt().mint("ops", "acme", &[], 300);
    let (status, _, p) = call(
        app(None, false),
        Some(&token),
        "/v1/smtp/check",
        r#"{"port":"587"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "input-invalid");
    assert_eq!(p["issues"][0]["field"], "port", "{p}");
    assert!(
        p["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected i64"),
        "{p}"
    );
}

#[tokio::test]
async fn an_unknown_field_is_a_400_naming_it_at_any_depth() {
    let token = jwt().mint("ops", "acme", &[], 300);
    for (body, field) in [
        (r#"{"host":"smtp.example.com","prot":587}"#, "prot"),
        (
            r#"{"host":"smtp.example.com","zuora":{"socketFactoryPrt":465}}"#,
            "zuora.socketFactoryPrt",
        ),
    ] {
        let (status, _, p) = call(app(None, false), Some(&token), "/v1/smtp/check", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {p}");
        assert_eq!(p["code"], "body-unknown-field", "{p}");
        assert_eq!(p["issues"][0]["field"], field, "{p}");
        assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    }
}

#[tokio::test]
async fn the_request_cannot_allow_private_hosts_itself() {
    let token = jwt().mint("ops", "acme", &[], 300);
    let body = serde_json::json!({
        "host": "127.0.0.1", "port": 587, "security": "starttls", "authentication": "none",
        "fromAddress": "billing@example.com", "allowPrivateHost": true
    });
    let (status, _, p) = call(
        app(None, false),
        Some(&token),
        "/v1/smtp/check",
        &body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "host-private", "{p}");
}

#[tokio::test]
async fn a_check_and_a_test_email_pass_and_the_password_never_reaches_the_logs() {
    let server = SmtpServer::start();
    let logs = common::capture_logs();
    let token = jwt().mint("ops", "acme", &[], 300);

    let (status, _, out) = call(
        app(Some(&server), true),
        Some(&token),
        "/v1/smtp/check",
        &settings(server.starttls, PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");
    let steps: Vec<&str> = out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["resolve", "connect", "greeting", "tls", "auth", "mail-from"]
    );

    let (status, _, out) = call(
        app(Some(&server), true),
        Some(&token),
        "/v1/smtp/check",
        &settings(server.starttls, "wrong password"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(out["ok"], false);
    assert_eq!(out["diagnosis"]["code"], "smtp-auth-bad-credentials");
    assert_eq!(out["diagnosis"]["field"], "password");

    let mut body: serde_json::Value =
        serde_json::from_str(&settings(server.starttls, PASSWORD)).unwrap();
    body["to"] = "customer@example.org".into();
    let (status, _, out) = call(
        app(Some(&server), true),
        Some(&token),
        "/v1/smtp/test-email",
        &body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(server.messages().len(), 1);

    // XOAUTH2 with a token on the implicit-TLS port: the token stays out of the logs too.
    let oauth = serde_json::json!({
        "host": "localhost", "port": server.tls, "security": "tls", "authentication": "oauth2",
        "oauth2Provider": "Test", "username": USER, "accessToken": common::TOKEN,
        "fromAddress": "billing@example.com"
    });
    let (status, _, out) = call(
        app(Some(&server), true),
        Some(&token),
        "/v1/smtp/check",
        &oauth.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");

    let text = logs.text();
    assert!(
        !text.contains(common::TOKEN),
        "the OAuth 2.0 token reached the logs:\n{text}"
    );
    assert!(text.contains("smtp check"), "the handlers log: {text}");
    assert!(text.contains("\"tenant\":\"acme\""), "{text}");
    assert!(
        !text.contains(PASSWORD) && !text.contains("wrong password"),
        "a password reached the logs:\n{text}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_a_413_at_once() {
    let token = jwt().mint("ops", "acme", &[], 300);
    let huge = format!(
        "{{\"host\":\"smtp.example.com\",\"additionalHeaders\":\"{}\"}}",
        "X".repeat(200 * 1024)
    );
    let app = sendready_lambda::routes::bounded(
        check_routes().with_state(Arc::new(Smtp {
            client: Arc::new(Lettre::default()),
            extra_ports: Vec::new(),
            limiter: Arc::new(common::MemoryLimiter::default()),
            limits: Limits::default(),
            saved: None,
        })),
        Duration::from_secs(5),
    )
    .layer(middleware::from_fn_with_state(jwt(), local_jwt));
    let started = std::time::Instant::now();
    let (status, ctype, p) = call(app, Some(&token), "/v1/smtp/check", &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{p}");
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(p["code"], "input-too-large");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_request_past_its_deadline_is_a_503_request_timeout() {
    let server = SmtpServer::start();
    let token = jwt().mint("ops", "acme", &[], 300);
    let smtp = SmtpOptions {
        // Each step may wait longer than the whole request may.
        step_timeout: Duration::from_secs(5),
        allow_private: true,
        ..SmtpOptions::default()
    };
    let app = sendready_lambda::routes::bounded(
        check_routes().with_state(Arc::new(Smtp {
            client: Arc::new(Lettre { opts: smtp }),
            extra_ports: vec![server.silent],
            limiter: Arc::new(common::MemoryLimiter::default()),
            limits: Limits::default(),
            saved: None,
        })),
        Duration::from_millis(400),
    )
    .layer(middleware::from_fn_with_state(jwt(), local_jwt));
    // The silent port accepts the connection and never greets.
    let body = format!(
        "{{\"host\":\"127.0.0.1\",\"port\":{},\"security\":\"starttls\",\"authentication\":\"none\",\"fromAddress\":\"billing@example.com\"}}",
        server.silent
    );
    let started = std::time::Instant::now();
    let (status, _, p) = call(app, Some(&token), "/v1/smtp/check", &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(p["code"], "request-timeout");
    assert!(p["retryAfter"].as_u64().unwrap() > 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn smtp_checks_connect_only_to_submission_ports() {
    let token = jwt().mint("ops", "acme", &[], 300);
    for port in [22, 80, 443, 3306, 6379, 8080] {
        let body = serde_json::json!({
            "host": "smtp.example.com", "port": port, "security": "starttls",
            "authentication": "none", "fromAddress": "billing@example.com"
        })
        .to_string();
        let (status, _, p) = call(app(None, false), Some(&token), "/v1/smtp/check", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{port}: {p}");
        assert_eq!(p["code"], "smtp-port-not-allowed", "{port}: {p}");
        assert_eq!(p["issues"][0]["field"], "port");
    }
}
