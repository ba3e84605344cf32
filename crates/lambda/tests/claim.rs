//! Claiming a domain by DNS proof (issue 23.6): a tenant whose user owns a domain another
//! tenant holds unverified gets a TXT record to publish, and once live DNS has it the name
//! moves to it (the old holder's SES identity and reservation gone); a verified name is
//! never moved by a claim. Against moto with the local SES and dnsmasq.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Dnsmasq, Moto, call_as, create_as, users};
use serde_json::json;

#[tokio::test]
async fn a_claim_moves_an_unverified_name_by_dns_proof_and_never_a_verified_one() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let app = common::app_with_dns(&moto, &empty).await;
    // One person at BigCorp signed up somewhere else first and reserved the domain.
    users(&app, "squatter", &["someone@bigcorp.example.com"]).await;
    users(&app, "bigcorp", &["it@bigcorp.example.com"]).await;
    create_as(
        &app,
        "squatter",
        json!({ "identity": "bigcorp.example.com" }),
    )
    .await;
    let (status, p) = call_as(
        &app,
        "bigcorp",
        Method::POST,
        "/v1/identities",
        Some(json!({ "identity": "bigcorp.example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-taken", "{p}");

    // The claim: a record to publish, the same on asking again.
    let claim = |app: axum::Router, tenant: &'static str| async move {
        call_as(
            &app,
            tenant,
            Method::POST,
            "/v1/identities/bigcorp.example.com/claim",
            None,
        )
        .await
    };
    let (status, first) = claim(app.clone(), "bigcorp").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["status"], "publish");
    assert_eq!(
        first["record"]["name"],
        "_sendready-claim.bigcorp.example.com"
    );
    assert_eq!(first["record"]["type"], "TXT");
    let value = first["record"]["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("sendready-claim="), "{first}");
    let (_, again) = claim(app.clone(), "bigcorp").await;
    assert_eq!(again["record"]["value"], value.as_str());
    // A tenant whose users are not at the domain may not claim it.
    users(&app, "globex", &["ops@globex.example.com"]).await;
    let (status, p) = claim(app.clone(), "globex").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    // The holder itself has nothing to claim: it is its identity already.
    let (status, p) = claim(app.clone(), "squatter").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["code"], "identity-duplicate", "{p}");

    // Published: the name moves.
    let proof = Dnsmasq::start(&[(
        "txt",
        "_sendready-claim.bigcorp.example.com",
        vec![value.clone()],
    )]);
    let live = common::app_with_dns(&moto, &proof).await;
    let (status, done) = claim(live.clone(), "bigcorp").await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["status"], "claimed");
    assert_eq!(done["created"]["identity"], "bigcorp.example.com", "{done}");
    let (status, _) = call_as(
        &live,
        "squatter",
        Method::GET,
        "/v1/identities/bigcorp.example.com",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the old holder has it no more"
    );
    let (status, mine) = call_as(
        &live,
        "bigcorp",
        Method::GET,
        "/v1/identities/bigcorp.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    // The old holder may add another domain: its limit is free again.
    users(
        &live,
        "squatter",
        &["someone@bigcorp.example.com", "me@squat.example.com"],
    )
    .await;
    create_as(
        &live,
        "squatter",
        json!({ "identity": "squat.example.com" }),
    )
    .await;

    // Verified: never moved by a claim, whatever DNS says.
    let records = common::view_cnames(&mine);
    let verified = Dnsmasq::start(
        &records
            .iter()
            .map(|(n, v)| ("cname", n.as_str(), vec![v.clone()]))
            .chain(std::iter::once((
                "txt",
                "_sendready-claim.bigcorp.example.com",
                vec!["sendready-claim=anything".to_owned()],
            )))
            .collect::<Vec<_>>(),
    );
    moto.ses("config", Some(json!({ "dns": verified.addr.to_string() })));
    let app3 = common::app_with_dns(&moto, &verified).await;
    users(&app3, "latecomer", &["cto@bigcorp.example.com"]).await;
    let (status, p) = claim(app3.clone(), "latecomer").await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-claim-verified", "{p}");
    let (status, _) = call_as(
        &app3,
        "bigcorp",
        Method::GET,
        "/v1/identities/bigcorp.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "still bigcorp's");
}
