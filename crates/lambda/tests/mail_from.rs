//! A custom MAIL FROM domain (issue 15) through the API, against the local SES and
//! dnsmasq: the core's rules, an MX the user did not mean to replace found in live DNS
//! (409), the MX and SPF records shown and checked, and SES's status from PENDING to
//! SUCCESS once the MX resolves; another tenant cannot touch it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Dnsmasq, Moto, call_as, create_as, users};
use serde_json::{Value, json};

async fn app(moto: &Moto, dns: &Dnsmasq) -> axum::Router {
    common::app_with_dns(moto, dns).await
}

const PATH: &str = "/v1/identities/acme.example.com/mail-from";

#[tokio::test]
async fn a_mail_from_subdomain_is_checked_set_and_followed_to_success() {
    let moto = Moto::start();
    // mail.acme.example.com receives mail already; bounce.acme.example.com is free.
    let before = Dnsmasq::start(&[(
        "mx",
        "mail.acme.example.com",
        vec!["mx.acme.example.com".to_owned(), "10".to_owned()],
    )]);
    moto.ses("config", Some(json!({ "dns": before.addr.to_string() })));
    let app = app(&moto, &before).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;

    // Not a subdomain: the core's rule, before SES or DNS is asked.
    let (status, p) = call_as(
        &app,
        "acme",
        Method::PUT,
        PATH,
        Some(json!({ "mailFromDomain": "bounce.example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["issues"][0]["code"], "mail-from-not-subdomain", "{p}");

    // A subdomain that receives mail: 409 naming its MX, nothing changed in SES.
    let (status, p) = call_as(
        &app,
        "acme",
        Method::PUT,
        PATH,
        Some(json!({ "mailFromDomain": "mail.acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "mail-from-mx-exists");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("mx.acme.example.com"),
        "{p}"
    );
    let (_, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert!(view.get("mailFrom").is_none(), "{view}");

    // Another tenant's identity is not found.
    let (status, _) = call_as(
        &app,
        "globex",
        Method::PUT,
        PATH,
        Some(json!({ "mailFromDomain": "bounce.acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A free subdomain: PENDING, with its MX and SPF records to publish.
    let (status, view) = call_as(
        &app,
        "acme",
        Method::PUT,
        PATH,
        Some(json!({ "mailFromDomain": "bounce.acme.example.com", "behaviorOnMxFailure": "REJECT_MESSAGE" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["mailFrom"]["domain"], "bounce.acme.example.com");
    assert_eq!(view["mailFrom"]["status"], "PENDING", "{view}");
    assert_eq!(view["mailFrom"]["behaviorOnMxFailure"], "REJECT_MESSAGE");
    assert!(
        view["mailFrom"]["explanation"]
            .as_str()
            .unwrap()
            .contains("72 hours"),
        "{view}"
    );
    let records = view["records"].as_array().unwrap();
    let mx = records.iter().find(|r| r["type"] == "MX").unwrap();
    assert_eq!(mx["name"], "bounce.acme.example.com");
    assert_eq!(mx["value"], "10 feedback-smtp.us-east-1.amazonses.com");
    assert_eq!(mx["required"], true);
    assert!(
        records
            .iter()
            .any(|r| r["name"] == "bounce.acme.example.com"
                && r["value"] == "v=spf1 include:amazonses.com ~all"),
        "{view}"
    );

    // Publishing creates the MX and the SPF TXT beside the DKIM records (CREATE only).
    assert_eq!(
        publish(&moto, &app).await,
        [
            (
                "MX".to_owned(),
                "10 feedback-smtp.us-east-1.amazonses.com.".to_owned()
            ),
            (
                "TXT".to_owned(),
                "\"v=spf1 include:amazonses.com ~all\"".to_owned()
            )
        ]
    );

    // The MX resolves: SES's status turns to SUCCESS, and Verify finds both records.
    let after = Dnsmasq::start(&[
        (
            "mx",
            "bounce.acme.example.com",
            vec![
                "feedback-smtp.us-east-1.amazonses.com".to_owned(),
                "10".to_owned(),
            ],
        ),
        (
            "txt",
            "bounce.acme.example.com",
            vec!["v=spf1 include:amazonses.com ~all".to_owned()],
        ),
    ]);
    moto.ses("config", Some(json!({ "dns": after.addr.to_string() })));
    let app = self::app(&moto, &after).await;
    let (_, view) = call_as(
        &app,
        "acme",
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(view["mailFrom"]["status"], "SUCCESS", "{view}");
    assert!(
        view["mailFrom"]["explanation"]
            .as_str()
            .unwrap()
            .contains("SPF aligns"),
        "{view}"
    );
    let (status, v) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/verify",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let found: Vec<bool> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["record"]["name"] == "bounce.acme.example.com")
        .map(|c| c["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(found, [true, true], "{v}");

    policy_of_acme(&app).await;
}

/// Publishes acme's records into a new zone of acme.example.com assigned to it; what the
/// zone then holds at bounce.acme.example.com.
async fn publish(moto: &Moto, app: &axum::Router) -> Vec<(String, String)> {
    let zone = common::zone_for(moto, app, "acme", "acme.example.com").await;
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let (status, p) = call_as(
        app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/dns",
        Some(json!({ "hostedZoneId": zone })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let sets = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    sets.resource_record_sets()
        .iter()
        .filter(|s| s.name() == "bounce.acme.example.com.")
        .map(|s| {
            (
                s.r#type().as_str().to_owned(),
                s.resource_records()[0].value().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_email_identity_is_told_to_set_mail_from_on_its_domain() {
    let moto = Moto::start();
    let dns = Dnsmasq::start(&[]);
    let app = app(&moto, &dns).await;
    users(&app, "globex", &["ops@globex.example.com"]).await;
    create_as(
        &app,
        "globex",
        json!({ "identity": "ops@globex.example.com" }),
    )
    .await;
    let (status, p) = call_as(
        &app,
        "globex",
        Method::PUT,
        "/v1/identities/ops@globex.example.com/mail-from",
        Some(json!({ "mailFromDomain": "bounce.globex.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "mail-from-needs-domain", "{p}");
}

/// Live SPF and DMARC of acme.example.com: the MAIL FROM domain's SPF reaches SES; the
/// domain has none yet; another tenant cannot read them.
async fn policy_of_acme(app: &axum::Router) {
    let path = "/v1/identities/acme.example.com/policy";
    let (status, p) = call_as(app, "acme", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["mailFromSpf"]["includesAmazonses"], true, "{p}");
    assert_eq!(
        p["spf"]["toPublish"], "v=spf1 include:amazonses.com ~all",
        "{p}"
    );
    assert_eq!(
        p["dmarc"]["toPublish"]["name"], "_dmarc.acme.example.com",
        "{p}"
    );
    let (status, _) = call_as(app, "globex", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_mail_from_domain_another_tenant_owns_is_taken() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let moto = Moto::start();
    let dns = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": dns.addr.to_string() })));
    let app = app(&moto, &dns).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    // A name under acme's domain that another tenant holds (as one made before names
    // under a domain were refused would be).
    aws_sdk_dynamodb::Client::new(&moto.sdk().await)
        .put_item()
        .table_name("sendready-tenants")
        .item(
            "pk",
            AttributeValue::S("IDENTITY#bounce.acme.example.com".into()),
        )
        .item("sk", AttributeValue::S("OWNER".into()))
        .item("tenant", AttributeValue::S("beta".into()))
        .item(
            "identity",
            AttributeValue::S("bounce.acme.example.com".into()),
        )
        .item("state", AttributeValue::S("confirmed".into()))
        .send()
        .await
        .unwrap();
    for domain in ["bounce.acme.example.com", "x.bounce.acme.example.com"] {
        let (status, p) = call_as(
            &app,
            "acme",
            Method::PUT,
            PATH,
            Some(json!({ "mailFromDomain": domain })),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{domain}: {p}");
        assert_eq!(p["code"], "identity-taken", "{domain}: {p}");
    }
}

#[tokio::test]
async fn a_mail_from_domain_outside_the_published_names_is_shown_not_published() {
    let moto = Moto::start();
    let dns = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": dns.addr.to_string() })));
    let app = app(&moto, &dns).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    let (status, p) = call_as(
        &app,
        "acme",
        Method::PUT,
        PATH,
        Some(json!({ "mailFromDomain": "rp.acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let zone = common::zone_for(&moto, &app, "acme", "acme.example.com").await;
    let (status, p) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities/acme.example.com/dns",
        Some(json!({ "hostedZoneId": zone })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let skipped: Vec<&Value> = p["skipped"].as_array().unwrap().iter().collect();
    assert_eq!(skipped.len(), 2, "the MX and the SPF TXT: {p}");
    for s in skipped {
        assert_eq!(s["record"]["name"], "rp.acme.example.com", "{p}");
        assert!(
            s["reason"]
                .as_str()
                .unwrap()
                .contains("bounce.acme.example.com"),
            "{p}"
        );
    }
    assert_eq!(p["created"], 3, "the DKIM CNAMEs: {p}");
}
