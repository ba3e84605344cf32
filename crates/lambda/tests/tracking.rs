//! Verification that tracks itself (issue 15), over a simulated clock, against the local
//! SES, dnsmasq, moto's EventBridge (a rule delivering to an SQS queue, read back) and a
//! webhook receiver on 127.0.0.1 that checks each signature.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Dnsmasq, Moto, call_as, create_as, users};
use sendready_core::tracking::{DAILY, QUIET};
use sendready_lambda::adapters::eventbridge::EventBridge;
use sendready_lambda::adapters::hickory::Dns;
use sendready_lambda::adapters::webhook::{ID_HEADER, SIGNATURE_HEADER, Webhook, signature};
use sendready_lambda::ports::Announcer;
use sendready_lambda::ports::registry::now_secs;
use sendready_lambda::service::track::Tracker;
use sendready_lambda::state::Aws;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// One request the receiver got: its headers (names lowercase) and body.
type Received = (Vec<(String, String)>, String);

/// A webhook receiver: answers 200 and keeps each request's headers and body.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/sendready", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let keep = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                let (head, body) = loop {
                    let n = s.read(&mut buf).unwrap_or(0);
                    if n == 0 {
                        break (String::new(), String::new());
                    }
                    raw.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&raw).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap())
                            })
                            .unwrap_or(0);
                        if body.len() >= len {
                            break (head.to_owned(), body[..len].to_owned());
                        }
                    }
                };
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                keep.lock().unwrap().push((headers, body));
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Receiver { url, got }
    }

    /// Each announcement received, its signature checked.
    fn announcements(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(headers, body)| {
                let h = |k: &str| {
                    headers
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap()
                };
                let sig = h(SIGNATURE_HEADER);
                let (t, v1) = sig.split_once(",v1=").unwrap();
                let t: u64 = t.trim_start_matches("t=").parse().unwrap();
                assert!(t.abs_diff(now_secs()) < 300, "{sig}");
                assert_eq!(v1, signature(SECRET.as_bytes(), t, body.as_bytes()));
                let v: Value = serde_json::from_str(body).unwrap();
                assert_eq!(v["id"].as_str().unwrap(), h(ID_HEADER));
                v
            })
            .collect()
    }
}

/// An SQS query-protocol call to moto (no SQS SDK here): the answer's text.
fn sqs(moto: &Moto, path: &str, form: &str) -> String {
    let addr = moto.url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw
}

/// The EventBridge events delivered to the queue, as JSON.
fn queued(moto: &Moto) -> Vec<Value> {
    let raw = sqs(
        moto,
        "/123456789012/announced",
        "Action=ReceiveMessage&MaxNumberOfMessages=10&Version=2012-11-05",
    );
    raw.split("<Body>")
        .skip(1)
        .filter_map(|b| b.split_once("</Body>"))
        .map(|(b, _)| {
            let b = b
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            serde_json::from_str(&b).unwrap()
        })
        .collect()
}

/// A rule on the default bus sending Sendready's announcements to an SQS queue.
async fn listen_on_eventbridge(moto: &Moto) {
    let made = sqs(
        moto,
        "/",
        "Action=CreateQueue&QueueName=announced&Version=2012-11-05",
    );
    assert!(made.contains("announced"), "{made}");
    let eb = aws_sdk_eventbridge::Client::new(&moto.sdk().await);
    eb.put_rule()
        .name("sendready-announcements")
        .event_pattern(json!({ "source": ["sendready"] }).to_string())
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("sendready-announcements")
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn("arn:aws:sqs:us-east-1:123456789012:announced")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The tracker over moto, looking at DNS through `dns`, announcing to `announcers`.
async fn tracker(moto: &Moto, dns: &Dnsmasq, announcers: Vec<Arc<dyn Announcer>>) -> Tracker {
    let aws = Aws {
        announcers,
        ..Aws::from_sdk(&moto.sdk().await, "sendready-tenants")
    };
    aws.tracker(Arc::new(
        Dns::new(Some(dns.addr), std::time::Duration::from_secs(1)).unwrap(),
    ))
}

async fn announcers(moto: &Moto, hook: &str) -> Vec<Arc<dyn Announcer>> {
    vec![
        Arc::new(EventBridge::from_conf(&moto.sdk().await, "default")),
        Arc::new(Webhook::new(hook.parse().unwrap(), SECRET.as_bytes()).unwrap()),
    ]
}

async fn history(app: &axum::Router, tenant: &str, identity: &str) -> (StatusCode, Value) {
    call_as(
        app,
        tenant,
        Method::GET,
        &format!("/v1/identities/{identity}/history"),
        None,
    )
    .await
}

/// The DKIM CNAMEs the identity asks for, as dnsmasq records.
async fn dkim_records(app: &axum::Router, identity: &str) -> Vec<(String, String)> {
    let (_, view) = call_as(
        app,
        "acme",
        Method::GET,
        &format!("/v1/identities/{identity}"),
        None,
    )
    .await;
    common::view_cnames(&view)
}

#[tokio::test]
async fn a_domain_is_followed_to_verified_then_watched_daily_with_a_quiet_period() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let app = common::app_with_dns(&moto, &empty).await;
    let hook = Receiver::start();
    listen_on_eventbridge(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    let t0 = now_secs();
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;

    // Tracking starts with the create: first look in 5 minutes; another tenant sees 404.
    let (status, h) = history(&app, "acme", "acme.example.com").await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["tracked"], true);
    assert_eq!(h["changes"], json!([]));
    let (status, _) = history(&app, "globex", "acme.example.com").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let quiet = tracker(&moto, &empty, announcers(&moto, &hook.url).await).await;
    assert_eq!(quiet.run(t0 + 10).await.unwrap().looked, 0, "not due yet");
    // The first look: pending, records missing; nothing to record yet.
    let r = quiet.run(t0 + 400).await.unwrap();
    assert_eq!((r.looked, r.changes), (1, 0), "{r:?}");

    // The records are published; SES sees them and verifies.
    let records = dkim_records(&app, "acme.example.com").await;
    assert_eq!(records.len(), 3);
    let published = Dnsmasq::cnames(&records);
    moto.ses("config", Some(json!({ "dns": published.addr.to_string() })));
    let live = tracker(&moto, &published, announcers(&moto, &hook.url).await).await;
    let r = live.run(t0 + 400 + 300).await.unwrap();
    assert_eq!((r.looked, r.announced), (1, 1), "{r:?}");
    let (_, h) = history(&app, "acme", "acme.example.com").await;
    assert_eq!(h["status"], "SUCCESS", "{h}");
    let changes = h["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["from"] == "PENDING"
            && c["status"] == "SUCCESS"
            && c["announcedAs"] == "Identity Verified"),
        "{h}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["records"].as_array().unwrap().len() == 3 && c["announcedAs"].is_null()),
        "the records found are recorded, unannounced: {h}"
    );

    // Announced once on EventBridge and once to the webhook, signed, with one id.
    let on_bus = queued(&moto);
    assert_eq!(on_bus.len(), 1, "{on_bus:?}");
    assert_eq!(on_bus[0]["source"], "sendready");
    assert_eq!(on_bus[0]["detail-type"], "Identity Verified");
    assert_eq!(on_bus[0]["detail"]["tenant"], "acme");
    assert_eq!(on_bus[0]["detail"]["identity"], "acme.example.com");
    let hooked = hook.announcements();
    assert_eq!(hooked.len(), 1);
    assert_eq!(hooked[0]["detail-type"], "Identity Verified");
    assert_eq!(hooked[0]["id"], on_bus[0]["detail"]["id"]);

    // Verified: the next look is a day later.
    let verified_at = t0 + 700;
    assert_eq!(live.run(verified_at + DAILY - 1).await.unwrap().looked, 0);

    // A blip: the records vanish for one look, and are back within the quiet hour.
    let gone = tracker(&moto, &empty, announcers(&moto, &hook.url).await).await;
    let blip_at = verified_at + DAILY;
    let r = gone.run(blip_at).await.unwrap();
    assert_eq!(
        (r.looked, r.changes),
        (1, 0),
        "a first sighting waits: {r:?}"
    );
    let r = live.run(blip_at + QUIET).await.unwrap();
    assert_eq!((r.looked, r.changes), (1, 0), "{r:?}");

    // Removed for real: seen gone, and gone again past the quiet hour.
    let removed_at = blip_at + QUIET + DAILY;
    assert_eq!(gone.run(removed_at).await.unwrap().changes, 0);
    let r = gone.run(removed_at + QUIET).await.unwrap();
    assert_eq!((r.changes, r.announced), (1, 1), "{r:?}");
    let on_bus = queued(&moto);
    assert_eq!(on_bus.len(), 1, "{on_bus:?}");
    assert_eq!(on_bus[0]["detail-type"], "Records Changed");
    let missing = on_bus[0]["detail"]["records"].as_array().unwrap();
    assert_eq!(missing.len(), 3);
    assert!(
        missing
            .iter()
            .all(|r| r["from"] == "dns-record-found" && r["to"] == "dns-record-missing")
    );
    assert_eq!(hook.announcements().len(), 2);

    // Deleted: the tracker forgets it.
    let (status, _) = call_as(
        &app,
        "acme",
        Method::DELETE,
        "/v1/identities/acme.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(gone.run(removed_at + 10 * DAILY).await.unwrap().looked, 0);
}

#[tokio::test]
async fn a_failed_verification_is_announced_and_an_undelivered_one_is_offered_again_only_where_it_failed()
 {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    // SES fails a domain whose records never resolved within its window (here 1 s).
    moto.ses(
        "config",
        Some(json!({ "dns": empty.addr.to_string(), "verificationWindowSeconds": 1 })),
    );
    let app = common::app_with_dns(&moto, &empty).await;
    listen_on_eventbridge(&moto).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // One second on: the create may land in the next second, and its first look is 300 s
    // after it.
    let t0 = now_secs() + 1;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    std::thread::sleep(std::time::Duration::from_millis(1500));

    // A run out of time looks at nothing: the identity stays due for the next run.
    let mut late = tracker(&moto, &empty, Vec::new()).await;
    late.deadline = std::time::Duration::ZERO;
    let r = late.run(t0 + 300).await.unwrap();
    assert_eq!((r.looked, r.deferred), (0, 1), "{r:?}");

    // The webhook is down: the change is recorded, its announcement waits.
    let down = format!("http://127.0.0.1:{}/hook", common::closed_port());
    let r = tracker(&moto, &empty, announcers(&moto, &down).await)
        .await
        .run(t0 + 300)
        .await
        .unwrap();
    assert_eq!((r.changes, r.announced, r.waiting), (1, 0, 1), "{r:?}");
    let (_, h) = history(&app, "acme", "acme.example.com").await;
    assert_eq!(h["status"], "FAILED", "{h}");
    assert_eq!(h["waitingAnnouncements"], 1, "{h}");
    assert_eq!(
        h["changes"][0]["announcedAs"],
        "Identity Verification Failed"
    );

    // Back up: tried again within 5 minutes, not a day later, with the same id.
    let hook = Receiver::start();
    let r = tracker(&moto, &empty, announcers(&moto, &hook.url).await)
        .await
        .run(t0 + 300 + 300)
        .await
        .unwrap();
    assert_eq!((r.looked, r.changes, r.announced), (1, 0, 1), "{r:?}");
    let hooked = hook.announcements();
    assert_eq!(hooked.len(), 1);
    assert_eq!(hooked[0]["detail-type"], "Identity Verification Failed");
    assert_eq!(hooked[0]["detail"]["status"], "FAILED");
    let (_, h) = history(&app, "acme", "acme.example.com").await;
    assert_eq!(h["waitingAnnouncements"], 0, "{h}");
    assert_eq!(
        h["changes"].as_array().unwrap().len(),
        1,
        "recorded once: {h}"
    );
    // EventBridge took it at the first look and was not offered it again.
    let on_bus = queued(&moto);
    assert_eq!(on_bus.len(), 1, "{on_bus:?}");
    assert_eq!(on_bus[0]["detail"]["id"], hooked[0]["id"]);
}

#[tokio::test]
async fn a_look_that_fails_is_put_off_so_it_never_holds_the_front_of_the_queue() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let app = common::app_with_dns(&moto, &empty).await;
    users(&app, "acme", &["ops@acme.example.com"]).await;
    // One second on: the create may land in the next second, and its first look is 300 s
    // after it.
    let t0 = now_secs() + 1;
    create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    let tracker = tracker(&moto, &empty, Vec::new()).await;

    // SES throttles every read: the look fails, and the identity is put off 5 minutes.
    moto.ses(
        "faults",
        Some(json!({ "operation": "GetEmailIdentity", "error": "TooManyRequestsException", "seconds": 60 })),
    );
    let r = tracker.run(t0 + 300).await.unwrap();
    assert_eq!((r.looked, r.failed.len()), (0, 1), "{r:?}");
    assert!(r.failed[0].contains("acme acme.example.com"), "{r:?}");
    let r = tracker.run(t0 + 300).await.unwrap();
    assert_eq!((r.looked, r.failed.len()), (0, 0), "put off: {r:?}");

    // SES answers again: the next look, 5 minutes on, goes through.
    moto.ses("faults", Some(json!({})));
    let r = tracker.run(t0 + 600).await.unwrap();
    assert_eq!((r.looked, r.failed.len()), (1, 0), "{r:?}");
}

#[tokio::test]
async fn verify_seeing_a_status_the_tracker_has_not_makes_the_identity_due_at_once() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    let app = common::app_with_dns(&moto, &empty).await;
    users(&app, "acme", &["billing@acme.example.com"]).await;
    let id = "billing@acme.example.com";
    create_as(&app, "acme", json!({ "identity": id })).await;
    let run = tracker(&moto, &empty, Vec::new()).await;
    // Nothing is due before the first look, 5 minutes on.
    assert_eq!(run.run(now_secs()).await.unwrap().looked, 0);
    moto.click_verification_link(id);
    let (status, v) = common::call_as(
        &app,
        "acme",
        Method::POST,
        &format!("/v1/identities/{id}/verify"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["verificationStatus"], "SUCCESS", "{v}");
    // Verify saw SUCCESS, which tracking had not: the next run looks at once and records
    // it, so the history follows what the page just showed.
    let r = run.run(now_secs()).await.unwrap();
    assert_eq!((r.looked, r.changes), (1, 1), "{r:?}");
    let (status, h) = history(&app, "acme", id).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["changes"][0]["status"], "SUCCESS", "{h}");
    // Seen already: another Verify does not move it up again.
    common::call_as(
        &app,
        "acme",
        Method::POST,
        &format!("/v1/identities/{id}/verify"),
        None,
    )
    .await;
    assert_eq!(run.run(now_secs()).await.unwrap().looked, 0);
}

#[tokio::test]
async fn a_batch_with_a_slow_domain_and_orphans_still_finishes_and_puts_the_slow_one_off() {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses("config", Some(json!({ "dns": empty.addr.to_string() })));
    let app = common::app_with_dns(&moto, &empty).await;
    // Three tenants, a domain each (one domain identity a tenant).
    let t0 = now_secs();
    for t in ["acme", "slow", "fine"] {
        users(&app, t, &[&format!("ops@{t}.example.com")]).await;
        create_as(&app, t, json!({ "identity": format!("{t}.example.com") })).await;
    }
    // Thirty due items with nothing tracked behind them (a delete that raced the
    // tracker), all at the front of the due index.
    let db = aws_sdk_dynamodb::Client::new(&moto.sdk().await);
    for i in 0..30 {
        let item =
            |k: &str, v: String| (k.to_owned(), aws_sdk_dynamodb::types::AttributeValue::S(v));
        db.put_item()
            .table_name("sendready-tenants")
            .set_item(Some(
                [
                    item("pk", "TRACKDUE".into()),
                    item("sk", format!("{:012}#5#ghost#gone{i}.example.com", i + 1)),
                    item("tenant", "ghost".into()),
                    item("identity", format!("gone{i}.example.com")),
                ]
                .into_iter()
                .collect(),
            ))
            .send()
            .await
            .unwrap();
    }
    // SES answers about one domain only after 3 s, for the next minute.
    moto.ses(
        "faults",
        Some(json!({ "operation": "GetEmailIdentity", "identity": "slow.example.com", "delaySeconds": 3, "seconds": 60 })),
    );
    let mut tracker = tracker(&moto, &empty, Vec::new()).await;
    tracker.batch = 10;
    tracker.look_deadline = std::time::Duration::from_secs(1);

    // Due 5 minutes after each create (a create may have landed a second after t0).
    let base = t0 + 310;
    // The slow look is cut off at its deadline (its answer would take 3 s): the run ends
    // and reports it, instead of waiting.
    let r = tracker.run(base).await.unwrap();
    assert_eq!(r.orphans_removed, 30, "{r:?}");
    assert_eq!(r.looked, 2, "the other two domains were looked at: {r:?}");
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(
        r.failed[0].contains("slow.example.com") && r.failed[0].contains("longer than 1 s"),
        "{r:?}"
    );

    // The slow one is put off (5 minutes, then 10, ...), not at the front again; the
    // orphans are gone.
    let r = tracker.run(base).await.unwrap();
    assert_eq!(
        (r.looked, r.failed.len(), r.orphans_removed),
        (0, 0, 0),
        "{r:?}"
    );
    let r = tracker.run(base + 300).await.unwrap();
    assert_eq!(r.failed.len(), 1, "due again after 5 minutes: {r:?}");
    let r = tracker.run(base + 600).await.unwrap();
    assert!(
        r.failed.is_empty(),
        "put off twice as long the second time: {r:?}"
    );
    moto.ses("faults", Some(json!({})));
    let r = tracker.run(base + 900).await.unwrap();
    assert!(r.failed.is_empty() && r.looked >= 1, "{r:?}");
    let (_, h) = history(&app, "slow", "slow.example.com").await;
    assert_eq!(h["tracked"], true, "{h}");
}

/// Moto whose SES fails a verification after a second, no records in DNS, and the API.
async fn one_second_window() -> (Moto, Dnsmasq, axum::Router) {
    let moto = Moto::start();
    let empty = Dnsmasq::start(&[]);
    moto.ses(
        "config",
        Some(json!({ "dns": empty.addr.to_string(), "verificationWindowSeconds": 1 })),
    );
    let app = common::app_with_dns(&moto, &empty).await;
    (moto, empty, app)
}

#[tokio::test]
async fn a_name_never_verified_is_released_after_the_window_and_the_grace_and_its_tenant_told() {
    let (moto, empty, app) = one_second_window().await;
    let hook = Receiver::start();
    users(&app, "squatter", &["someone@bigcorp.example.com"]).await;
    users(&app, "bigcorp", &["it@bigcorp.example.com"]).await;
    let t0 = now_secs() + 1;
    create_as(
        &app,
        "squatter",
        json!({ "identity": "bigcorp.example.com" }),
    )
    .await;
    let tracker = tracker(&moto, &empty, announcers(&moto, &hook.url).await).await;
    let window = sendready_core::tracking::WINDOW + sendready_core::tracking::GRACE;

    // Within SES's 72 hours and the day after: still held, however it failed.
    let r = tracker.run(t0 + 300).await.unwrap();
    assert!(r.released.is_empty(), "{r:?}");
    let r = tracker.run(t0 + window - 3_600).await.unwrap();
    assert!(r.released.is_empty(), "{r:?}");
    // Past them, at its next daily look: released, and its tenant told why.
    let r = tracker
        .run(t0 + window - 3_600 + sendready_core::tracking::DAILY)
        .await
        .unwrap();
    assert_eq!(r.released, ["squatter bigcorp.example.com"], "{r:?}");
    let told = hook.announcements();
    let released: Vec<&Value> = told
        .iter()
        .filter(|a| a["detail"]["status"] == "RELEASED")
        .collect();
    assert_eq!(released.len(), 1, "{told:?}");
    assert_eq!(released[0]["detail-type"], "Identity Released");
    assert_eq!(released[0]["detail"]["tenant"], "squatter");
    let (status, _) = call_as(
        &app,
        "squatter",
        Method::GET,
        "/v1/identities/bigcorp.example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // BigCorp's own tenant can add it now.
    create_as(
        &app,
        "bigcorp",
        json!({ "identity": "bigcorp.example.com" }),
    )
    .await;
}

#[tokio::test]
async fn a_release_waits_until_its_tenant_is_told_for_at_most_one_more_grace_period() {
    use sendready_core::tracking::{DAILY, GRACE, WINDOW};
    let (moto, empty, app) = one_second_window().await;
    users(&app, "squatter", &["someone@bigcorp.example.com"]).await;
    users(&app, "idler", &["someone@idle.example.com"]).await;
    let t0 = now_secs() + 1;
    create_as(
        &app,
        "squatter",
        json!({ "identity": "bigcorp.example.com" }),
    )
    .await;
    let down = format!("http://127.0.0.1:{}/hook", common::closed_port());
    let untold = tracker(&moto, &empty, announcers(&moto, &down).await).await;
    let held = |app: &axum::Router, tenant: &'static str, name: &'static str| {
        let app = app.clone();
        async move {
            call_as(
                &app,
                tenant,
                Method::GET,
                &format!("/v1/identities/{name}"),
                None,
            )
            .await
            .0
        }
    };

    // Past SES's window and the grace, the webhook down: the release waits, said why.
    let due = t0 + WINDOW + GRACE - 3_600 + DAILY;
    let r = untold.run(due).await.unwrap();
    assert!(r.released.is_empty(), "{r:?}");
    assert!(
        r.failed
            .iter()
            .any(|f| f.contains("waits until its tenant is told")),
        "{r:?}"
    );
    assert_eq!(
        held(&app, "squatter", "bigcorp.example.com").await,
        StatusCode::OK
    );

    // The webhook back: the next look tells the tenant, then releases the name.
    let hook = Receiver::start();
    let told = tracker(&moto, &empty, announcers(&moto, &hook.url).await).await;
    let r = told.run(due + 3_600).await.unwrap();
    assert_eq!(r.released, ["squatter bigcorp.example.com"], "{r:?}");
    let released: Vec<Value> = hook
        .announcements()
        .into_iter()
        .filter(|a| a["detail"]["status"] == "RELEASED")
        .collect();
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(
        held(&app, "squatter", "bigcorp.example.com").await,
        StatusCode::NOT_FOUND
    );

    // An announcer refusing for a whole further grace period does not hold a name forever.
    let t1 = now_secs() + 1;
    create_as(&app, "idler", json!({ "identity": "idle.example.com" })).await;
    let r = untold
        .run(t1 + WINDOW + GRACE - 3_600 + DAILY)
        .await
        .unwrap();
    assert!(r.released.is_empty(), "{r:?}");
    let r = untold.run(t1 + WINDOW + 2 * GRACE + DAILY).await.unwrap();
    assert_eq!(r.released, ["idler idle.example.com"], "{r:?}");
    assert_eq!(
        held(&app, "idler", "idle.example.com").await,
        StatusCode::NOT_FOUND
    );
}
