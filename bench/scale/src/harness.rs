//! The benches' stack: moto (the repository's `tests/moto_server.py`, with the local SES)
//! and the recording proxy (`bench/scale/proxy.py`) on 127.0.0.1, the API in process over
//! either, seeding straight into moto, and SQS as a Lambda event source mapping uses it.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use axum::http::{Method, Request, StatusCode};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use sendready_core::events::{Counts, SesEvent};
use sendready_lambda::adapters::dynamodb::DynamoRegistry;
use sendready_lambda::adapters::sqs::Sqs;
use sendready_lambda::auth::{ADMIN_SCOPE, LocalJwt, SETTINGS_SCOPE, local_jwt};
use sendready_lambda::ports::events::EventStore;
use sendready_lambda::ports::registry::now_secs;
use sendready_lambda::ports::{AwsError, Resolver};
use sendready_lambda::service::events::Events;
use sendready_lambda::state::Aws;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// The table every bench uses.
pub const TABLE: &str = "sendready-tenants";

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let venv = repo().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

/// A child process, stopped on drop.
pub struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `args` and waits until `port` listens.
pub fn spawn(args: &[String], port: u16) -> Proc {
    #[allow(clippy::zombie_processes, reason = "Proc waits for it on drop")]
    let child = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", args[0]));
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Proc(child);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} did not listen on {port}", args.join(" "));
}

/// DynamoDB's use as the proxy counted it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Use {
    /// Requests.
    pub requests: u64,
    /// Items read.
    pub items: u64,
    /// Bytes read.
    pub bytes_read: u64,
}

/// The recording proxy's counters.
pub struct Counter {
    port: u16,
}

impl Counter {
    async fn get(&self, path: &str) -> Value {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return Value::Null;
        };
        let req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        if s.write_all(req.as_bytes()).await.is_err() {
            return Value::Null;
        }
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    /// Zeroes the counts.
    pub async fn reset(&self) {
        self.get("/_reset").await;
    }

    /// The counts since the last reset, summed over the operations.
    pub async fn read(&self) -> Use {
        let v = self.get("/_counts").await;
        let mut u = Use::default();
        for c in v.as_object().into_iter().flat_map(|m| m.values()) {
            u.requests += c["requests"].as_u64().unwrap_or(0);
            u.items += c["items"].as_u64().unwrap_or(0);
            u.bytes_read += c["bytesRead"].as_u64().unwrap_or(0);
        }
        u
    }
}

/// moto and the proxy before it.
pub struct Stack {
    _moto: Proc,
    _proxy: Proc,
    /// Straight to moto (seeding, uncounted).
    pub direct: aws_config::SdkConfig,
    /// Through the proxy (what is measured).
    pub counted: aws_config::SdkConfig,
    /// The proxy's counters.
    pub proxy: Counter,
}

async fn sdk(url: &str) -> aws_config::SdkConfig {
    use aws_config::timeout::TimeoutConfig;
    sendready_lambda::adapters::sdk::loader()
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        // moto answers a query over a large partition slowly; the counts, not the time,
        // are what this measures.
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(120))
                .operation_timeout(Duration::from_secs(300))
                .build(),
        )
        .load()
        .await
}

impl Stack {
    /// Starts moto and the proxy, and makes the table and the settings key.
    pub async fn start() -> Stack {
        let moto_port = free_port();
        let moto = spawn(
            &[
                python().display().to_string(),
                repo().join("tests/moto_server.py").display().to_string(),
                "-H".into(),
                "127.0.0.1".into(),
                "-p".into(),
                moto_port.to_string(),
            ],
            moto_port,
        );
        let proxy_port = free_port();
        let proxy = spawn(
            &[
                python().display().to_string(),
                repo().join("bench/scale/proxy.py").display().to_string(),
                proxy_port.to_string(),
                format!("http://127.0.0.1:{moto_port}"),
            ],
            proxy_port,
        );
        let direct = sdk(&format!("http://127.0.0.1:{moto_port}")).await;
        let counted = sdk(&format!("http://127.0.0.1:{proxy_port}")).await;
        DynamoRegistry::from_conf(&direct, TABLE)
            .ensure_table()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let kms = aws_sdk_kms::Client::new(&direct);
        if let Ok(key) = kms.create_key().send().await
            && let Some(id) = key.key_metadata().map(|m| m.key_id().to_owned())
        {
            let _ = kms
                .create_alias()
                .alias_name("alias/sendready-settings")
                .target_key_id(id)
                .send()
                .await;
        }
        Stack {
            _moto: moto,
            _proxy: proxy,
            direct,
            counted,
            proxy: Counter { port: proxy_port },
        }
    }

    /// The API in process, its AWS calls counted or not.
    pub fn api(&self, counted: bool) -> Api {
        self.api_with(counted, |_| None)
    }

    /// [`Stack::api`] with the settings `var` gives (as the environment would).
    pub fn api_with(&self, counted: bool, var: impl Fn(&str) -> Option<String>) -> Api {
        let conf = if counted { &self.counted } else { &self.direct };
        let config =
            sendready_lambda::config::Config::from_lookup(var).unwrap_or_else(|e| panic!("{e}"));
        let aws = Aws::from_config(conf, &config);
        let smtp = sendready_lambda::state::smtp(&config, aws.limiter.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let resolver = sendready_lambda::state::resolver(&config).unwrap_or_else(|e| panic!("{e}"));
        let state = sendready_lambda::AppState::new(&aws, smtp, resolver.clone(), &[]);
        Api::new(state, aws, resolver)
    }

    /// Writes SES events `events` of `tenant` (kept 14 days) and with `others` a week of
    /// hourly counts in their 4 shards, 5,000 limit counters, 2,000 settings changes and
    /// 2,000 SMTP transcripts, straight into the table, in the shapes the backend writes.
    pub async fn history(&self, tenant: &str, events: std::ops::Range<usize>, others: bool) {
        let now = now_secs();
        let expires = AttributeValue::N((now + 14 * 86_400).to_string());
        let s = |v: String| AttributeValue::S(v);
        let key = format!(
            "EVENTS#{}",
            sendready_lambda::ports::ses::ses_tenant_name(tenant)
        );
        let mut items: Vec<HashMap<String, AttributeValue>> = Vec::new();
        for i in events {
            let id = format!("hist-{i:07}");
            let at = sendready_core::events::rfc3339(now - (i as u64 % (14 * 86_400)));
            let event = json!({
                "id": id, "kind": "delivery", "at": at, "messageId": format!("m-{i}"),
                "from": format!("billing@{tenant}.example.com"),
                "identity": format!("{tenant}.example.com"), "configurationSet": key.trim_start_matches("EVENTS#"),
                "recipients": ["someone@example.net"], "detail": "250 2.0.0 OK"
            });
            items.push(HashMap::from([
                ("pk".into(), s(key.clone())),
                ("sk".into(), s(format!("SEEN#{id}"))),
                ("expiresAt".into(), expires.clone()),
            ]));
            items.push(HashMap::from([
                ("pk".into(), s(key.clone())),
                ("sk".into(), s(format!("EVENT#{at}#{id}"))),
                ("event".into(), s(event.to_string())),
                ("expiresAt".into(), expires.clone()),
            ]));
        }
        if !others {
            batch_write(&self.direct, items).await;
            return;
        }
        for h in 0..(7 * 24) {
            let hour = sendready_core::events::rfc3339(now - h * 3_600);
            for shard in 0..4 {
                items.push(HashMap::from([
                    ("pk".into(), s(key.clone())),
                    ("sk".into(), s(format!("COUNT#{}#{shard}", &hour[..13]))),
                    ("delivery".into(), AttributeValue::N("150".into())),
                    ("expiresAt".into(), expires.clone()),
                ]));
            }
        }
        for i in 0..5_000u64 {
            items.push(HashMap::from([
                ("pk".into(), s(format!("LIMITS#{tenant}"))),
                (
                    "sk".into(),
                    s(format!("LIMIT#smtp-checks#host{}#{}", i % 50, now - i * 60)),
                ),
                ("uses".into(), AttributeValue::N("3".into())),
                ("expiresAt".into(), expires.clone()),
            ]));
        }
        for i in 0..2_000u64 {
            items.push(HashMap::from([
                ("pk".into(), s(format!("SETTINGS#{tenant}"))),
                ("sk".into(), s(format!("HIST#{:020}", i + 1))),
                ("version".into(), AttributeValue::N((i + 1).to_string())),
                (
                    "at".into(),
                    AttributeValue::N((now - 2_000 + i).to_string()),
                ),
                ("by".into(), s("ops@example.com".into())),
                (
                    "fields".into(),
                    AttributeValue::L(vec![s("smtp.host".into())]),
                ),
                ("expiresAt".into(), expires.clone()),
            ]));
            items.push(HashMap::from([
                ("pk".into(), s(format!("SETTINGS#{tenant}"))),
                (
                    "sk".into(),
                    s(format!("DEBUG#{:016}#{i:08x}", (now - i) * 1000)),
                ),
                ("transcript".into(), s("{}".into())),
                ("expiresAt".into(), expires.clone()),
            ]));
        }
        batch_write(&self.direct, items).await;
    }

    /// Makes `name` and its dead-letter queue (after `max_receives`), `visibility` seconds.
    pub async fn queue(&self, name: &str, visibility: u32, max_receives: u32) -> (String, String) {
        Sqs::from_conf(&self.direct)
            .ensure_queue(name, visibility, max_receives)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Messages waiting in a queue (visible, in flight and delayed).
    pub async fn depth(&self, url: &str) -> u64 {
        use sendready_lambda::ports::Queues;
        Sqs::from_conf(&self.direct)
            .depth(url)
            .await
            .map_or(u64::MAX, |d| d.visible + d.in_flight + d.delayed)
    }

    /// Puts every body on the queue, 10 a request, 8 requests at once.
    pub async fn send_all(&self, url: &str, bodies: Vec<String>) {
        let client = aws_sdk_sqs::Client::new(&self.direct);
        let chunks: Vec<Vec<String>> = bodies.chunks(10).map(<[String]>::to_vec).collect();
        futures_util::stream::iter(chunks)
            .for_each_concurrent(8, |chunk| {
                let client = client.clone();
                async move {
                    let mut req = client.send_message_batch().queue_url(url);
                    for (i, b) in chunk.into_iter().enumerate() {
                        req = req.entries(
                            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                                .id(i.to_string())
                                .message_body(b)
                                .build()
                                .unwrap_or_else(|e| panic!("{e}")),
                        );
                    }
                    req.send().await.unwrap_or_else(|e| panic!("{e:?}"));
                }
            })
            .await;
    }

    /// What Lambda's event source mapping does with `url`: `workers` at once, each
    /// receiving up to 10, handing them to `events` as one batch and deleting what its
    /// partial batch response does not name; until the queue stays empty.
    pub async fn consume(
        &self,
        url: &str,
        workers: usize,
        events: Events,
        producing: Arc<std::sync::atomic::AtomicBool>,
    ) -> Consumed {
        let sqs = Sqs::from_conf(&self.direct);
        let redelivered = Arc::new(AtomicUsize::new(0));
        let idle_rounds = Arc::new(AtomicUsize::new(0));
        let start = std::time::Instant::now();
        let last = Arc::new(Mutex::new(start));
        futures_util::future::join_all((0..workers).map(|_| {
            let sqs = sqs.clone();
            let events = events.clone();
            let redelivered = redelivered.clone();
            let idle_rounds = idle_rounds.clone();
            let last = last.clone();
            let producing = producing.clone();
            async move {
                loop {
                    let got = sqs.receive(url, 10, 1).await.unwrap_or_default();
                    if got.is_empty() && producing.load(Ordering::SeqCst) {
                        continue;
                    }
                    if got.is_empty() {
                        // Empty for 12 polls of every worker (longer than the visibility
                        // timeout): the handed-back ones are done too.
                        if idle_rounds.fetch_add(1, Ordering::SeqCst) > 12 * workers {
                            return;
                        }
                        continue;
                    }
                    idle_rounds.store(0, Ordering::SeqCst);
                    let n = got.len();
                    let deleted = sqs
                        .drain(url, got, |batch| {
                            let events = events.clone();
                            async move { events.consume_batch(&batch).await }
                        })
                        .await;
                    redelivered.fetch_add(n - deleted, Ordering::SeqCst);
                    if deleted > 0
                        && let Ok(mut l) = last.lock()
                    {
                        *l = std::time::Instant::now();
                    }
                }
            }
        }))
        .await;
        let busy = last
            .lock()
            .map_or(Duration::ZERO, |l| l.duration_since(start));
        Consumed {
            redelivered: redelivered.load(Ordering::SeqCst),
            busy,
        }
    }
}

/// What [`Stack::consume`] saw.
pub struct Consumed {
    /// Messages handed back (named in a partial batch response).
    pub redelivered: usize,
    /// From the start to the last message deleted.
    pub busy: Duration,
}

/// Writes `items`, 25 a request, 8 requests at once, retrying what DynamoDB leaves.
pub async fn batch_write(
    conf: &aws_config::SdkConfig,
    items: Vec<HashMap<String, AttributeValue>>,
) {
    let db = aws_sdk_dynamodb::Client::new(conf);
    let chunks: Vec<Vec<HashMap<String, AttributeValue>>> =
        items.chunks(25).map(<[_]>::to_vec).collect();
    futures_util::stream::iter(chunks)
        .for_each_concurrent(8, |chunk| {
            let db = db.clone();
            async move {
                let mut writes: Vec<WriteRequest> = chunk
                    .into_iter()
                    .map(|item| {
                        WriteRequest::builder()
                            .put_request(
                                PutRequest::builder()
                                    .set_item(Some(item))
                                    .build()
                                    .unwrap_or_else(|e| panic!("{e}")),
                            )
                            .build()
                    })
                    .collect();
                while !writes.is_empty() {
                    let out = db
                        .batch_write_item()
                        .request_items(TABLE, writes.clone())
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{e:?}"));
                    writes = out
                        .unprocessed_items()
                        .and_then(|u| u.get(TABLE))
                        .cloned()
                        .unwrap_or_default();
                }
            }
        })
        .await;
}

/// Items in the table (moto's count, for the report).
pub async fn table_items(conf: &aws_config::SdkConfig) -> i64 {
    aws_sdk_dynamodb::Client::new(conf)
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .ok()
        .and_then(|t| {
            t.table()
                .and_then(aws_sdk_dynamodb::types::TableDescription::item_count)
        })
        .unwrap_or(-1)
}

/// The API in process with locally signed tokens.
pub struct Api {
    app: axum::Router,
    jwt: LocalJwt,
    /// Its adapters.
    pub aws: Aws,
    /// Its live-DNS resolver.
    pub resolver: Arc<dyn Resolver>,
}

impl Api {
    fn new(state: sendready_lambda::AppState, aws: Aws, resolver: Arc<dyn Resolver>) -> Api {
        let jwt = LocalJwt::new(
            b"bench-secret",
            "sendready-local",
            "sendready-local",
            "tenant",
        );
        let app = sendready_lambda::router(state)
            .layer(axum::middleware::from_fn_with_state(jwt.clone(), local_jwt));
        Api {
            app,
            jwt,
            aws,
            resolver,
        }
    }

    async fn request(
        &self,
        tenant: &str,
        scopes: &[&str],
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let token = self.jwt.mint("bench", tenant, scopes, 3_600);
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET))
            .uri(path)
            .header("authorization", format!("Bearer {token}"));
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                if method == "PUT" {
                    req = req.header("if-match", "*");
                }
                axum::body::Body::from(b.to_string())
            }
            None => axum::body::Body::empty(),
        };
        let resp = match self
            .app
            .clone()
            .oneshot(req.body(body).unwrap_or_else(|e| panic!("{e}")))
            .await
        {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// One request as one of `tenant`'s mail administrators.
    pub async fn call(
        &self,
        tenant: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.request(tenant, &[SETTINGS_SCOPE], method, path, body)
            .await
    }

    /// One request as the platform.
    pub async fn admin(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.request("platform", &[ADMIN_SCOPE], method, path, body)
            .await
    }

    /// The platform sets `tenant`'s active users.
    pub async fn users(&self, tenant: &str, emails: &[&str]) {
        let (s, v) = self
            .admin(
                "PUT",
                &format!("/v1/tenants/{tenant}/users"),
                Some(json!({ "activeUserEmails": emails })),
            )
            .await;
        assert!(s.is_success(), "users of {tenant}: {s} {v}");
    }

    /// Tenants `t<from>` to `t<to - 1>`, each with a user and its address as an identity,
    /// 16 at once.
    pub async fn tenants(&self, from: usize, to: usize) {
        futures_util::stream::iter(from..to)
            .for_each_concurrent(16, |i| async move {
                let tenant = format!("t{i:05}");
                let address = format!("ops@{tenant}.example.com");
                self.users(&tenant, &[&address]).await;
                let (s, v) = self
                    .call(
                        &tenant,
                        "POST",
                        "/v1/identities",
                        Some(json!({ "identity": address })),
                    )
                    .await;
                assert!(s.is_success(), "identity of {tenant}: {s} {v}");
            })
            .await;
    }
}

/// An EventBridge event for SES's bounce of message `id` in acme's configuration set.
pub fn bounce(id: &str) -> Value {
    let now = sendready_core::events::rfc3339(now_secs());
    json!({
        "version": "0", "id": format!("eb-{id}"), "detail-type": "Email Bounced", "source": "aws.ses",
        "detail": {
            "eventType": "Bounce",
            "mail": {
                "timestamp": now, "messageId": id, "source": "billing@acme.example.com",
                "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/acme.example.com",
                "destination": ["bounce@simulator.amazonses.com"],
                "tags": { "ses:configuration-set": ["sendready-t-acme"] }
            },
            "bounce": {
                "bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
                "bouncedRecipients": [{ "emailAddress": "bounce@simulator.amazonses.com" }]
            }
        }
    })
}

/// The table's event store, failing the first write of one event in `every`.
struct Flaky {
    inner: Arc<dyn EventStore>,
    every: u32,
    failed: Mutex<HashSet<String>>,
}

#[async_trait]
impl EventStore for Flaky {
    async fn record(&self, key: &str, event: &SesEvent, hour: &str) -> Result<bool, AwsError> {
        let pick = sendready_lambda::ports::registry::fnv1a(&event.id).is_multiple_of(self.every);
        if pick
            && self
                .failed
                .lock()
                .is_ok_and(|mut f| f.insert(event.id.clone()))
        {
            return Err(AwsError::service(
                "DynamoDB",
                "Recording an SES event",
                "ProvisionedThroughputExceededException",
                "failed on purpose by the bench",
            ));
        }
        self.inner.record(key, event, hour).await
    }
    async fn recent(&self, key: &str, limit: usize) -> Result<Vec<SesEvent>, AwsError> {
        self.inner.recent(key, limit).await
    }
    async fn counts(&self, key: &str, since_hour: &str) -> Result<Vec<(String, Counts)>, AwsError> {
        self.inner.counts(key, since_hour).await
    }
}

/// The events service over the table, one event in `every` failing its first write.
pub fn flaky_events(aws: &Aws, every: u32) -> Events {
    Events {
        store: Arc::new(Flaky {
            inner: aws.events.clone(),
            every,
            failed: Mutex::new(HashSet::new()),
        }),
    }
}
