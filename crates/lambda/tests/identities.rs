//! Identities end to end against moto server (SES v2, DynamoDB) through the router:
//! the tenant's users, BYODKIM domain and email identities, the records to publish,
//! tenant isolation, the limits under fifty concurrent creates, and delete.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{Moto, jwt};
use sendready_lambda::auth::{ADMIN_SCOPE, local_jwt};
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::{Value, json};

async fn app(moto: &Moto) -> axum::Router {
    app_with_zones(moto, Vec::new()).await
}

/// The API over moto, allowed to publish to these hosted zones (all when empty).
async fn app_with_zones(moto: &Moto, hosted_zones: Vec<String>) -> axum::Router {
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let aws = Aws::from_sdk(&conf, "sendready-tenants");
    router(AppState::new(
        &aws,
        common::default_smtp(),
        common::unused_resolver(),
        &hosted_zones,
    ))
    .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

async fn call(
    app: &axum::Router,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, _, v) = common::call(app, Some(token), method, path, body).await;
    (status, v)
}

/// Posts every body to `/v1/identities` at once and collects the answers.
async fn create_concurrently(
    app: &axum::Router,
    token: &str,
    bodies: Vec<Value>,
) -> Vec<(StatusCode, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for body in bodies {
        let (app, token) = (app.clone(), token.to_owned());
        set.spawn(
            async move { call(&app, &token, Method::POST, "/v1/identities", Some(body)).await },
        );
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

/// Creates an identity, which must succeed (201), and returns its view.
async fn create(app: &axum::Router, token: &str, body: Value) -> Value {
    let (status, v) = call(app, token, Method::POST, "/v1/identities", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

fn admin() -> String {
    jwt().mint("platform", "platform", &[ADMIN_SCOPE], 300)
}

fn tenant(t: &str) -> String {
    jwt().mint("ops", t, &[], 300)
}

async fn set_users(app: &axum::Router, t: &str, emails: &[&str]) {
    let (status, body) = call(
        app,
        &admin(),
        Method::PUT,
        &format!("/v1/tenants/{t}/users"),
        Some(json!({ "activeUserEmails": emails })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn byodkim_domain_and_email_identities_round_trip() {
    let moto = Moto::start();
    let app = app(&moto).await;
    set_users(
        &app,
        "acme",
        &["ops@acme.example.com", "ceo@acme-mail.example.org"],
    )
    .await;
    let acme = tenant("acme");

    let v = create(
        &app,
        &acme,
        json!({ "identity": "Acme.Example.com", "dkim": "byodkim", "selector": "s2026" }),
    )
    .await;
    assert_eq!(v["identity"], "acme.example.com");
    assert_eq!(v["kind"], "domain");
    let txt = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["purpose"] == "byodkim")
        .unwrap();
    // The selector carries the deployment's prefix: s2026 becomes sendready-s2026.
    assert_eq!(txt["name"], "sendready-s2026._domainkey.acme.example.com");
    assert_eq!(txt["type"], "TXT");
    assert!(
        txt["value"]
            .as_str()
            .unwrap()
            .starts_with("v=DKIM1; k=rsa; p=MII"),
        "{txt}"
    );
    assert!(
        txt["strings"].as_array().unwrap().len() >= 2,
        "a 2048-bit key splits into 255-octet strings"
    );
    assert_eq!(txt["zoneEntry"]["hostField"], "sendready-s2026._domainkey");
    let dmarc = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["purpose"] == "dmarc")
        .unwrap();
    assert_eq!(dmarc["required"], false);
    assert!(
        v["verification"]["code"]
            .as_str()
            .unwrap()
            .starts_with("verification-")
    );

    let v = create(
        &app,
        &acme,
        json!({ "identity": "billing@acme-mail.example.org" }),
    )
    .await;
    assert_eq!(v["kind"], "email");
    assert!(v["records"].as_array().unwrap().is_empty());

    let (status, list) = call(&app, &acme, Method::GET, "/v1/identities", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identity"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{list}");

    // A second domain identity breaks the one-domain rule before SES is called.
    let (status, p) = call(
        &app,
        &acme,
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "acme-mail.example.org", "kind": "domain" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "identity-domain-limit", "{p}");

    // A domain no active user has is refused.
    let (status, p) = call(
        &app,
        &acme,
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "someone@elsewhere.example.net" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "identity-not-active-domain", "{p}");

    let (status, _) = call(
        &app,
        &acme,
        Method::DELETE,
        "/v1/identities/billing@acme-mail.example.org",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, p) = call(
        &app,
        &acme,
        Method::GET,
        "/v1/identities/billing@acme-mail.example.org",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
    assert_eq!(p["code"], "identity-not-found");
}

#[tokio::test]
async fn another_tenants_identity_is_not_found_on_every_route() {
    let moto = Moto::start();
    let app = app(&moto).await;
    set_users(&app, "acme", &["ops@acme.example.com"]).await;
    set_users(&app, "beta", &["ops@beta.example.com"]).await;
    create(
        &app,
        &tenant("acme"),
        json!({ "identity": "acme.example.com" }),
    )
    .await;

    let beta = tenant("beta");
    for (method, path, body) in [
        (Method::GET, "/v1/identities/acme.example.com", None),
        (Method::DELETE, "/v1/identities/acme.example.com", None),
        (Method::POST, "/v1/identities/acme.example.com/verify", None),
        (
            Method::POST,
            "/v1/identities/acme.example.com/dns",
            Some(json!({ "hostedZoneId": "Z1" })),
        ),
        (
            Method::POST,
            "/v1/identities/acme.example.com/test-email",
            Some(json!({ "from": "a@acme.example.com", "scenario": "success" })),
        ),
    ] {
        let (status, p) = call(&app, &beta, method.clone(), path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {p}");
        assert!(
            !p.to_string().contains("acme"),
            "the 404 says nothing of the owner: {p}"
        );
    }
    let (status, list) = call(&app, &beta, Method::GET, "/v1/identities", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
    // beta cannot create acme's domain either: it is not an active-user domain of beta.
    let (status, _) = call(
        &app,
        &beta,
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // And acme still has it.
    let (status, _) = call(
        &app,
        &tenant("acme"),
        Method::GET,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn setting_users_needs_the_admin_scope() {
    let moto = Moto::start();
    let app = app(&moto).await;
    let (status, p) = call(
        &app,
        &tenant("acme"),
        Method::PUT,
        "/v1/tenants/acme/users",
        Some(json!({ "activeUserEmails": ["a@acme.example.com"] })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p["code"], "auth-forbidden");
    let (status, p) = call(
        &app,
        &admin(),
        Method::PUT,
        "/v1/tenants/acme/users",
        Some(json!({ "activeUserEmails": ["not an address"] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["issues"][0]["field"], "activeUserEmails[0]", "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_never_exceed_the_limits() {
    let moto = Moto::start();
    let app = app(&moto).await;
    let domains: Vec<String> = (0..50).map(|i| format!("d{i}.example.com")).collect();
    let users: Vec<String> = domains.iter().map(|d| format!("ops@{d}")).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    set_users(&app, "acme", &users).await;
    let token = tenant("acme");

    let bodies = domains
        .iter()
        .map(|d| json!({ "identity": d, "kind": "domain" }))
        .collect();
    let mut created = 0;
    for (status, body) in create_concurrently(&app, &token, bodies).await {
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT | StatusCode::BAD_REQUEST => {
                assert_eq!(body["code"], "identity-domain-limit", "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1, "exactly one domain identity");

    let bodies = domains
        .iter()
        .enumerate()
        .map(|(i, d)| json!({ "identity": format!("sender{i}@{d}") }))
        .collect();
    let mut created = 0;
    for (status, body) in create_concurrently(&app, &token, bodies).await {
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT | StatusCode::BAD_REQUEST => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let (_, list) = call(&app, &token, Method::GET, "/v1/identities", None).await;
    let emails = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "email")
        .count();
    assert_eq!(emails, 3, "at most three email identities: {list}");
    assert!(created <= 3, "{created} email creates succeeded");
}

/// The platform assigns hosted zones to a tenant.
async fn set_zones(app: &axum::Router, t: &str, zones: &[&str]) {
    let (status, body) = call(
        app,
        &admin(),
        Method::PUT,
        &format!("/v1/tenants/{t}/zones"),
        Some(json!({ "hostedZoneIds": zones })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn hosted_zone(moto: &Moto, name: &str) -> String {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let out = r53
        .create_hosted_zone()
        .name(name)
        .caller_reference(format!("test-{name}"))
        .send()
        .await
        .unwrap();
    out.hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_owned()
}

#[tokio::test]
async fn records_publish_to_the_identitys_own_zone_idempotently() {
    let moto = Moto::start();
    let app = app(&moto).await;
    set_users(
        &app,
        "acme",
        &["ops@mail.acme.example.com", "ops@acme-mail.example.org"],
    )
    .await;
    let acme = tenant("acme");
    create(
        &app,
        &acme,
        json!({ "identity": "mail.acme.example.com", "dkim": "byodkim", "selector": "s1" }),
    )
    .await;
    let zone = hosted_zone(&moto, "acme.example.com").await;
    let other = hosted_zone(&moto, "example.net").await;
    set_zones(&app, "acme", &[&zone, &other]).await;

    let path = "/v1/identities/mail.acme.example.com/dns";
    for _ in 0..2 {
        let (status, out) = call(
            &app,
            &acme,
            Method::POST,
            path,
            Some(json!({ "hostedZoneId": zone, "includeSuggestions": true })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["zone"], "acme.example.com");
        let entries: Vec<&str> = out["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["zoneEntry"]["hostField"].as_str().unwrap())
            .collect();
        // The selector carries the deployment's prefix: s1 becomes sendready-s1.
        assert!(
            entries.contains(&"sendready-s1._domainkey.mail"),
            "{entries:?}"
        );
        assert!(entries.contains(&"_dmarc.mail"), "{entries:?}");
    }
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let sets = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    let txt: Vec<_> = sets
        .resource_record_sets()
        .iter()
        .filter(|s| s.name() == "sendready-s1._domainkey.mail.acme.example.com.")
        .collect();
    assert_eq!(txt.len(), 1, "one record set after two UPSERTs");
    let value = txt[0].resource_records()[0].value();
    assert!(
        value.starts_with("\"v=DKIM1; k=rsa; p=MII") && value.contains("\" \""),
        "split and quoted: {value}"
    );
    assert!(
        sets.resource_record_sets()
            .iter()
            .any(|s| s.name() == "_dmarc.mail.acme.example.com.")
    );

    let (status, p) = call(
        &app,
        &acme,
        Method::POST,
        path,
        Some(json!({ "hostedZoneId": other })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "zone-outside");
    let (status, p) = call(
        &app,
        &acme,
        Method::POST,
        path,
        Some(json!({ "hostedZoneId": "ZNOSUCHZONE" })),
    )
    .await;
    // Not a zone the platform assigned to acme: refused before Route 53 is asked.
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(p["code"], "zone-not-allowed");
    // Another tenant cannot publish acme's records.
    let (status, _) = call(
        &app,
        &tenant("beta"),
        Method::POST,
        path,
        Some(json!({ "hostedZoneId": zone })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_test_email_goes_through_ses_and_refusals_are_explained() {
    let moto = Moto::start();
    let app = app(&moto).await;
    set_users(&app, "acme", &["ops@acme.example.com"]).await;
    let acme = tenant("acme");
    create(
        &app,
        &acme,
        json!({ "identity": "billing@acme.example.com" }),
    )
    .await;
    // SES sends from an email identity only once its owner opened the link SES mailed.
    moto.click_verification_link("billing@acme.example.com");
    let path = "/v1/identities/billing@acme.example.com/test-email";

    let (status, out) = call(
        &app,
        &acme,
        Method::POST,
        path,
        Some(json!({ "from": "billing@acme.example.com", "scenario": "success" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(out["to"], "success@simulator.amazonses.com");
    assert_eq!(
        out["sandbox"],
        json!(true),
        "the local SES starts in the sandbox, as a new SES account does"
    );
    let sent = moto.data();
    let messages = sent["ses"]["Message"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m["source"] == "billing@acme.example.com"
                && m.to_string().contains("success@simulator.amazonses.com")),
        "moto's sent messages: {messages:?}"
    );

    // Another address is not covered by an email identity.
    let (status, p) = call(
        &app,
        &acme,
        Method::POST,
        path,
        Some(json!({ "from": "ceo@acme.example.com", "to": "a@example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["code"], "sender-not-authorized");

    // SES refuses a From it does not know: explained, not an error status.
    let ses = aws_sdk_sesv2::Client::new(&moto.sdk().await);
    ses.delete_email_identity()
        .email_identity("billing@acme.example.com")
        .send()
        .await
        .unwrap();
    let (status, out) = call(
        &app,
        &acme,
        Method::POST,
        path,
        Some(json!({ "from": "billing@acme.example.com", "scenario": "bounce" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["ok"], false);
    assert_eq!(
        out["diagnosis"]["code"], "smtp-address-not-verified",
        "{out}"
    );
    assert_eq!(out["diagnosis"]["field"], "from");
    assert!(!out["diagnosis"]["action"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn the_tenant_view_has_users_identities_limits_and_named_zones() {
    let moto = Moto::start();
    let zone = hosted_zone(&moto, "acme.example.com").await;
    let app = app_with_zones(&moto, vec![format!("/hostedzone/{zone}")]).await;
    set_users(&app, "acme", &["ops@acme.example.com"]).await;
    set_zones(&app, "acme", &[&zone]).await;
    let acme = tenant("acme");
    create(
        &app,
        &acme,
        json!({ "identity": "acme.example.com", "dkim": "byodkim" }),
    )
    .await;

    let (status, view) = call(&app, &acme, Method::GET, "/v1/tenant", None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["tenant"], "acme");
    assert_eq!(view["activeUserEmails"], json!(["ops@acme.example.com"]));
    assert_eq!(view["identities"][0]["identity"], "acme.example.com");
    assert_eq!(view["identities"][0]["kind"], "domain");
    assert!(view["identities"][0]["verified"].is_boolean(), "{view}");
    assert_eq!(view["maxDomainIdentities"], 1);
    assert_eq!(view["maxEmailIdentities"], 3);
    assert_eq!(
        view["hostedZones"],
        json!([{ "id": zone, "name": "acme.example.com" }])
    );

    // Another tenant sees only its own (empty) tenant.
    let (status, other) = call(&app, &tenant("globex"), Method::GET, "/v1/tenant", None).await;
    assert_eq!(status, StatusCode::OK, "{other}");
    assert_eq!(other["identities"], json!([]));
    assert_eq!(other["activeUserEmails"], json!([]));
}

/// Puts a TXT record into a moto zone, as another provider or the customer would have.
async fn put_txt(moto: &Moto, zone: &str, name: &str, text: &str) {
    use aws_sdk_route53::types::{
        Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
    };
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let set = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Txt)
        .ttl(300)
        .resource_records(
            ResourceRecord::builder()
                .value(format!("\"{text}\""))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let change = Change::builder()
        .action(ChangeAction::Create)
        .resource_record_set(set)
        .build()
        .unwrap();
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
        .send()
        .await
        .unwrap();
}

/// The TXT values at a name in a moto zone.
async fn txt_at(moto: &Moto, zone: &str, name: &str) -> Vec<String> {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let sets = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .unwrap();
    sets.resource_record_sets()
        .iter()
        .filter(|s| s.name() == format!("{name}."))
        .flat_map(|s| s.resource_records().iter().map(|r| r.value().to_owned()))
        .collect()
}

#[tokio::test]
async fn publishing_never_replaces_a_record_it_did_not_write() {
    let moto = Moto::start();
    let app = app(&moto).await;
    set_users(&app, "acme", &["ops@acme.example.com"]).await;
    let acme = tenant("acme");
    let zone = hosted_zone(&moto, "acme.example.com").await;
    set_zones(&app, "acme", &[&zone]).await;
    put_txt(
        &moto,
        &zone,
        "_dmarc.acme.example.com",
        "v=DMARC1; p=reject",
    )
    .await;
    let google = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAgoogle";
    put_txt(&moto, &zone, "google._domainkey.acme.example.com", google).await;
    // A key left at Sendready's own selector name by an earlier setup, now stale.
    let stale = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAstale";
    put_txt(
        &moto,
        &zone,
        "sendready-s1._domainkey.acme.example.com",
        stale,
    )
    .await;
    let path = "/v1/identities/acme.example.com/dns";
    let body = json!({ "hostedZoneId": zone, "includeSuggestions": true });

    // A record in the way: 409, nothing changed.
    create(
        &app,
        &acme,
        json!({ "identity": "acme.example.com", "dkim": "byodkim", "selector": "s1" }),
    )
    .await;
    let (status, p) = call(&app, &acme, Method::POST, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "dns-record-conflict");
    assert_eq!(p["conflicts"].as_array().unwrap().len(), 1, "{p}");
    let conflict = &p["conflicts"][0];
    assert_eq!(conflict["name"], "sendready-s1._domainkey.acme.example.com");
    assert_eq!(conflict["found"][0], format!("TXT {stale}"));
    assert!(conflict["wanted"].as_str().unwrap().starts_with("v=DKIM1"));
    assert!(!conflict["action"].as_str().unwrap().is_empty());
    assert_eq!(
        txt_at(&moto, &zone, "sendready-s1._domainkey.acme.example.com").await,
        [format!("\"{stale}\"")]
    );
    assert_eq!(
        txt_at(&moto, &zone, "_dmarc.acme.example.com").await,
        ["\"v=DMARC1; p=reject\""]
    );

    // Another provider's selector asked for: the prefix keeps it apart (sendready-google),
    // so its key is created beside google's, untouched; the domain's own DMARC (p=reject)
    // is kept, not replaced by the p=none suggestion.
    let (status, _) = call(
        &app,
        &acme,
        Method::DELETE,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    create(
        &app,
        &acme,
        json!({ "identity": "acme.example.com", "dkim": "byodkim", "selector": "google" }),
    )
    .await;
    let (status, out) = call(&app, &acme, Method::POST, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["created"], 1, "{out}");
    assert_eq!(
        out["records"][0]["name"],
        "sendready-google._domainkey.acme.example.com"
    );
    assert_eq!(
        out["skipped"][0]["record"]["name"],
        "_dmarc.acme.example.com"
    );
    assert!(
        out["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("p=reject"),
        "{out}"
    );
    assert_eq!(
        txt_at(&moto, &zone, "_dmarc.acme.example.com").await,
        ["\"v=DMARC1; p=reject\""]
    );
    assert_eq!(
        txt_at(&moto, &zone, "google._domainkey.acme.example.com").await,
        [format!("\"{google}\"")]
    );

    // A second publish of the same records changes nothing.
    let (status, again) = call(&app, &acme, Method::POST, path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["created"], 0);
    assert_eq!(again["status"], "INSYNC");
    assert_eq!(again["changeId"], "");
    assert_eq!(again["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_tenant_publishes_only_into_the_zones_the_platform_assigned_to_it() {
    let moto = Moto::start();
    let zone = hosted_zone(&moto, "example.com").await;
    let elsewhere = hosted_zone(&moto, "example.org").await;
    // The deployment may change example.com only.
    let app = app_with_zones(&moto, vec![zone.clone()]).await;
    set_users(&app, "acme", &["ops@acme.example.com"]).await;
    set_users(&app, "beta", &["ops@beta.example.com"]).await;

    // Only the platform assigns zones, and only zones the deployment may change.
    let (status, p) = call(
        &app,
        &tenant("beta"),
        Method::PUT,
        "/v1/tenants/beta/zones",
        Some(json!({ "hostedZoneIds": [zone] })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(p["code"], "auth-forbidden");
    let (status, p) = call(
        &app,
        &admin(),
        Method::PUT,
        "/v1/tenants/acme/zones",
        Some(json!({ "hostedZoneIds": [elsewhere] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "zone-not-allowed");
    set_zones(&app, "acme", &[&zone]).await;

    // beta's domain is inside example.com too, but the zone is acme's.
    for t in ["acme", "beta"] {
        create(
            &app,
            &tenant(t),
            json!({ "identity": format!("{t}.example.com"), "dkim": "byodkim" }),
        )
        .await;
    }
    let body = json!({ "hostedZoneId": zone });
    let (status, p) = call(
        &app,
        &tenant("beta"),
        Method::POST,
        "/v1/identities/beta.example.com/dns",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(p["code"], "zone-not-allowed");
    let (status, out) = call(
        &app,
        &tenant("acme"),
        Method::POST,
        "/v1/identities/acme.example.com/dns",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    // Each tenant's view lists its own zones only.
    let (_, view) = call(&app, &tenant("beta"), Method::GET, "/v1/tenant", None).await;
    assert_eq!(view["hostedZones"], json!([]));
    let (_, view) = call(&app, &tenant("acme"), Method::GET, "/v1/tenant", None).await;
    assert_eq!(view["hostedZones"][0]["name"], "example.com");
}
