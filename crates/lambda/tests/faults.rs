//! Faults injected into the local stack (`tests/fault_switch.py`, and the local SES's own
//! switch): a throttling or failing DynamoDB, Route 53 or SES is a 503 with `Retry-After`
//! once the SDK's three attempts are spent, fewer faults than that are absorbed by its
//! retries, and a request that fails half way says what it left and how it is finished.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{Moto, call_as, create_as, jwt, users};
use sendready_lambda::auth::local_jwt;
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::{Value, json};

async fn app(moto: &Moto) -> axum::Router {
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let aws = Aws::from_sdk(&conf, "sendready-tenants");
    router(AppState::new(
        &aws,
        common::default_smtp(),
        common::unused_resolver(),
        &[],
    ))
    .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

/// One request as `tenant`: status, the `Retry-After` header and the body.
async fn send(
    app: &axum::Router,
    tenant: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let token = jwt().mint("ops", tenant, &[], 300);
    let r = common::request(app, Some(&token), method, path, &[], body).await;
    let retry = r.header("retry-after");
    (r.status, retry, r.body)
}

/// The identities the local SES holds.
fn ses_identities(moto: &Moto) -> Vec<String> {
    let state = moto.ses("state", None);
    state
        .as_object()
        .unwrap()
        .values()
        .flat_map(|r| r["identities"].as_object().unwrap().keys().cloned())
        .collect()
}

fn assert_unavailable(status: StatusCode, retry: Option<&str>, p: &Value) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(p["code"], "aws-unavailable", "{p}");
    assert_eq!(
        p["type"].as_str().map(|t| t.contains("aws-unavailable")),
        Some(true),
        "{p}"
    );
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(secs > 0);
    assert_eq!(p["retryAfter"].as_u64(), Some(secs), "{p}");
}

#[tokio::test]
async fn a_throttled_registry_reservation_is_a_503_and_ses_is_never_asked() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    moto.fault(
        "dynamodb",
        "TransactWriteItems",
        "ThrottlingException",
        3,
        0,
    );
    let body = json!({ "identity": "acme.example.com" });
    let (status, retry, p) = send(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(body.clone()),
    )
    .await;
    assert_unavailable(status, retry.as_deref(), &p);
    assert!(
        ses_identities(&moto).is_empty(),
        "nothing was created in SES"
    );
    // The switch is used up: the same request now succeeds.
    create_as(&app, "acme", body).await;
    assert_eq!(ses_identities(&moto), ["acme.example.com"]);
}

#[tokio::test]
async fn fewer_faults_than_the_sdks_attempts_are_absorbed_by_its_retries() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    moto.fault(
        "dynamodb",
        "Query",
        "ProvisionedThroughputExceededException",
        2,
        0,
    );
    let (status, list) = call_as(&app, "acme", Method::GET, "/v1/identities", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    moto.fault("dynamodb", "Query", "InternalServerError", 3, 0);
    let (status, retry, p) = send(&app, "acme", Method::GET, "/v1/identities", None).await;
    assert_unavailable(status, retry.as_deref(), &p);
}

#[tokio::test]
async fn ses_created_but_not_recorded_is_reported_and_the_same_create_finishes_it() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // The reservation (first transaction) goes through; the confirmation fails.
    moto.fault(
        "dynamodb",
        "TransactWriteItems",
        "ThrottlingException",
        3,
        1,
    );
    let body = json!({ "identity": "acme.example.com" });
    let (status, retry, p) = send(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(body.clone()),
    )
    .await;
    assert_unavailable(status, retry.as_deref(), &p);
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("SES created the identity"), "{detail}");
    assert!(detail.contains("send the same create again"), "{detail}");
    assert_eq!(ses_identities(&moto), ["acme.example.com"]);
    // As the answer says: the same create finishes it, with the identity SES has.
    let view = create_as(&app, "acme", body).await;
    assert_eq!(view["identity"], "acme.example.com");
    let (status, list) = call_as(&app, "acme", Method::GET, "/v1/identities", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn a_reservation_that_cannot_be_released_after_ses_fails_is_reported() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    moto.ses(
        "faults",
        Some(json!({ "operation": "CreateEmailIdentity", "error": "TooManyRequestsException", "count": 3 })),
    );
    // The reservation goes through; its release fails.
    moto.fault(
        "dynamodb",
        "TransactWriteItems",
        "ThrottlingException",
        3,
        1,
    );
    let body = json!({ "identity": "acme.example.com" });
    let (status, retry, p) = send(
        &app,
        "acme",
        Method::POST,
        "/v1/identities",
        Some(body.clone()),
    )
    .await;
    assert_unavailable(status, retry.as_deref(), &p);
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("could not be released"), "{detail}");
    assert!(ses_identities(&moto).is_empty());
    // The phantom does not hold the name: the same create, later, takes it over once it
    // is stale; at once it is reported as a create still under way.
    let (status, p) = call_as(&app, "acme", Method::POST, "/v1/identities", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert_eq!(p["code"], "identity-pending");
}

#[tokio::test]
async fn a_throttled_route53_change_is_a_503_and_the_zone_is_left_as_it_was() {
    let moto = Moto::start();
    let app = app(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    let zone = common::zone_for(&moto, &app, "acme", "acme.example.com").await;
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let record_sets = || async {
        r53.list_resource_record_sets()
            .hosted_zone_id(&zone)
            .send()
            .await
            .unwrap()
            .resource_record_sets()
            .len()
    };
    let before = record_sets().await;
    moto.fault("route53", "ChangeResourceRecordSets", "Throttling", 3, 0);
    let path = "/v1/identities/acme.example.com/dns";
    let body = json!({ "hostedZoneId": zone });
    let (status, retry, p) = send(&app, "acme", Method::POST, path, Some(body.clone())).await;
    assert_unavailable(status, retry.as_deref(), &p);
    assert_eq!(
        record_sets().await,
        before,
        "a refused change batch changes nothing"
    );
    let (status, _, p) = send(&app, "acme", Method::POST, path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(record_sets().await, before + 3, "the three DKIM CNAMEs");
}
