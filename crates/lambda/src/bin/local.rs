//! `sendready-local`: the whole API on 127.0.0.1 with `axum::serve`, verifying locally
//! signed JWTs in place of API Gateway's authorizer.
//!
//! Environment: `SENDREADY_LISTEN` (default 127.0.0.1:8787), `SENDREADY_JWT_SECRET`
//! (required), `SENDREADY_JWT_ISSUER` / `SENDREADY_JWT_AUDIENCE` (default
//! `sendready-local`), `SENDREADY_TENANT_CLAIM` (default `tenant`), and the adapter
//! settings of [`sendready_lambda::config::Config`].
//!
//! `sendready-local --mint-token <tenant> [--admin | --reader]` prints a token for the
//! tenant (valid for 12 hours, signed with the same secret) and exits: by default one of
//! the tenant's mail administrators (`sendready/settings`), with `--reader` an ordinary
//! user (reads and tests settings, cannot change them), with `--admin` the platform. `sendready-local --reconcile`
//! compares the registry with SES, repairs what it safely can, prints the report as JSON
//! and exits (the `sendready-reconcile` function's job in AWS).
//!
//! With `SENDREADY_LOCAL_TRACK_SECONDS` it also does what the schedule and
//! `sendready-track` do in AWS: it runs the verification tracker that often (the local
//! stack compresses the tracker's times with `SENDREADY_TRACK_TIME_SCALE`).
//!
//! With `SENDREADY_LOCAL_SES_EVENTS` (the local SES's base URL) it also does what the
//! EventBridge rule and `sendready-events` do in AWS: every second it reads the events the
//! local SES published (`GET /_sendready/ses/events`) and consumes each new EventBridge
//! event, so the tenant's events and rates follow its sends.
//!
//! With `SENDREADY_LOCAL_QUEUES=1` it makes the deployment's queues in the local SQS
//! (moto): `sendready-ses-events` and `sendready-sends`, each with a `-dlq` dead-letter
//! queue, and does what Lambda's event source mappings do in AWS: it receives from each
//! in batches of 10, hands the batch to the events consumer or the send worker, and
//! deletes what their partial batch response does not name. The local SES's events then
//! go through the events queue, `Prefer: respond-async` sends through the send queue,
//! and `GET /v1/platform` shows both queues' depths.

use axum::middleware;
use sendready_lambda::adapters::dynamodb::DynamoRegistry;
use sendready_lambda::adapters::sqs::Sqs;
use sendready_lambda::auth::{LocalJwt, local_jwt};
use sendready_lambda::config::Config;
use sendready_lambda::routes::router_with;
use sendready_lambda::service::events::Events;
use sendready_lambda::state::{self, Aws};
use sendready_lambda::{AppState, adapters};
use std::sync::Arc;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(e) = run().await {
        eprintln!("sendready-local: {e}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), String> {
    let secret = std::env::var("SENDREADY_JWT_SECRET")
        .map_err(|_| "set SENDREADY_JWT_SECRET to the secret that signs local tokens".to_owned())?;
    let jwt = LocalJwt::new(
        secret.as_bytes(),
        &env("SENDREADY_JWT_ISSUER", "sendready-local"),
        &env("SENDREADY_JWT_AUDIENCE", "sendready-local"),
        &env("SENDREADY_TENANT_CLAIM", "tenant"),
    );
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--mint-token") {
        let tenant = args
            .get(i + 1)
            .filter(|t| !t.starts_with("--"))
            .ok_or("--mint-token needs the tenant: sendready-local --mint-token acme [--admin]")?;
        let scopes: &[&str] = if args.iter().any(|a| a == "--admin") {
            &[sendready_lambda::auth::ADMIN_SCOPE]
        } else if args.iter().any(|a| a == "--reader") {
            &[]
        } else {
            &[sendready_lambda::auth::SETTINGS_SCOPE]
        };
        println!("{}", jwt.mint("local-user", tenant, scopes, 12 * 3600));
        return Ok(());
    }
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    let conf = adapters::sdk::sdk_config().await;
    let sqs = Sqs::from_conf(&conf);
    let local_queues = std::env::var("SENDREADY_LOCAL_QUEUES").is_ok_and(|v| v == "1");
    if local_queues {
        // As the template makes them, with short visibility timeouts: a message handed
        // back comes again in seconds, not minutes.
        let (events, events_dlq) = sqs
            .ensure_queue("sendready-ses-events", 5, 5)
            .await
            .map_err(|e| e.to_string())?;
        let (send, send_dlq) = sqs
            .ensure_queue("sendready-sends", 5, 10)
            .await
            .map_err(|e| e.to_string())?;
        config.queues = sendready_lambda::config::QueueUrls {
            send: Some(send),
            send_dlq: Some(send_dlq),
            events: Some(events),
            events_dlq: Some(events_dlq),
        };
    }
    // Locally (moto) the table is made here; in AWS the template makes it.
    DynamoRegistry::from_conf(&conf, &config.table)
        .ensure_table()
        .await
        .map_err(|e| e.to_string())?;
    let aws = Aws::from_config(&conf, &config);
    if args.iter().any(|a| a == "--reconcile") {
        let report = aws
            .reconciler()
            .run()
            .await
            .map_err(|p| format!("reconciling failed: {}", p.detail))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let events_queue = config.queues.events.clone().filter(|_| local_queues);
    if let Ok(base) = std::env::var("SENDREADY_LOCAL_SES_EVENTS") {
        tokio::spawn(relay_events(
            base,
            aws.events_service(),
            sqs.clone(),
            events_queue.clone(),
        ));
    }
    let smtp = state::smtp(&config, aws.limiter.clone()).map_err(|e| e.to_string())?;
    let resolver = state::resolver(&config).map_err(|e| e.to_string())?;
    if let Ok(secs) = std::env::var("SENDREADY_LOCAL_TRACK_SECONDS") {
        let every = secs.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
            format!("SENDREADY_LOCAL_TRACK_SECONDS must be seconds, not {secs:?}")
        })?;
        tokio::spawn(track(aws.tracker(resolver.clone()), every));
    }
    let mut state = AppState::new(&aws, smtp, resolver, &config.hosted_zones);
    if let Some(url) = events_queue {
        let events = aws.events_service();
        tokio::spawn(poll(sqs.clone(), url, move |batch| {
            let events = events.clone();
            async move { events.consume_batch(&batch).await }
        }));
    }
    if let Some(url) = config.queues.send.clone().filter(|_| local_queues) {
        let messages = state.messages.clone();
        tokio::spawn(poll(sqs.clone(), url, move |batch| {
            let messages = messages.clone();
            async move { messages.consume_batch(&batch).await }
        }));
    }
    state.test_mail = Arc::new(aws.test_mail(config.test_mail_any_recipient));
    let app = router_with(state, config.request_deadline)
        .layer(middleware::from_fn_with_state(jwt, local_jwt));
    let listen = env("SENDREADY_LISTEN", "127.0.0.1:8787");
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    tracing::info!(%listen, "sendready-local listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// The local stand-in for the schedule and `sendready-track`: a run every `every` seconds.
async fn track(tracker: sendready_lambda::service::track::Tracker, every: u64) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(every)).await;
        if let Err(p) = tracker
            .run(sendready_lambda::ports::registry::now_secs())
            .await
        {
            tracing::warn!(error = %p.detail, "tracking run failed");
        }
    }
}

/// The local stand-in for a Lambda event source mapping on `url`: batches of up to 10
/// handed to `handle`, what its partial batch response does not name deleted.
async fn poll<F, Fut>(sqs: Sqs, url: String, handle: F)
where
    F: Fn(serde_json::Value) -> Fut + Clone,
    Fut: std::future::Future<Output = serde_json::Value>,
{
    loop {
        match sqs.receive(&url, 10, 1).await {
            Ok(received) if received.is_empty() => {}
            Ok(received) => {
                sqs.drain(&url, received, handle.clone()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, queue = %url, "receiving from the local queue");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// The local stand-in for the EventBridge rule (to the events queue when there is one)
/// and `sendready-events`: each new EventBridge event the local SES published, once a
/// second, put on the queue or consumed at once.
async fn relay_events(base: String, events: Events, sqs: Sqs, queue: Option<String>) {
    let mut seen = 0usize;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let list = match published(&base).await {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(error = %e, "reading the local SES's events");
                continue;
            }
        };
        // The local SES restarted: its list starts again.
        if list.len() < seen {
            seen = 0;
        }
        for entry in &list[seen..] {
            if entry["kind"] != "eventbridge" {
                continue;
            }
            if let Some(url) = &queue {
                if let Err(e) = sqs.send_plain(url, &entry["event"].to_string()).await {
                    tracing::warn!(error = %e, "local SES event not queued");
                }
                continue;
            }
            match events.consume(&entry["event"]).await {
                Ok(c) => tracing::info!(outcome = ?c, "local SES event consumed"),
                Err(e) => tracing::warn!(error = %e, "local SES event not stored"),
            }
        }
        seen = list.len();
    }
}

/// `GET {base}/_sendready/ses/events`, over plain HTTP/1.0 (the local SES on 127.0.0.1).
async fn published(base: &str) -> Result<Vec<serde_json::Value>, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hostport = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut s = tokio::net::TcpStream::connect(&hostport)
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(
        format!("GET /_sendready/ses/events HTTP/1.0\r\nHost: {hostport}\r\n\r\n").as_bytes(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    Ok(v["events"].as_array().cloned().unwrap_or_default())
}
