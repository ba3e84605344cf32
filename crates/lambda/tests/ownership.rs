//! One SES account, many tenants: an identity name has one owner across the deployment.
//! Two tenants whose active users share a domain race for the same identity; a create
//! whose answer was lost or whose function died is adopted or started over; a pending
//! reservation is not acted on by another request. Against moto with the local SES.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{Moto, call_as, create_as, jwt, users};
use sendready_core::identity::IdentityKind;
use sendready_lambda::adapters::dynamodb::DynamoRegistry;
use sendready_lambda::auth::local_jwt;
use sendready_lambda::ports::Registry;
use sendready_lambda::ports::registry::Owned;
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The API over moto; a pending reservation SES never got is stale after `stale`.
async fn app_with(moto: &Moto, stale: Duration) -> axum::Router {
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let aws = Aws::from_sdk(&conf, "sendready-tenants");
    let mut identities = aws.identities(common::unused_resolver(), &[]);
    identities.stale_after = stale;
    let smtp = Arc::new(common::default_smtp());
    router(AppState {
        settings: Arc::new(aws.settings(smtp.clone())),
        messages: Arc::new(aws.messages(smtp.clone())),
        smtp,
        test_mail: Arc::new(aws.test_mail(false)),
        identities: Arc::new(identities),
    })
    .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

async fn app(moto: &Moto) -> axum::Router {
    app_with(moto, Duration::from_secs(30)).await
}

#[tokio::test]
async fn two_tenants_sharing_a_domain_race_and_one_owns_it() {
    let moto = Moto::start();
    let app = app(&moto).await;
    // Both platforms' tenants have users at example.com (a shared provider domain).
    users(&app, "acme", &["ops@example.com"]).await;
    users(&app, "beta", &["billing@example.com"]).await;
    let body = json!({ "identity": "example.com" });
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (app, body) = (app.clone(), body.clone());
        let tenant = if i % 2 == 0 { "acme" } else { "beta" };
        tasks.push(tokio::spawn(async move {
            let (s, v) = call_as(&app, tenant, Method::POST, "/v1/identities", Some(body)).await;
            (tenant, s, v)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (tenant, status, v) = t.await.unwrap();
        match status {
            StatusCode::CREATED => winners.push(tenant),
            StatusCode::CONFLICT => assert!(
                [
                    "identity-taken",
                    "identity-duplicate",
                    "identity-domain-limit",
                    "identity-pending"
                ]
                .contains(&v["code"].as_str().unwrap()),
                "{v}"
            ),
            other => panic!("{tenant}: {other} {v}"),
        }
    }
    // One tenant owns it; its own concurrent duplicates may all succeed (they are the one
    // identity, adopted), the other tenant's never.
    assert!(
        !winners.is_empty() && winners.iter().all(|w| *w == winners[0]),
        "one tenant wins: {winners:?}"
    );
    let (owner, other) = if winners[0] == "acme" {
        ("acme", "beta")
    } else {
        ("beta", "acme")
    };

    // The other tenant never sees or changes it, on any route.
    let id = "/v1/identities/example.com";
    for (method, path, body) in [
        (Method::GET, id.to_owned(), None),
        (Method::DELETE, id.to_owned(), None),
        (Method::POST, format!("{id}/verify"), None),
        (
            Method::POST,
            format!("{id}/dns"),
            Some(json!({ "hostedZoneId": "Z1" })),
        ),
        (
            Method::POST,
            format!("{id}/test-email"),
            Some(json!({ "from": "a@example.com", "scenario": "success" })),
        ),
    ] {
        let (status, p) = call_as(&app, other, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {p}");
    }
    let (status, p) = call_as(&app, other, Method::POST, "/v1/identities", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-taken");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("another account on this platform")
    );
    let (status, view) = call_as(&app, owner, Method::GET, id, None).await;
    assert_eq!(status, StatusCode::OK, "{view}");

    // Once the owner deletes it, the name is free for the other tenant.
    let (status, _) = call_as(&app, owner, Method::DELETE, id, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, v) = call_as(
        &app,
        other,
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

fn reservation(identity: &str, kind: IdentityKind) -> Owned {
    Owned::reservation(identity, kind)
}

#[tokio::test]
async fn an_unfinished_create_is_adopted_or_started_over() {
    let moto = Moto::start();
    // Reservations left by "dead functions" below count as stale at once.
    let app = app_with(&moto, Duration::ZERO).await;
    users(
        &app,
        "acme",
        &["ops@acme.example.com", "ops@acme-mail.example.org"],
    )
    .await;
    let conf = moto.sdk().await;
    let registry = DynamoRegistry::from_conf(&conf, "sendready-tenants");

    // The function died after SES created the identity (its answer was lost): the
    // reservation is pending and SES has the identity under acme's tag.
    registry
        .reserve(
            "acme",
            &reservation("acme.example.com", IdentityKind::Domain),
        )
        .await
        .unwrap();
    let ses = aws_sdk_sesv2::Client::new(&conf);
    ses.create_email_identity()
        .email_identity("acme.example.com")
        .tags(
            aws_sdk_sesv2::types::Tag::builder()
                .key("sendready:tenant")
                .value("acme")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let path = "/v1/identities/acme.example.com";
    let (status, p) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a pending reservation is not read: {p}"
    );
    assert_eq!(p["code"], "identity-pending");
    let body = json!({ "identity": "acme.example.com" });
    let (status, view) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "adopted: {view}");
    assert_eq!(view["dkim"]["tokens"].as_array().unwrap().len(), 3);
    let (status, _) = call_as(&app, "acme", Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK);

    // The function died before SES was called: nothing in SES; the create starts over.
    registry
        .reserve(
            "acme",
            &reservation("billing@acme-mail.example.org", IdentityKind::Email),
        )
        .await
        .unwrap();
    create_as(
        &app,
        "acme",
        json!({ "identity": "billing@acme-mail.example.org" }),
    )
    .await;

    // A pending reservation SES never got can be deleted: only the registry held it.
    registry
        .reserve(
            "acme",
            &reservation("ceo@acme-mail.example.org", IdentityKind::Email),
        )
        .await
        .unwrap();
    let (status, p) = call_as(
        &app,
        "acme",
        Method::DELETE,
        "/v1/identities/ceo@acme-mail.example.org",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{p}");
    let rec = registry.get("acme").await.unwrap();
    assert!(rec.find("ceo@acme-mail.example.org").is_none());
    assert_eq!(rec.identities.len(), 2);
}

#[tokio::test]
async fn an_identity_ses_holds_for_another_tenant_is_never_adopted() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // Made outside Sendready (or by another platform tenant), tagged for someone else.
    let ses = aws_sdk_sesv2::Client::new(&moto.sdk().await);
    ses.create_email_identity()
        .email_identity("acme.example.com")
        .tags(
            aws_sdk_sesv2::types::Tag::builder()
                .key("sendready:tenant")
                .value("globex")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (status, p) = call_as(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "acme.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-taken");
    // The reservation was given back: the limit is not used up by a phantom.
    let registry = DynamoRegistry::from_conf(&moto.sdk().await, "sendready-tenants");
    assert!(registry.get("acme").await.unwrap().identities.is_empty());
    // And SES still has the other owner's identity.
    let got = ses
        .get_email_identity()
        .email_identity("acme.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tags()[0].value(), "globex");
}

#[tokio::test]
async fn the_other_tenant_racing_a_delete_never_acts_on_the_owners_identity() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@example.com"]).await;
    users(&app, "beta", &["billing@example.com"]).await;
    let body = json!({ "identity": "example.com" });
    create_as(&app, "acme", body.clone()).await;

    let id = "/v1/identities/example.com";
    let mut tasks = Vec::new();
    let spawn =
        |tenant: &'static str, method: Method, path: String, body: Option<serde_json::Value>| {
            let app = app.clone();
            tokio::spawn(async move {
                let (s, v) = call_as(&app, tenant, method.clone(), &path, body).await;
                (tenant, method, path, s, v)
            })
        };
    tasks.push(spawn("acme", Method::DELETE, id.to_owned(), None));
    for _ in 0..3 {
        tasks.push(spawn("beta", Method::GET, id.to_owned(), None));
        tasks.push(spawn("beta", Method::DELETE, id.to_owned(), None));
        tasks.push(spawn(
            "beta",
            Method::POST,
            format!("{id}/test-email"),
            Some(json!({ "from": "a@example.com", "scenario": "success" })),
        ));
        tasks.push(spawn(
            "beta",
            Method::POST,
            "/v1/identities".to_owned(),
            Some(body.clone()),
        ));
    }
    let mut beta_created = false;
    for t in tasks {
        let (tenant, method, path, status, v) = t.await.unwrap();
        if tenant == "acme" {
            assert_eq!(status, StatusCode::NO_CONTENT, "acme's delete: {v}");
            continue;
        }
        if method == Method::POST && path == "/v1/identities" && status == StatusCode::CREATED {
            // Only once acme's delete has freed the name.
            beta_created = true;
            continue;
        }
        // Otherwise beta only ever sees "not yours" or "taken" (or "pending" for its own
        // create still under way), never acme's identity.
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::CONFLICT].contains(&status),
            "beta {method} {path}: {status} {v}"
        );
    }
    // Consistent at the end: the registry's owner is the SES tag's tenant, or nobody has it.
    let conf = moto.sdk().await;
    let registry = DynamoRegistry::from_conf(&conf, "sendready-tenants");
    let acme_has = registry
        .get("acme")
        .await
        .unwrap()
        .find("example.com")
        .is_some();
    let beta_has = registry
        .get("beta")
        .await
        .unwrap()
        .find("example.com")
        .is_some();
    assert!(!acme_has, "acme deleted it");
    assert_eq!(beta_has, beta_created);
    let ses = aws_sdk_sesv2::Client::new(&conf);
    let in_ses = ses
        .get_email_identity()
        .email_identity("example.com")
        .send()
        .await;
    match in_ses {
        Ok(i) => {
            assert!(beta_has, "SES has it, so beta must own it");
            assert_eq!(i.tags()[0].value(), "beta");
        }
        Err(_) => assert!(!beta_has, "beta owns a name SES does not have"),
    }
}

/// One POST /v1/identities: status and body.
async fn create(
    app: &axum::Router,
    tenant: &str,
    identity: &str,
) -> (StatusCode, serde_json::Value) {
    call_as(
        app,
        tenant,
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": identity })),
    )
    .await
}

#[tokio::test]
async fn nothing_under_another_tenants_domain_can_be_added() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // beta's users sit at acme's domain and below it.
    users(
        &app,
        "beta",
        &["spy@acme.example.com", "news@news.acme.example.com"],
    )
    .await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    for identity in [
        "spy@acme.example.com",
        "news@news.acme.example.com",
        "news.acme.example.com",
    ] {
        let (status, p) = create(&app, "beta", identity).await;
        assert_eq!(status, StatusCode::CONFLICT, "{identity}: {p}");
        assert_eq!(p["code"], "identity-taken", "{identity}: {p}");
    }
    // Nothing of beta's was left behind: its counters and names are as before.
    let (status, list) = call_as(&app, "beta", Method::GET, "/v1/identities", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().map_or(0, Vec::len), 0, "{list}");
    // acme's own email identity under its domain is Zuora's overlap, not "taken" (the
    // core's rule answers first, 400; the reservation's check, racing, 409).
    let (status, p) = create(&app, "acme", "ops@acme.example.com").await;
    assert!(status.is_client_error(), "{p}");
    assert_eq!(p["code"], "identity-overlap", "{p}");
}

#[tokio::test]
async fn a_domain_with_another_tenants_names_under_it_cannot_be_taken_until_they_go() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    users(&app, "beta", &["spy@acme.example.com"]).await;
    create_as(&app, "beta", json!({ "identity": "spy@acme.example.com" })).await;
    let (status, p) = create(&app, "acme", "acme.example.com").await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-taken", "{p}");
    // The refused reservation was undone: acme has no identity, and no name is held.
    let (_, list) = call_as(&app, "acme", Method::GET, "/v1/identities", None).await;
    assert_eq!(list.as_array().map_or(0, Vec::len), 0, "{list}");
    // Once beta's identity is gone, acme may add its domain.
    let (status, _) = call_as(
        &app,
        "beta",
        Method::DELETE,
        "/v1/identities/spy@acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, v) = create(&app, "acme", "acme.example.com").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn a_domain_and_an_email_identity_of_one_tenant_racing_never_both_land() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // The core's overlap rule runs before the reservation; racing, both pass it, and the
    // reservation's own checks decide.
    for round in 0..3 {
        let email = format!("ops{round}@acme.example.com");
        let (a, b) = tokio::join!(
            create(&app, "acme", "acme.example.com"),
            create(&app, "acme", &email)
        );
        let landed = [a.0, b.0]
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert!(landed <= 1, "round {round}: {a:?} {b:?}");
        // The one that lost is Zuora's overlap: from the core's rule (400) when the other
        // had landed first, from the reservation's own check (409) when they raced.
        for (status, v) in [&a, &b] {
            if *status != StatusCode::CREATED {
                assert!(
                    [StatusCode::BAD_REQUEST, StatusCode::CONFLICT].contains(status),
                    "{v}"
                );
                assert_eq!(v["code"], "identity-overlap", "{v}");
            }
        }
        // Clean up whatever landed.
        for id in ["acme.example.com", email.as_str()] {
            let _ = call_as(
                &app,
                "acme",
                Method::DELETE,
                &format!("/v1/identities/{id}"),
                None,
            )
            .await;
        }
    }
}

#[tokio::test]
async fn the_registry_read_is_bounded_by_its_key_range_whatever_else_the_tenant_holds() {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    use sendready_lambda::ports::Limiter;
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "ops@acme.example.com" })).await;
    // 1.2 MB of what used to share the tenant's partition (limit counters sort between
    // the identities and META): past one Query page, META would have fallen off.
    let conf = moto.sdk().await;
    let db = aws_sdk_dynamodb::Client::new(&conf);
    let pad = "x".repeat(2048);
    for batch in 0..24 {
        let writes = (0..25).map(|i| {
            let item = std::collections::HashMap::from([
                ("pk".to_owned(), AttributeValue::S("TENANT#acme".into())),
                (
                    "sk".to_owned(),
                    AttributeValue::S(format!("LIMIT#old#{batch}#{i}")),
                ),
                ("pad".to_owned(), AttributeValue::S(pad.clone())),
            ]);
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                .build()
        });
        db.batch_write_item()
            .request_items("sendready-tenants", writes.collect())
            .send()
            .await
            .unwrap();
    }
    let registry = DynamoRegistry::from_conf(&conf, "sendready-tenants");
    let rec = registry.get("acme").await.unwrap();
    assert!(rec.exists);
    assert_eq!(rec.active_user_emails, ["ops@acme.example.com"]);
    assert_eq!(rec.identities.len(), 1, "{:?}", rec.identities);
    // Counters now live in their own item collection.
    let limit = sendready_lambda::ports::Limits::default().smtp_checks;
    registry.take("acme", "", &limit).await.unwrap();
    let counters = db
        .query()
        .table_name("sendready-tenants")
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("LIMITS#acme".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(counters.count(), 1);
}
