//! The Lambda hosting path: API Gateway HTTP API (v2) events, as the runtime hands them
//! to the router, with the JWT authorizer's claims becoming the caller.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use sendready_lambda::routes::{identity_routes, smtp_check_routes};
use sendready_lambda::{AppState, runtime};
use serde_json::{Value, json};
use tower::ServiceExt;

fn event(path: &str, body: &Value, claims: Option<Value>) -> String {
    let mut ctx = json!({
        "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
        "domainPrefix": "api", "requestId": "req-1", "routeKey": format!("POST {path}"),
        "stage": "$default", "time": "24/Nov/2026:07:00:00 +0000", "timeEpoch": 1_795_000_000_000_u64,
        "http": { "method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test" }
    });
    if let Some(c) = claims {
        ctx["authorizer"] = json!({ "jwt": { "claims": c, "scopes": null } });
    }
    json!({
        "version": "2.0", "routeKey": format!("POST {path}"), "rawPath": path, "rawQueryString": "",
        "headers": { "content-type": "application/json", "host": "api.example.com" },
        "requestContext": ctx, "body": body.to_string(), "isBase64Encoded": false
    })
    .to_string()
}

async fn invoke(routes: axum::Router<AppState>, ev: &str) -> (StatusCode, Value) {
    let state = AppState::new(
        &common::offline_aws(),
        common::default_smtp(),
        common::unused_resolver(),
        &[],
    );
    let app = runtime::app(routes, state, "custom:tenant");
    let req = lambda_http::request::from_str(ev).unwrap();
    let req = req.map(|b| Body::from(b.to_vec()));
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_authorizers_tenant_claim_becomes_the_caller() {
    // Past the authorizer: the core's check runs (a 400 for these settings), so the
    // caller was read from the claim named by the deployment (`custom:tenant`).
    let body = json!({ "host": "smtps://smtp.example.com", "port": 465, "security": "tls" });
    let ev = event(
        "/v1/smtp/check",
        &body,
        Some(json!({ "sub": "u1", "custom:tenant": "acme", "scope": "openid" })),
    );
    let (status, p) = invoke(smtp_check_routes(), &ev).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["issues"][0]["field"], "host");
}

#[tokio::test]
async fn no_claims_or_no_tenant_claim_is_401() {
    let body = json!({});
    for claims in [None, Some(json!({ "sub": "u1", "tenant": "acme" }))] {
        let ev = event("/v1/smtp/check", &body, claims.clone());
        let (status, p) = invoke(smtp_check_routes(), &ev).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{claims:?}: {p}");
        assert_eq!(p["code"], "auth-missing");
    }
}

#[tokio::test]
async fn a_function_serves_only_its_own_routes() {
    let ev = event(
        "/v1/identities",
        &json!({ "identity": "example.com" }),
        Some(json!({ "custom:tenant": "acme" })),
    );
    let (status, _) = invoke(smtp_check_routes(), &ev).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the SMTP-check function has no identity routes"
    );
    let ev = event(
        "/v1/smtp/check",
        &json!({}),
        Some(json!({ "custom:tenant": "acme" })),
    );
    let (status, _) = invoke(identity_routes(), &ev).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the identities function has no SMTP routes"
    );
}
