//! Each platform tenant's own SES tenant (issue 15), against the local SES: made on the
//! first identity, every identity and the configuration set associated with it, every send
//! passing its `TenantName` and configuration set, the reputation policy the platform sets,
//! and another tenant seeing none of it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Moto, SmtpServer, call_as, create_as, users};
use serde_json::{Value, json};

/// The local SES's state of the one region the tests use.
fn state(moto: &Moto) -> Value {
    let all = moto.ses("state", None);
    all.as_object().unwrap().values().next().unwrap().clone()
}

fn associations(moto: &Moto, tenant_name: &str) -> Vec<String> {
    state(moto)["associations"][tenant_name]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Asserts acme's SES tenant holds a resource whose ARN ends with each of `suffixes`.
fn assert_associated(moto: &Moto, suffixes: &[&str]) {
    let assoc = associations(moto, "sendready-t-acme");
    for suffix in suffixes {
        assert!(
            assoc.iter().any(|a| a.ends_with(suffix)),
            "{suffix} not in {assoc:?}"
        );
    }
}

async fn acme_with_an_identity(moto: &Moto, app: &axum::Router) {
    users(app, "acme", &["billing@acme.example.com"]).await;
    create_as(
        app,
        "acme",
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    moto.click_verification_link("billing@acme.example.com");
}

#[tokio::test]
async fn the_first_identity_makes_the_tenants_ses_tenant_and_its_sends_belong_to_it() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    // No SES tenant before the first identity.
    let (status, v) = call_as(&app, "acme", Method::GET, "/v1/tenant", None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v.get("ses").is_none(), "{v}");

    acme_with_an_identity(&moto, &app).await;
    let s = state(&moto);
    let t = &s["tenants"]["sendready-t-acme"];
    assert_eq!(
        t["Tags"],
        json!([{ "Key": "sendready:tenant", "Value": "acme" }]),
        "{s}"
    );
    assert_associated(
        &moto,
        &[
            ":identity/billing@acme.example.com",
            ":configuration-set/sendready-t-acme",
        ],
    );

    // A test message goes out under the tenant and its configuration set.
    let (status, sent) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/billing@acme.example.com/test-email",
        Some(json!({ "from": "billing@acme.example.com", "scenario": "success" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["ok"], true, "{sent}");
    let messages = moto.ses("messages", None);
    let last = messages["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(last["tenant"], "sendready-t-acme", "{last}");
    assert_eq!(last["configurationSet"], "sendready-t-acme", "{last}");

    // GET /v1/tenant shows the SES tenant; another tenant has none.
    let (_, v) = call_as(&app, "acme", Method::GET, "/v1/tenant", None).await;
    assert_eq!(v["ses"]["tenantName"], "sendready-t-acme", "{v}");
    assert_eq!(v["ses"]["sendingStatus"], "ENABLED", "{v}");
    assert_eq!(v["ses"]["reputationPolicy"], "none", "{v}");
    let (_, other) = call_as(&app, "globex", Method::GET, "/v1/tenant", None).await;
    assert!(other.get("ses").is_none(), "{other}");

    // A delete takes the identity out of the tenant first.
    let (status, p) = call_as(
        &app,
        "acme",
        Method::DELETE,
        "/v1/identities/billing@acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{p}");
    let assoc = associations(&moto, "sendready-t-acme");
    assert!(!assoc.iter().any(|a| a.contains(":identity/")), "{assoc:?}");
}

#[tokio::test]
async fn a_send_for_an_identity_outside_the_tenant_puts_it_back_and_goes_out() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    acme_with_an_identity(&moto, &app).await;
    // As an identity made before SES tenants were used: not associated.
    let ses = aws_sdk_sesv2::Client::new(&moto.sdk().await);
    let arn = associations(&moto, "sendready-t-acme")
        .into_iter()
        .find(|a| a.contains(":identity/"))
        .unwrap();
    ses.delete_tenant_resource_association()
        .tenant_name("sendready-t-acme")
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let (status, sent) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/billing@acme.example.com/test-email",
        Some(json!({ "from": "billing@acme.example.com", "scenario": "success" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["ok"], true, "{sent}");
    assert!(associations(&moto, "sendready-t-acme").contains(&arn));
}

#[tokio::test]
async fn a_later_identity_needs_only_its_association_and_a_tenant_deleted_in_ses_is_made_again() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    acme_with_an_identity(&moto, &app).await;
    // The SES tenant is recorded as set up: the next identity makes no tenant, no
    // configuration set and no event destination (each would fail here).
    for op in [
        "CreateTenant",
        "GetTenant",
        "CreateConfigurationSet",
        "CreateConfigurationSetEventDestination",
    ] {
        moto.ses(
            "faults",
            Some(json!({ "operation": op, "error": "TooManyRequestsException", "seconds": 60 })),
        );
    }
    create_as(&app, "acme", json!({ "identity": "ops@acme.example.com" })).await;
    assert_associated(&moto, &[":identity/ops@acme.example.com"]);
    moto.ses("faults", Some(json!({})));

    // Someone deletes the SES tenant in SES: the next identity finds it gone, sets it up
    // again, and is associated with the new one.
    let ses = aws_sdk_sesv2::Client::new(&moto.sdk().await);
    ses.delete_tenant()
        .tenant_name("sendready-t-acme")
        .send()
        .await
        .unwrap();
    create_as(
        &app,
        "acme",
        json!({ "identity": "support@acme.example.com" }),
    )
    .await;
    assert_associated(
        &moto,
        &[
            ":identity/support@acme.example.com",
            ":configuration-set/sendready-t-acme",
        ],
    );
}

#[tokio::test]
async fn the_platform_sets_a_tenants_reputation_policy_and_suppression() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    let path = "/v1/tenants/acme/reputation";
    let body = json!({ "policy": "strict", "suppressedReasons": ["BOUNCE", "COMPLAINT"] });
    // Not for a tenant's own users.
    let (status, p) = call_as(&app, "acme", Method::PUT, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    // The platform: the SES tenant is made when missing.
    let (status, v) = call_as(&app, "platform", Method::PUT, path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tenantName"], "sendready-t-acme");
    assert_eq!(v["reputationPolicy"], "strict", "{v}");
    assert_eq!(
        v["suppressedReasons"],
        json!(["BOUNCE", "COMPLAINT"]),
        "{v}"
    );
    let (_, t) = call_as(&app, "acme", Method::GET, "/v1/tenant", None).await;
    assert_eq!(t["ses"]["reputationPolicy"], "strict", "{t}");
    // A policy SES does not have is refused before SES is asked.
    let (status, p) = call_as(
        &app,
        "platform",
        Method::PUT,
        path,
        Some(json!({ "policy": "lenient" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "input-invalid", "{p}");
}

#[tokio::test]
async fn a_bounce_and_a_complaint_at_the_simulator_reach_the_tenants_events_and_rates_once() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp(&moto, &server).await;
    acme_with_an_identity(&moto, &app).await;
    for scenario in ["bounce", "complaint"] {
        let (status, sent) = call_as(
            &app,
            "acme",
            Method::POST,
            "/v1/identities/billing@acme.example.com/test-email",
            Some(json!({ "from": "billing@acme.example.com", "scenario": scenario })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{sent}");
    }
    // What EventBridge delivers to sendready-events: every event the local SES published
    // to the tenant's configuration set's destination, each delivered twice.
    let published = moto.ses("events", None);
    let envelopes: Vec<Value> = published["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "eventbridge")
        .map(|e| e["event"].clone())
        .collect();
    assert_eq!(
        envelopes.len(),
        5,
        "two sends, two deliveries, a bounce, a complaint less the bounce's delivery: {published}"
    );
    let events = sendready_lambda::state::Aws::from_sdk(&moto.sdk().await, "sendready-tenants")
        .events_service();
    for e in &envelopes {
        assert_eq!(
            events.consume(e).await.unwrap(),
            sendready_lambda::service::events::Consumed::Recorded
        );
        assert_eq!(
            events.consume(e).await.unwrap(),
            sendready_lambda::service::events::Consumed::Duplicate,
            "a redelivery counts once"
        );
    }

    let get = |tenant: &'static str, path: &'static str| {
        let app = app.clone();
        async move {
            let (status, v) = call_as(&app, tenant, Method::GET, path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {v}");
            v
        }
    };
    let all = get("acme", "/v1/events").await;
    let kinds: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "bounce").count(), 1, "{all}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "complaint").count(),
        1,
        "{all}"
    );
    assert_eq!(kinds.len(), 5, "{all}");
    let bounces = get("acme", "/v1/events?type=bounce").await;
    assert_eq!(bounces.as_array().unwrap().len(), 1);
    assert_eq!(bounces[0]["identity"], "billing@acme.example.com");
    assert_eq!(
        bounces[0]["recipients"],
        json!(["bounce@simulator.amazonses.com"])
    );
    assert!(
        bounces[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("Permanent/General"),
        "{bounces}"
    );
    let mine = get("acme", "/v1/events?identity=billing%40acme.example.com").await;
    assert_eq!(mine.as_array().unwrap().len(), 5);
    assert!(
        get("globex", "/v1/events")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The rates: 2 sent, 1 bounce, 1 complaint, with SES's review warnings.
    let t = get("acme", "/v1/tenant").await;
    let day = &t["rates"][0];
    assert_eq!(day["window"], "24h", "{t}");
    assert_eq!(day["counts"]["sent"], 2, "{t}");
    assert_eq!(day["counts"]["bounced"], 1, "{t}");
    assert_eq!(day["counts"]["complained"], 1, "{t}");
    assert_eq!(day["bounceRate"], 50.0, "{t}");
    let codes: Vec<&str> = t["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"reputation-bounce-rate") && codes.contains(&"reputation-complaint-rate"),
        "{t}"
    );
    let other = get("globex", "/v1/tenant").await;
    assert_eq!(other["rates"][0]["counts"]["sent"], 0, "{other}");

    let (status, p) = call_as(&app, "acme", Method::GET, "/v1/events?type=opened", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "input-invalid");
}

#[tokio::test]
async fn the_platforms_default_route_sends_under_the_tenants_ses_tenant_and_its_bounces_are_the_tenants()
 {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let app = common::app_with_smtp_and(&moto, &server, |aws| {
        aws.platform_from = Some("notify@platform.example.net".to_owned());
    })
    .await;
    // The platform's own sender, verified in SES (not any tenant's identity).
    aws_sdk_sesv2::Client::new(&moto.sdk().await)
        .create_email_identity()
        .email_identity("notify@platform.example.net")
        .send()
        .await
        .unwrap();
    moto.click_verification_link("notify@platform.example.net");
    users(&app, "acme", &["billing@acme.example.com"]).await;
    let token = common::jwt().mint(
        "notifier",
        "acme",
        &[sendready_lambda::auth::SEND_SCOPE],
        300,
    );
    let r = common::request(
        &app,
        Some(&token),
        Method::POST,
        "/v1/messages",
        &[],
        Some(json!({
            "to": ["bounce@simulator.amazonses.com"],
            "subject": "Your invoice",
            "text": "Invoice 42 is ready."
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["route"], "platformDefault", "{}", r.body);
    let sent = moto.ses("messages", None);
    let last = sent["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["tenant"], "sendready-t-acme", "{last}");
    assert_eq!(last["configurationSet"], "sendready-t-acme", "{last}");
    assert_associated(&moto, &[":identity/notify@platform.example.net"]);
    // The bounce reaches acme's events (what sendready-events does with EventBridge's).
    let events = sendready_lambda::state::Aws::from_sdk(&moto.sdk().await, "sendready-tenants")
        .events_service();
    for e in moto.ses("events", None)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "eventbridge")
    {
        events.consume(&e["event"]).await.unwrap();
    }
    let (status, bounces) =
        call_as(&app, "acme", Method::GET, "/v1/events?type=bounce", None).await;
    assert_eq!(status, StatusCode::OK, "{bounces}");
    assert_eq!(bounces.as_array().unwrap().len(), 1, "{bounces}");
}
