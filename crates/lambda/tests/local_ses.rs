//! The local SES (`tests/ses_emulation.py`) behaves as SES does, seen through the API: an
//! Easy DKIM domain is PENDING with three CNAMEs until they resolve in DNS; one whose
//! records never resolve turns FAILED after the window and "Retry" starts it again; an
//! email identity waits for its link; SES refuses a second create of an identity it has;
//! a throttling SES is a 503 that the next call gets past.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Dnsmasq, Moto, call_as, create_as, users, view_cnames};
use serde_json::json;
use std::time::Duration;

/// The API over moto and the local SES, checking live DNS against `dns`.
async fn app(moto: &Moto, dns: &Dnsmasq) -> axum::Router {
    common::app_with_dns(moto, dns).await
}

#[tokio::test]
async fn an_easy_dkim_domain_is_pending_with_three_cnames_until_they_resolve() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let app = app(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;

    let view = create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    assert_eq!(view["verificationStatus"], "PENDING", "{view}");
    assert_eq!(view["verifiedForSending"], false);
    assert_eq!(view["dkim"]["status"], "PENDING");
    assert_eq!(view["dkim"]["origin"], "AWS_SES");
    assert_eq!(view["dkim"]["tokens"].as_array().unwrap().len(), 3);
    assert_eq!(view["dkim"]["signingHostedZone"], "dkim.amazonses.com");
    let records = view_cnames(&view);
    assert_eq!(records.len(), 3, "{view}");
    for (name, value) in &records {
        assert!(name.ends_with("._domainkey.acme.example.com"), "{name}");
        assert!(value.ends_with(".dkim.amazonses.com"), "{value:?}");
    }
    // The name to type at a DNS host that appends the zone.
    assert!(
        view["records"][0]["zoneEntry"]["hostField"]
            .as_str()
            .unwrap()
            .ends_with("._domainkey"),
        "{view}"
    );

    // Still PENDING while DNS has nothing.
    let (_, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(view["verificationStatus"], "PENDING");

    // The CNAMEs resolve: SES finds them and both statuses turn to SUCCESS.
    let published = Dnsmasq::cnames(&records);
    moto.ses("config", Some(json!({ "dns": published.addr.to_string() })));
    let (status, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["verificationStatus"], "SUCCESS", "{view}");
    assert_eq!(view["dkim"]["status"], "SUCCESS", "{view}");
    assert_eq!(view["verifiedForSending"], true);
    assert_eq!(view["verification"]["code"], "verification-success");
}

#[tokio::test]
async fn a_domain_whose_records_never_resolve_fails_and_retry_starts_it_again() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses(
        "config",
        Some(json!({ "dns": empty.addr.to_string(), "verificationWindowSeconds": 0.3 })),
    );
    let app = app(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    let (_, view) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "acme.example.com" })),
    )
    .await;
    let records = view_cnames(&view);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (_, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(view["verificationStatus"], "FAILED", "{view}");
    assert_eq!(view["dkim"]["status"], "FAILED");
    assert_eq!(
        view["verification"]["code"], "verification-host-not-found",
        "{view}"
    );

    // Retry with the records still missing: nothing is restarted.
    let (status, out) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["allRequiredFound"], false);
    assert!(
        out["retry"].as_str().unwrap().starts_with("Not retried"),
        "{out}"
    );

    // Published now: Retry asks SES to start again, with the same three tokens, and SES
    // finds them.
    let published = Dnsmasq::cnames(&records);
    let app = self::app(&moto, &published).await;
    moto.ses(
        "config",
        Some(json!({ "dns": published.addr.to_string(), "verificationWindowSeconds": 60 })),
    );
    let (_, out) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(out["allRequiredFound"], true, "{out}");
    assert!(
        out["retry"]
            .as_str()
            .unwrap()
            .contains("start DKIM verification again"),
        "{out}"
    );
    let (_, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(
        view_cnames(&view),
        records,
        "Easy DKIM keeps its tokens on a retry"
    );
    assert_eq!(view["verificationStatus"], "SUCCESS", "{view}");
}

#[tokio::test]
async fn an_email_identity_waits_for_its_link_and_another_tenant_cannot_take_it() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    let app = app(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    users(&app, "beta", &["ops@acme.example.com"]).await;
    let view = create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    assert_eq!(view["verificationStatus"], "PENDING");
    assert!(
        view.get("dkim").is_none() || view["dkim"].is_null(),
        "{view}"
    );

    moto.click_verification_link("billing@acme.example.com");
    let path = "/v1/identities/billing@acme.example.com";
    let (_, view) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(view["verificationStatus"], "SUCCESS", "{view}");
    assert_eq!(view["verifiedForSending"], true);

    // Another tenant whose users share the domain asks for the same identity: the name
    // belongs to the first tenant across the deployment; its identity is untouched.
    let (status, p) = call_as(
        &app,
        "beta",
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "billing@acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-taken", "{p}");
    let (status, view) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["verificationStatus"], "SUCCESS");
}

#[tokio::test]
async fn a_throttling_ses_is_a_503_and_the_next_call_gets_through() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    let app = app(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    // More throttled answers than the SDK's three attempts.
    moto.ses(
        "faults",
        Some(json!({ "operation": "GetEmailIdentity", "error": "TooManyRequestsException", "count": 3 })),
    );
    let path = "/v1/identities/acme.example.com";
    let (status, p) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(p["code"], "aws-unavailable");
    assert!(p["retryAfter"].as_u64().unwrap() > 0);
    let (status, _) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "the fault was used up");
}

#[tokio::test]
async fn test_mail_goes_only_to_the_tenants_own_recipients_or_the_simulator() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    let app = app(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    moto.click_verification_link("billing@acme.example.com");
    let path = "/v1/identities/billing@acme.example.com/test-email";
    let send = |to: &str| json!({ "from": "billing@acme.example.com", "to": to });

    // A stranger: refused before SES is asked, so the platform's reputation is safe.
    let (status, p) = call_as(
        &app,
        "acme",
        Method::POST,
        path,
        Some(send("stranger@example.org")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "test-mail-recipient-not-allowed");
    assert_eq!(p["issues"][0]["field"], "to");

    // The verified identity itself: SES accepts it, even in the sandbox.
    let (status, out) = call_as(
        &app,
        "acme",
        Method::POST,
        path,
        Some(send("billing@acme.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");

    // An active user: allowed by the platform; the sandboxed SES account refuses an
    // unverified recipient, and the answer says so.
    let (status, out) = call_as(
        &app,
        "acme",
        Method::POST,
        path,
        Some(send("ops@acme.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], false, "{out}");
    assert_eq!(out["diagnosis"]["code"], "ses-sandbox", "{out}");

    // SES cannot say whose identity it is (GetEmailIdentity throttled past the SDK's
    // attempts): nothing is sent (issue 22, fail closed).
    let before = moto.ses("messages", None)["messages"]
        .as_array()
        .unwrap()
        .len();
    moto.ses(
        "faults",
        Some(json!({ "operation": "GetEmailIdentity", "error": "TooManyRequestsException", "count": 3 })),
    );
    let (status, p) = call_as(
        &app,
        "acme",
        Method::POST,
        path,
        Some(send("billing@acme.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(
        moto.ses("messages", None)["messages"]
            .as_array()
            .unwrap()
            .len(),
        before,
        "nothing sent"
    );
}

#[tokio::test]
async fn records_that_resolve_while_ses_still_says_pending_are_explained_as_waiting() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    // SES looks at an empty DNS (it has not checked again); the backend sees the records.
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let before = app(&moto, &empty).await;
    users(&before, "acme", &["ops@acme.example.com"]).await;
    let view = create_as(&before, "acme", json!({ "identity": "acme.example.com" })).await;
    let published = Dnsmasq::cnames(&view_cnames(&view));
    let app = app(&moto, &published).await;
    let (status, v) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["verificationStatus"], "PENDING", "{v}");
    assert_eq!(v["allRequiredFound"], true, "{v}");
    assert_eq!(v["verification"]["code"], "verification-dns-ready", "{v}");
}
