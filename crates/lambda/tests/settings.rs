//! The tenant's email settings end to end (issue 14) against moto (DynamoDB, KMS, the
//! local SES) and the real SMTP server: versions and `If-Match`, secrets sealed per tenant
//! and never returned, FusionAuth's "Change password", the history, "Test connection and
//! save" (Zuora), the delivery choice's preconditions, and another tenant's token.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Moto, SmtpServer, jwt, users};
use sendready_lambda::adapters::kms::Kms;
use sendready_lambda::auth::SETTINGS_SCOPE;
use sendready_lambda::ports::settings::{Binding, Sealer};
use serde_json::{Value, json};

async fn app(moto: &Moto, server: &SmtpServer) -> axum::Router {
    common::app_with_smtp(moto, server).await
}

/// One request as `subject` of `tenant`: status, ETag and body.
async fn send(
    app: &axum::Router,
    (subject, tenant): (&str, &str),
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let token = jwt().mint(subject, tenant, &[SETTINGS_SCOPE], 300);
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("if-match", v)).into_iter().collect();
    let r = common::request(app, Some(&token), method, path, &headers, body).await;
    let etag = r.header("etag");
    (r.status, etag, r.body)
}

const ANA: (&str, &str) = ("ana", "acme");
const BO: (&str, &str) = ("bo", "acme");

/// The external server's settings (STARTTLS with a password) on the test server.
fn smtp(server: &SmtpServer, password: Option<&str>) -> Value {
    let mut s = json!({
        "host": "localhost", "port": server.starttls, "security": "starttls",
        "authentication": "password", "username": common::USER,
        "fromAddress": "billing@acme.example.com", "fromName": "Acme Billing",
        "additionalHeaders": "X-Tenant=acme", "allowPrivateHost": true
    });
    if let Some(p) = password {
        s["password"] = json!(p);
    }
    s
}

/// The raw settings item, as DynamoDB holds it.
async fn raw_item(
    moto: &Moto,
    tenant: &str,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    aws_sdk_dynamodb::Client::new(&moto.sdk().await)
        .get_item()
        .table_name("sendready-tenants")
        .key("pk", AttributeValue::S(format!("SETTINGS#{tenant}")))
        .key("sk", AttributeValue::S("CURRENT".to_owned()))
        .send()
        .await
        .unwrap()
        .item()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn settings_start_at_version_0_and_a_write_must_name_the_version_it_read() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    let (status, etag, v) = send(&app, ANA, Method::GET, "/v1/settings", None, None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(etag.as_deref(), Some("\"0\""));
    assert_eq!(v["version"], 0);
    assert_eq!(v["delivery"], "platformDefault");
    let body = json!({ "profileEmail": "billing@acme.example.com" });
    let (status, _, p) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        None,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{p}");
    assert_eq!(p["code"], "settings-version-missing");
    let (status, etag, v) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(v["profileEmail"], "billing@acme.example.com");
    assert_eq!(v["updatedBy"], "ana");
    // The same settings again are not a new version.
    let (status, etag, _) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"1\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag.as_deref(), Some("\"1\""));
    // Another tenant's token sees its own settings, never acme's.
    let (_, _, other) = send(
        &app,
        ("eve", "globex"),
        Method::GET,
        "/v1/settings",
        None,
        None,
    )
    .await;
    assert_eq!(other["version"], 0);
    assert_eq!(other["profileEmail"], "");
}

#[tokio::test]
async fn the_password_is_sealed_never_returned_and_kept_unless_change_password() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    let body = json!({ "profileEmail": "billing@acme.example.com", "smtp": smtp(&server, Some(common::PASSWORD)) });
    let (status, _, v) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["passwordSet"], true);
    assert!(v["smtp"].get("password").is_none_or(Value::is_null), "{v}");
    assert!(!v.to_string().contains(common::PASSWORD));
    let item = raw_item(&moto, "acme").await;
    let sealed = item["password"].as_b().unwrap().as_ref().to_vec();
    assert!(!String::from_utf8_lossy(&sealed).contains(common::PASSWORD));
    assert!(!item["doc"].as_s().unwrap().contains(common::PASSWORD));

    // Without "Change password" the stored one stays, even when a new one is typed (for
    // the same server: one typed for another server replaces it, since the stored one
    // cannot go there).
    let mut s = smtp(&server, Some("typed but not meant"));
    s["changePassword"] = json!(false);
    s["fromName"] = json!("Acme Accounts");
    let body = json!({ "profileEmail": "billing@acme.example.com", "smtp": s });
    let (status, _, v) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"1\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(
        raw_item(&moto, "acme").await["password"]
            .as_b()
            .unwrap()
            .as_ref(),
        sealed.as_slice()
    );
    // With it, the new one replaces it.
    let mut s = smtp(&server, Some("a new password"));
    s["changePassword"] = json!(true);
    let body = json!({ "profileEmail": "billing@acme.example.com", "smtp": s });
    let (status, _, v) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"2\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_ne!(
        raw_item(&moto, "acme").await["password"]
            .as_b()
            .unwrap()
            .as_ref(),
        sealed.as_slice()
    );

    // The history names fields, never values.
    let (status, _, h) = send(&app, ANA, Method::GET, "/v1/settings/history", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["version"], 3);
    assert_eq!(h[0]["by"], "ana");
    assert!(
        h[0]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("smtp.password")),
        "{h:?}"
    );
    assert!(
        h[1]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("smtp.fromName")),
        "{h:?}"
    );
    assert!(
        !h[1]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("smtp.password")),
        "{h:?}"
    );
    assert!(
        !Value::Array(h.clone()).to_string().contains("password\":"),
        "no value in the history"
    );
}

#[tokio::test]
async fn a_ciphertext_opens_only_for_the_tenant_field_and_server_it_was_sealed_for() {
    let moto = Moto::start();
    let conf = moto.sdk().await;
    common::settings_key(&conf).await;
    let kms = Kms::from_conf(&conf, "alias/sendready-settings");
    let at = |host: &str, port: u16, user: &str| Binding {
        host: host.to_owned(),
        port,
        username: user.to_owned(),
    };
    let home = at("smtp.example.com", 587, "ann");
    let sealed = kms
        .seal("acme", "smtp.password", &home, "hunter2")
        .await
        .unwrap();
    assert_eq!(
        kms.open("acme", "smtp.password", Some(&home), &sealed)
            .await
            .unwrap(),
        "hunter2"
    );
    // KMS itself refuses every other tenant, field, server, port, username, and a
    // context without the server.
    for (tenant, field, to) in [
        ("globex", "smtp.password", Some(home.clone())),
        ("acme", "smtpToken", Some(home.clone())),
        (
            "acme",
            "smtp.password",
            Some(at("evil.example.net", 587, "ann")),
        ),
        (
            "acme",
            "smtp.password",
            Some(at("smtp.example.com", 2525, "ann")),
        ),
        (
            "acme",
            "smtp.password",
            Some(at("smtp.example.com", 587, "eve")),
        ),
        ("acme", "smtp.password", None),
    ] {
        let e = kms
            .open(tenant, field, to.as_ref(), &sealed)
            .await
            .unwrap_err();
        assert_eq!(
            e.code, "InvalidCiphertextException",
            "{tenant} {field} {to:?}: {e}"
        );
    }
}

#[tokio::test]
async fn a_stale_write_is_412_and_says_who_changed_what() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    let first = json!({ "profileEmail": "billing@acme.example.com" });
    send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(first),
    )
    .await;
    // Ana and Bo both read version 1; Bo saves first.
    let bo = json!({ "profileEmail": "ops@acme.example.com" });
    let (status, _, _) = send(
        &app,
        BO,
        Method::PUT,
        "/v1/settings",
        Some("\"1\""),
        Some(bo),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ana = json!({ "profileEmail": "finance@acme.example.com" });
    let (status, _, p) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"1\""),
        Some(ana),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{p}");
    assert_eq!(p["code"], "settings-stale");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("profileEmail changed by bo"), "{detail}");
    assert!(detail.contains("If-Match: \"2\""), "{detail}");
    let (_, _, v) = send(&app, ANA, Method::GET, "/v1/settings", None, None).await;
    assert_eq!(
        v["profileEmail"], "ops@acme.example.com",
        "Bo's change is not lost"
    );
}

#[tokio::test]
async fn test_connection_and_save_saves_only_when_the_check_passes() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    // Choosing the external server needs a passing test of its settings.
    let body = json!({ "delivery": "externalSmtp", "smtp": smtp(&server, Some(common::PASSWORD)) });
    let (status, _, p) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "settings-smtp-untested");
    // A wrong password: the steps come back, nothing is saved.
    let wrong = json!({ "delivery": "externalSmtp", "smtp": smtp(&server, Some("wrong")) });
    let (status, etag, t) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings?test=true",
        Some("\"0\""),
        Some(wrong),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["saved"], false);
    assert_eq!(t["test"]["ok"], false);
    assert_eq!(
        t["test"]["diagnosis"]["code"], "smtp-auth-bad-credentials",
        "{t}"
    );
    assert_eq!(etag.as_deref(), Some("\"0\""));
    // The right one: tested and saved together.
    let (status, etag, t) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings?test=true",
        Some("\"0\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["saved"], true, "{t}");
    assert_eq!(t["test"]["ok"], true);
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert!(t["settings"]["smtpTestedAt"].as_u64().is_some(), "{t}");
    // The stored password is what a later test uses: no password in the body.
    let kept = json!({ "delivery": "externalSmtp", "smtp": smtp(&server, None) });
    let (status, _, t) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings?test=true",
        Some("\"1\""),
        Some(kept),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["test"]["ok"], true, "{t}");
    // Changing the server untested is refused while delivery goes through it (with the
    // password typed again: the saved one is for the old port).
    let mut moved = smtp(&server, Some(common::PASSWORD));
    moved["port"] = json!(server.tls);
    moved["security"] = json!("tls");
    let (status, _, p) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some(&format!("\"{}\"", t["settings"]["version"])),
        Some(json!({ "delivery": "externalSmtp", "smtp": moved })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "settings-smtp-untested");
}

#[tokio::test]
async fn writing_the_settings_needs_the_settings_scope_and_reading_does_not() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    let user = jwt().mint("ann", "acme", &[], 300);
    let body = json!({ "profileEmail": "billing@acme.example.com" });
    let r = common::request(
        &app,
        Some(&user),
        Method::PUT,
        "/v1/settings",
        &[("if-match", "\"0\"")],
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["code"], "auth-forbidden");
    assert!(
        r.body["detail"].as_str().unwrap().contains(SETTINGS_SCOPE),
        "{}",
        r.body
    );
    let r = common::request(&app, Some(&user), Method::GET, "/v1/settings", &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The platform's admin may write them too.
    let admin = jwt().mint("ops", "acme", &[sendready_lambda::auth::ADMIN_SCOPE], 300);
    let r = common::request(
        &app,
        Some(&admin),
        Method::PUT,
        "/v1/settings",
        &[("if-match", "\"0\"")],
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_saved_password_signs_in_only_at_the_server_port_and_username_it_was_saved_for() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    let body = json!({ "delivery": "externalSmtp", "smtp": smtp(&server, Some(common::PASSWORD)) });
    let (status, _, t) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings?test=true",
        Some("\"0\""),
        Some(body),
    )
    .await;
    assert_eq!(t["saved"], true, "{status} {t}");
    let item = raw_item(&moto, "acme").await;
    let bound: Value = serde_json::from_str(item["passwordFor"].as_s().unwrap()).unwrap();
    assert_eq!(
        bound,
        json!({ "host": "localhost", "port": server.starttls, "username": common::USER })
    );
    let before = server.messages().len();
    // Any user of the tenant tests and sends with the saved password, at the same place
    // (issue 27: "Test connection" and "Send test email" after a reload).
    let user = jwt().mint("ann", "acme", &[], 300);
    let post = |path: &'static str, body: Value| {
        let app = app.clone();
        let user = user.clone();
        async move { common::request(&app, Some(&user), Method::POST, path, &[], Some(body)).await }
    };
    let r = post("/v1/smtp/check", smtp(&server, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let mut test = smtp(&server, None);
    test["to"] = json!("someone@example.net");
    let r = post("/v1/smtp/test-email", test).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    assert_eq!(server.messages().len(), before + 1);
    // Anywhere else it is refused before any connection: another host, port or username.
    let elsewhere = |k: &str, v: Value| {
        let mut s = smtp(&server, None);
        s[k] = v;
        s
    };
    let others = [
        elsewhere("host", json!("127.0.0.1")),
        elsewhere("port", json!(server.plain)),
        elsewhere("username", json!("eve@example.com")),
    ];
    for other in &others {
        let r = post("/v1/smtp/check", other.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{other}: {}", r.body);
        assert_eq!(r.body["code"], "settings-secret-unbound", "{}", r.body);
        assert_eq!(r.body["issues"][0]["field"], "password", "{}", r.body);
        // "Test connection and save" and a plain save alike.
        for path in ["/v1/settings?test=true", "/v1/settings"] {
            let (status, _, p) = send(
                &app,
                ANA,
                Method::PUT,
                path,
                Some("\"1\""),
                Some(json!({ "delivery": "externalSmtp", "smtp": other })),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {other}: {p}");
            assert_eq!(p["code"], "settings-secret-unbound", "{p}");
        }
    }
    // Typed again for the new place, it is tested, saved and bound there.
    let mut plain = smtp(&server, Some(common::PASSWORD));
    plain["port"] = json!(server.plain);
    plain["security"] = json!("none");
    let (status, _, t) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings?test=true",
        Some("\"1\""),
        Some(json!({ "delivery": "externalSmtp", "smtp": plain })),
    )
    .await;
    assert_eq!(t["saved"], true, "{status} {t}");
    let r = post("/v1/smtp/check", smtp(&server, None)).await;
    assert_eq!(
        r.body["code"], "settings-secret-unbound",
        "the old port no longer: {}",
        r.body
    );
}

#[tokio::test]
async fn ses_delivery_needs_a_verified_identity_that_covers_the_from() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = app(&moto, &server).await;
    users(&app, "acme", &["billing@acme.example.com"]).await;
    let body = json!({
        "delivery": "ses",
        "profileEmail": "billing@acme.example.com",
        "ses": { "fromAddress": "billing@acme.example.com", "fromName": "Acme Billing" }
    });
    let (status, _, p) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["issues"][0]["field"], "ses.fromAddress", "{p}");
    common::create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    moto.click_verification_link("billing@acme.example.com");
    let (status, _, v) = send(
        &app,
        ANA,
        Method::PUT,
        "/v1/settings",
        Some("\"0\""),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["delivery"], "ses");
    assert_eq!(v["ses"]["fromName"], "Acme Billing");
}
