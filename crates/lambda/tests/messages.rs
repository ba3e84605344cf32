//! The send route end to end (issue 14) against moto (DynamoDB, KMS, the local SES) and
//! the real SMTP server: the scope, each delivery route, the tenant's additional headers,
//! an unauthorized From, `Idempotency-Key`, and field-by-field refusals.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Moto, SmtpServer, jwt, users};
use sendready_lambda::auth::{SEND_SCOPE, SETTINGS_SCOPE};
use serde_json::{Value, json};

/// One request as `tenant`'s notification service (with `scopes`) or an admin of it.
async fn call(
    app: &axum::Router,
    tenant: &str,
    scopes: &[&str],
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, Value) {
    let token = jwt().mint("notifier", tenant, scopes, 300);
    let body = (!body.is_null()).then_some(body);
    let r = common::request(app, Some(&token), method, path, headers, body).await;
    (r.status, r.body)
}

async fn send(app: &axum::Router, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    call(
        app,
        "acme",
        &[SEND_SCOPE],
        Method::POST,
        "/v1/messages",
        &headers,
        body,
    )
    .await
}

/// Saves acme's settings (the first version).
async fn save_settings(app: &axum::Router, settings: Value, test: bool) {
    let path = if test {
        "/v1/settings?test=true"
    } else {
        "/v1/settings"
    };
    let (status, v) = call(
        app,
        "acme",
        &[SETTINGS_SCOPE],
        Method::PUT,
        path,
        &[("if-match", "\"0\"")],
        settings,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    if test {
        assert_eq!(v["saved"], true, "{v}");
    }
}

/// acme with a verified email identity and SES chosen as its route.
async fn on_ses(moto: &Moto, app: &axum::Router) {
    users(app, "acme", &["billing@acme.example.com"]).await;
    common::create_as(
        app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    moto.click_verification_link("billing@acme.example.com");
    save_settings(
        app,
        json!({
            "delivery": "ses",
            "ses": { "fromAddress": "billing@acme.example.com", "fromName": "Acme Billing" },
            "smtp": { "additionalHeaders": "X-Tenant=acme" }
        }),
        false,
    )
    .await;
}

fn message(to: &str) -> Value {
    json!({
        "to": [to],
        "subject": "Your invoice",
        "text": "Invoice 42 is ready.",
        "html": "<p>Invoice <b>42</b> is ready.</p>"
    })
}

const SIMULATOR: &str = "success@simulator.amazonses.com";

#[tokio::test]
async fn sending_needs_the_send_scope() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    let (status, p) = call(
        &app,
        "acme",
        &[],
        Method::POST,
        "/v1/messages",
        &[],
        message(SIMULATOR),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(p["code"], "auth-forbidden");
    assert!(p["detail"].as_str().unwrap().contains("sendready/send"));
}

#[tokio::test]
async fn through_ses_a_raw_mime_message_leaves_from_the_verified_identity_with_the_headers() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_ses(&moto, &app).await;
    let (status, sent) = send(&app, None, message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["route"], "ses");
    assert_eq!(sent["from"], "billing@acme.example.com");
    assert_eq!(sent["replayed"], false);
    let messages = moto.ses("messages", None)["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["messageId"], sent["messageId"]);
    let raw = m["raw"].as_str().unwrap();
    assert!(
        raw.contains("From: \"Acme Billing\" <billing@acme.example.com>")
            || raw.contains("From: Acme Billing <billing@acme.example.com>"),
        "{raw}"
    );
    assert!(
        raw.contains("X-Tenant: acme"),
        "the tenant's additional header: {raw}"
    );
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("Subject: Your invoice"), "{raw}");

    // A From no verified identity of acme covers is refused before SES is asked.
    let mut other = message(SIMULATOR);
    other["from"] = json!("ceo@other.example.org");
    let (status, p) = send(&app, None, other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "message-from-not-allowed");
    assert_eq!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_idempotency_key_never_sends_twice() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_ses(&moto, &app).await;
    let key = "5b1c2e0a-invoice-42";
    let (status, first) = send(&app, Some(key), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = send(&app, Some(key), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["messageId"], first["messageId"]);
    assert_eq!(again["replayed"], true);
    assert_eq!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "sent once"
    );
    // The same key for another message is refused.
    let mut other = message(SIMULATOR);
    other["subject"] = json!("Another");
    let (status, p) = send(&app, Some(key), other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "message-idempotency-mismatch");
    // A send that fails for sure gives the key back: fixed, the same key sends.
    let bad_key = "invoice-43";
    let mut blocked = message(SIMULATOR);
    blocked["from"] = json!("ceo@other.example.org");
    let (status, _) = send(&app, Some(bad_key), blocked).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Another tenant's key space is its own.
    let (status, p) = call(
        &app,
        "globex",
        &[SEND_SCOPE],
        Method::POST,
        "/v1/messages",
        &[("idempotency-key", key)],
        message(SIMULATOR),
    )
    .await;
    assert_ne!(status, StatusCode::OK, "globex has no route set up: {p}");
    assert_ne!(p["code"], "message-idempotency-mismatch");
}

#[tokio::test]
async fn through_the_tenants_smtp_server_with_the_stored_password() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    save_settings(
        &app,
        json!({
            "delivery": "externalSmtp",
            "smtp": {
                "host": "localhost", "port": server.starttls, "security": "starttls",
                "authentication": "password", "username": common::USER, "password": common::PASSWORD,
                "fromAddress": "billing@acme.example.com", "fromName": "Acme Billing",
                "additionalHeaders": "X-Tenant=acme", "allowPrivateHost": true
            }
        }),
        true,
    )
    .await;
    let (status, sent) = send(&app, Some("smtp-1"), message("someone@example.net")).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["route"], "externalSmtp");
    assert!(!sent["messageId"].as_str().unwrap().is_empty());
    let got = server.messages();
    let (envelope, raw) = got.last().unwrap();
    assert!(
        envelope.to_string().contains("someone@example.net"),
        "{envelope}"
    );
    assert!(raw.contains("X-Tenant: acme"), "{raw}");
    assert!(raw.contains("Subject: Your invoice"), "{raw}");
    // A From other than the saved one is refused.
    let mut other = message("someone@example.net");
    other["from"] = json!("ceo@acme.example.com");
    let (status, p) = send(&app, None, other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "message-from-not-allowed");
}

#[tokio::test]
async fn with_debug_on_each_smtp_session_is_kept_for_the_tenant_without_its_password() {
    let logs = common::capture_logs();
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    let mut settings = json!({
        "delivery": "externalSmtp",
        "smtp": {
            "host": "localhost", "port": server.starttls, "security": "starttls",
            "authentication": "password", "username": common::USER, "password": common::PASSWORD,
            "fromAddress": "billing@acme.example.com", "allowPrivateHost": true, "debug": true
        }
    });
    save_settings(&app, settings.clone(), true).await;
    let (status, sent) = send(&app, None, message("someone@example.net")).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let debug = |tenant: &'static str| {
        let app = app.clone();
        async move {
            let (status, v) = call(
                &app,
                tenant,
                &[],
                Method::GET,
                "/v1/settings/smtp-debug",
                &[],
                Value::Null,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{v}");
            v.as_array().unwrap().clone()
        }
    };
    let kept = debug("acme").await;
    assert_eq!(kept.len(), 2, "{kept:?}");
    // Newest first: the send, then "Test connection and save".
    assert_eq!(kept[0]["source"], "send");
    assert_eq!(kept[0]["messageId"], sent["messageId"]);
    assert_eq!(kept[1]["source"], "testAndSave");
    for t in &kept {
        assert_eq!(t["host"], "localhost");
        assert_eq!(t["outcome"]["ok"], true, "{t}");
        let steps: Vec<&str> = t["outcome"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert!(
            steps.contains(&"auth") && steps.contains(&"greeting"),
            "{steps:?}"
        );
        assert!(!t.to_string().contains(common::PASSWORD), "{t}");
    }
    // Another tenant sees none of them.
    assert!(debug("globex").await.is_empty());
    // Debug off: nothing more is kept.
    settings["smtp"]["debug"] = json!(false);
    settings["smtp"]["password"] = Value::Null;
    let (status, v) = call(
        &app,
        "acme",
        &[SETTINGS_SCOPE],
        Method::PUT,
        "/v1/settings",
        &[("if-match", "\"1\"")],
        settings,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, sent) = send(&app, None, message("someone@example.net")).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(debug("acme").await.len(), 2);
    // Nor in any log line: saving, testing, sending, the transcripts (TRACE and up).
    let text = logs.text();
    assert!(text.contains("message sent"), "the logs were captured");
    assert!(
        !text.contains(common::PASSWORD),
        "a password reached the logs:\n{text}"
    );
}

#[tokio::test]
async fn the_platform_default_route_needs_the_platforms_sender() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    let (status, p) = send(&app, None, message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(p["code"], "message-route-unavailable");
}

#[tokio::test]
async fn a_bad_message_is_refused_field_by_field_before_anything_is_sent() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    let (status, p) = send(
        &app,
        None,
        json!({ "to": ["not-an-address", "ok@example.net"], "subject": "Line\nBcc: x@example.org" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    let fields: Vec<&str> = p["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    for f in ["to[0]", "subject", "text"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let many: Vec<String> = (0..51).map(|i| format!("r{i}@example.net")).collect();
    let (status, p) = send(
        &app,
        None,
        json!({ "to": many, "subject": "s", "text": "t" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "message-recipients");
}

/// acme on its own SMTP server (saved with a passing test).
async fn on_smtp(server: &SmtpServer, app: &axum::Router) {
    save_settings(
        app,
        json!({
            "delivery": "externalSmtp",
            "smtp": {
                "host": "localhost", "port": server.starttls, "security": "starttls",
                "authentication": "password", "username": common::USER, "password": common::PASSWORD,
                "fromAddress": "billing@acme.example.com", "allowPrivateHost": true
            }
        }),
        true,
    )
    .await;
}

/// Sets the `since` of acme's claim of `key` to `ago` seconds back, as if the request that
/// made it had been cut off that long ago.
async fn age_claim(moto: &Moto, key: &str, ago: u64) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let db = aws_sdk_dynamodb::Client::new(&moto.sdk().await);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    db.update_item()
        .table_name("sendready-tenants")
        .key("pk", AttributeValue::S("MESSAGES#acme".to_owned()))
        .key("sk", AttributeValue::S(format!("KEY#{key}")))
        .update_expression("SET since = :t")
        .expression_attribute_values(":t", AttributeValue::N((now - ago).to_string()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reply_that_never_comes_after_data_holds_the_key_and_a_retry_never_sends_again() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_smtp(&server, &app).await;
    let key = "stalled-1";
    let (status, p) = send(&app, Some(key), message("stall-after-data@example.net")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{p}");
    assert_eq!(p["code"], "message-outcome-unknown", "{p}");
    assert!(p.get("retryAfter").is_none(), "no retry is invited: {p}");
    assert_eq!(server.messages().len(), 1, "the server kept the message");
    for _ in 0..2 {
        let (status, p) = send(&app, Some(key), message("stall-after-data@example.net")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["code"], "message-outcome-unknown", "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("new Idempotency-Key"),
            "{p}"
        );
    }
    assert_eq!(server.messages().len(), 1, "never sent a second time");
}

#[tokio::test]
async fn a_refusal_after_data_is_certain_so_the_key_is_given_back() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_smtp(&server, &app).await;
    let key = "refused-1";
    for _ in 0..2 {
        let (status, p) = send(&app, Some(key), message("refuse-after-data@example.net")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{p}");
        assert_ne!(p["code"], "message-outcome-unknown", "{p}");
        assert_ne!(p["code"], "message-in-progress", "{p}");
    }
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn ses_not_answering_holds_the_key_and_a_retry_never_sends_again() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_ses(&moto, &app).await;
    // SES carries the send out, and its answer comes after the SDK's 5 s attempt timeout.
    moto.ses(
        "faults",
        Some(json!({ "operation": "SendEmail", "delaySeconds": 6, "count": 1 })),
    );
    let key = "ses-late-1";
    let (status, p) = send(&app, Some(key), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{p}");
    assert_eq!(p["code"], "message-outcome-unknown", "{p}");
    let sent = || {
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(sent(), 1, "SES took it once (the SDK did not try again)");
    let (status, p) = send(&app, Some(key), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "message-outcome-unknown", "{p}");
    assert_eq!(sent(), 1, "never sent a second time");
    // SES refusing at once (throttled) is certain: the key is given back and a retry sends.
    moto.ses(
        "faults",
        Some(json!({ "operation": "SendEmail", "error": "TooManyRequestsException", "count": 1 })),
    );
    let (status, p) = send(&app, Some("ses-throttled-1"), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    let (status, p) = send(&app, Some("ses-throttled-1"), message(SIMULATOR)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(sent(), 2);
}

#[tokio::test]
async fn a_send_cut_off_mid_way_is_in_progress_then_unknown_after_60_and_300_seconds() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_smtp(&server, &app).await;
    let key = "cut-off-1";
    // The request's deadline drops the send while the server holds its reply.
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        send(&app, Some(key), message("stall-after-data@example.net")),
    )
    .await;
    assert!(cut.is_err(), "the send was cut off");
    let (status, p) = send(&app, Some(key), message("stall-after-data@example.net")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "message-in-progress", "{p}");
    let wait = p["retryAfter"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{p}");
    for ago in [61, 301] {
        age_claim(&moto, key, ago).await;
        let (status, p) = send(&app, Some(key), message("stall-after-data@example.net")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{ago} s on: {p}");
        assert_eq!(p["code"], "message-outcome-unknown", "{ago} s on: {p}");
    }
    assert_eq!(server.messages().len(), 1, "never sent a second time");
}

#[tokio::test]
async fn two_concurrent_calls_with_one_key_send_once() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_ses(&moto, &app).await;
    let key = "concurrent-1";
    let (a, b) = tokio::join!(
        send(&app, Some(key), message(SIMULATOR)),
        send(&app, Some(key), message(SIMULATOR))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::OK, "{a:?} {b:?}");
    let other = if a.0 == StatusCode::OK { &b } else { &a };
    assert!(
        other.0 == StatusCode::CONFLICT && other.1["code"] == "message-in-progress"
            || other.0 == StatusCode::OK && other.1["replayed"] == true,
        "{a:?} {b:?}"
    );
    assert_eq!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "sent once"
    );
}

#[tokio::test]
async fn a_field_the_route_does_not_take_is_refused_and_nothing_is_sent() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    on_ses(&moto, &app).await;
    let mut body = message(SIMULATOR);
    body["bcc"] = json!(["auditor@example.com"]);
    let (status, p) = send(&app, Some("bcc-1"), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "body-unknown-field", "{p}");
    assert_eq!(p["issues"][0]["field"], "bcc", "{p}");
    assert!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing sent"
    );
}
