//! Sends through the send queue (issue 23.4): `Prefer: respond-async` answers 202 with the
//! message's id and status route; the worker, fed from moto's SQS in batches as a Lambda
//! event source mapping feeds it, delivers each message once through the tenant's SMTP
//! server however often SQS hands it over; a tenant whose places are all busy waits
//! without using an attempt; a server that keeps refusing ends `failed` after the
//! attempts; another tenant never sees the message.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Moto, SmtpServer, jwt};
use sendready_lambda::AppState;
use sendready_lambda::adapters::sqs::Sqs;
use sendready_lambda::auth::{ADMIN_SCOPE, SEND_SCOPE, SETTINGS_SCOPE};
use sendready_lambda::service::messages::MAX_ATTEMPTS;
use serde_json::{Value, json};

struct Stack {
    app: axum::Router,
    state: AppState,
    sqs: Sqs,
    url: String,
}

async fn stack(moto: &Moto, server: &SmtpServer) -> Stack {
    let conf = moto.sdk().await;
    let sqs = Sqs::from_conf(&conf);
    // A visibility timeout of 1 s: a message handed back comes again at once.
    let (url, dlq) = sqs.ensure_queue("sendready-sends", 1, 10).await.unwrap();
    let state = common::state_with_smtp_and(moto, server, |aws| {
        aws.queue_urls.send = Some(url.clone());
        aws.queue_urls.send_dlq = Some(dlq.clone());
    })
    .await;
    Stack {
        app: common::app_of(state.clone()),
        state,
        sqs,
        url,
    }
}

async fn call(
    app: &axum::Router,
    tenant: &str,
    scopes: &[&str],
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> common::Reply {
    let token = jwt().mint("notifier", tenant, scopes, 300);
    let body = (!body.is_null()).then_some(body);
    common::request(app, Some(&token), method, path, headers, body).await
}

/// acme sends through its own SMTP server.
async fn on_smtp(app: &axum::Router, server: &SmtpServer) {
    let r = call(
        app,
        "acme",
        &[SETTINGS_SCOPE],
        Method::PUT,
        "/v1/settings?test=true",
        &[("if-match", "\"0\"")],
        json!({
            "delivery": "externalSmtp",
            "smtp": {
                "host": "localhost", "port": server.starttls, "security": "starttls",
                "authentication": "password", "username": common::USER, "password": common::PASSWORD,
                "fromAddress": "billing@acme.example.com", "allowPrivateHost": true
            }
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["saved"], true, "{}", r.body);
}

async fn queue_one(app: &axum::Router, key: &str) -> common::Reply {
    call(
        app,
        "acme",
        &[SEND_SCOPE],
        Method::POST,
        "/v1/messages",
        &[("prefer", "respond-async"), ("idempotency-key", key)],
        json!({ "to": ["someone@example.net"], "subject": "Your invoice", "text": "Invoice 42." }),
    )
    .await
}

async fn status(app: &axum::Router, tenant: &str, id: &str) -> common::Reply {
    call(
        app,
        tenant,
        &[SEND_SCOPE],
        Method::GET,
        &format!("/v1/messages/{id}"),
        &[],
        Value::Null,
    )
    .await
}

/// One pass of the event source mapping: what is visible, handed to the worker in one
/// batch (each message `copies` times, as SQS's at-least-once delivery may), deleted
/// unless the partial batch response names it. The batch response.
async fn work(s: &Stack, copies: usize) -> Value {
    let mut received = Vec::new();
    for _ in 0..20 {
        received = s.sqs.receive(&s.url, 10, 1).await.unwrap();
        if !received.is_empty() {
            break;
        }
    }
    assert!(!received.is_empty(), "nothing came from the send queue");
    let mut copies_of = Vec::new();
    for m in &received {
        for c in 0..copies {
            let mut m = m.clone();
            m.message_id = format!("{}-{c}", m.message_id);
            copies_of.push(m);
        }
    }
    let messages = s.state.messages.clone();
    let mut answer = Value::Null;
    s.sqs
        .drain(&s.url, received.clone(), |_| async {
            let batch = json!({ "Records": copies_of.iter().map(|m| json!({
                "messageId": m.message_id, "body": m.body, "eventSource": "aws:sqs"
            })).collect::<Vec<_>>() });
            answer = messages.consume_batch(&batch).await;
            // The mapping's answer is about the queue's own messages: one named when any
            // copy of it asked to come again.
            let again: Vec<Value> = received
                .iter()
                .filter(|m| {
                    answer["batchItemFailures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| {
                            f["itemIdentifier"]
                                .as_str()
                                .unwrap()
                                .starts_with(&m.message_id)
                        })
                })
                .map(|m| json!({ "itemIdentifier": m.message_id }))
                .collect();
            json!({ "batchItemFailures": again })
        })
        .await;
    answer
}

#[tokio::test]
async fn a_respond_async_send_is_queued_then_delivered_once_and_its_status_is_the_tenants_own() {
    let moto = Moto::start();
    let server = SmtpServer::start();
    let s = stack(&moto, &server).await;
    // The platform names acme's users (twice: it is counted as one tenant once).
    common::users(&s.app, "acme", &["billing@acme.example.com"]).await;
    common::users(
        &s.app,
        "acme",
        &["billing@acme.example.com", "ops@acme.example.com"],
    )
    .await;
    on_smtp(&s.app, &server).await;
    let before = server.messages().len();

    let r = queue_one(&s.app, "invoice-42").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(
        r.header("preference-applied").as_deref(),
        Some("respond-async")
    );
    let id = r.body["messageId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("msg_"), "{id}");
    assert_eq!(r.header("location").unwrap(), format!("/v1/messages/{id}"));
    assert_eq!(r.body["status"], "queued");
    assert_eq!(r.body["statusUrl"], format!("/v1/messages/{id}"));
    assert_eq!(
        server.messages().len(),
        before,
        "nothing is sent before the worker runs"
    );

    // The same key again: the same message, not a second one.
    let again = queue_one(&s.app, "invoice-42").await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.body);
    assert_eq!(again.body["messageId"], id.as_str());
    assert_eq!(again.body["replayed"], true);

    // Another tenant cannot see it; an id Sendready never gave is 404 too.
    let other = status(&s.app, "globex", &id).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
    assert_eq!(other.body["code"], "message-not-found");
    assert_eq!(
        status(&s.app, "acme", "msg_nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&s.app, "acme", &id).await.body["status"], "queued");

    // The worker gets the queue message three times in one batch: one copy takes it and
    // sends; the two others find it being sent and ask to come again.
    let answer = work(&s, 3).await;
    assert_eq!(
        answer["batchItemFailures"].as_array().unwrap().len(),
        2,
        "{answer}"
    );
    assert_eq!(
        server.messages().len(),
        before + 1,
        "delivered exactly once"
    );
    // So the queue hands it over again: now settled, it is dropped, not sent.
    let answer = work(&s, 1).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    assert_eq!(server.messages().len(), before + 1, "still exactly once");
    let done = status(&s.app, "acme", &id).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "sent", "{}", done.body);
    assert_eq!(done.body["attempts"], 1);
    assert_eq!(done.body["sent"]["route"], "externalSmtp");
    assert!(!done.body["sent"]["messageId"].as_str().unwrap().is_empty());

    // The replayed key now answers where the message got to.
    let replay = queue_one(&s.app, "invoice-42").await;
    assert_eq!(replay.body["status"], "sent", "{}", replay.body);

    // Without the preference the route answers at once, as before.
    let sync = call(
        &s.app,
        "acme",
        &[SEND_SCOPE],
        Method::POST,
        "/v1/messages",
        &[],
        json!({ "to": ["someone@example.net"], "subject": "Now", "text": "Now." }),
    )
    .await;
    assert_eq!(sync.status, StatusCode::OK, "{}", sync.body);
    assert!(sync.header("preference-applied").is_none());

    // The platform view shows the send queue, empty again, and the tenant.
    let view = call(
        &s.app,
        "platform",
        &[ADMIN_SCOPE],
        Method::GET,
        "/v1/platform",
        &[],
        Value::Null,
    )
    .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let queues = view.body["queues"].as_array().unwrap();
    let sends = queues.iter().find(|q| q["name"] == "sends").unwrap();
    assert_eq!(sends["visible"], 0, "{}", view.body);
    assert!(
        queues
            .iter()
            .any(|q| q["name"] == "sendsDeadLetter" && q["deadLetter"] == true)
    );
    assert_eq!(
        view.body["tenants"], 1,
        "acme's users made it a tenant: {}",
        view.body
    );
}

#[tokio::test]
async fn a_tenant_whose_places_are_busy_waits_without_using_an_attempt_and_a_refusing_server_fails_after_the_attempts()
 {
    let moto = Moto::start();
    let mut server = SmtpServer::start();
    let s = stack(&moto, &server).await;
    on_smtp(&s.app, &server).await;
    let before = server.messages().len();
    let r = queue_one(&s.app, "busy-1").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id = r.body["messageId"].as_str().unwrap().to_owned();

    // Every place of acme's share is held (its other sends on a slow server, say).
    let smtp = s.state.smtp.clone();
    let share = smtp.limits.smtp_share;
    let mut held = Vec::new();
    for _ in 0..share.max {
        held.push(smtp.limiter.lease("acme", &share).await.unwrap());
    }
    let answer = work(&s, 1).await;
    assert_eq!(
        answer["batchItemFailures"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    let waiting = status(&s.app, "acme", &id).await;
    assert_eq!(waiting.body["status"], "queued", "{}", waiting.body);
    assert_eq!(
        waiting.body["attempts"], 0,
        "waiting for a place is not an attempt"
    );
    assert_eq!(server.messages().len(), before);

    // Places free again: the next delivery sends it.
    for l in &held {
        smtp.limiter.release(l).await;
    }
    let answer = work(&s, 1).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    assert_eq!(status(&s.app, "acme", &id).await.body["status"], "sent");
    assert_eq!(server.messages().len(), before + 1);

    // A server that refuses every connection: retried, then failed with its problem.
    server.stop();
    let r = queue_one(&s.app, "down-1").await;
    let id = r.body["messageId"].as_str().unwrap().to_owned();
    let mut last = Value::Null;
    for _ in 0..MAX_ATTEMPTS + 2 {
        work(&s, 1).await;
        last = status(&s.app, "acme", &id).await.body;
        if last["status"] == "failed" {
            break;
        }
        assert_eq!(last["status"], "queued", "{last}");
    }
    assert_eq!(last["status"], "failed", "{last}");
    assert_eq!(last["attempts"], MAX_ATTEMPTS, "{last}");
    assert!(
        last["problem"]["code"]
            .as_str()
            .unwrap()
            .starts_with("smtp-"),
        "{last}"
    );
}
