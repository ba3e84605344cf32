//! `bench/run fairness` (issue 23.4): tenant A has an SMTP server that answers each step
//! just under the step timeout (a tarpit) and a domain whose name server answers each
//! query just under the lookup timeout, and hammers the routes that wait on them (SMTP
//! checks, Verify); tenant B does ordinary work beside it (an SMTP check of its own
//! prompt server, Verify of its own prompt domain, its identity list). B's latency is
//! measured alone first and then beside A, in the same run.
//!
//! The API runs in process behind the concurrency Lambda's reserved concurrency gives
//! each function (10 at once per function; beyond, the invoke is throttled and API
//! Gateway answers 429), so what A can take from B is what it could take in AWS. The
//! SMTP servers and the name server are the bench's own, on 127.0.0.1.

use crate::harness::{Api, Stack};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Semaphore;

/// Lambda's reserved concurrency per function in the templates.
const FUNCTION_CONCURRENCY: usize = 10;
/// The SMTP step timeout the bench runs with, and the tarpit's delay under it.
const STEP_MS: u64 = 1_000;
const TARPIT_MS: u64 = 900;
/// The resolver's lookup timeout is 2 s; the slow name server answers under it.
const SLOW_DNS_MS: u64 = 1_800;

/// An SMTP server answering every line after `delay`.
async fn smtp_server(delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map_or(0, |a| a.port());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                tokio::time::sleep(delay).await;
                if w.write_all(b"220 bench ESMTP\r\n").await.is_err() {
                    return;
                }
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-bench\r\n250 SIZE 10240000\r\n",
                        "QUIT" => b"221 bye\r\n",
                        "DATA" => b"354 go on\r\n",
                        _ => b"250 OK\r\n",
                    };
                    tokio::time::sleep(delay).await;
                    if w.write_all(reply).await.is_err() || verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// A name server answering NXDOMAIN for every name, after `SLOW_DNS_MS` for names with
/// the label `slow`, at once for others.
async fn name_server() -> u16 {
    let socket = Arc::new(
        tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let port = socket.local_addr().map_or(0, |a| a.port());
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                continue;
            };
            if n < 12 {
                continue;
            }
            let mut answer = buf[..n].to_vec();
            // QR, the opcode and RD kept, RA, NXDOMAIN; no answers, no others.
            answer[2] = 0x80 | (buf[2] & 0x79);
            answer[3] = 0x83;
            answer[6..12].fill(0);
            let slow = buf[12..n].windows(5).any(|w| w == b"\x04slow");
            let socket = socket.clone();
            tokio::spawn(async move {
                if slow {
                    tokio::time::sleep(Duration::from_millis(SLOW_DNS_MS)).await;
                }
                let _ = socket.send_to(&answer, from).await;
            });
        }
    });
    port
}

/// Which function a route is served by (the templates' split by privilege).
fn function_of(path: &str) -> &'static str {
    if path.starts_with("/v1/smtp/check") {
        "smtp-check"
    } else {
        "identities"
    }
}

/// The API behind each function's reserved concurrency.
struct Throttled {
    api: Api,
    functions: HashMap<&'static str, Arc<Semaphore>>,
}

impl Throttled {
    async fn call(
        &self,
        tenant: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> StatusCode {
        let Ok(_slot) = self.functions[function_of(path)]
            .clone()
            .try_acquire_owned()
        else {
            // Lambda throttles the invoke; API Gateway answers 429.
            return StatusCode::TOO_MANY_REQUESTS;
        };
        self.api.call(tenant, method, path, body).await.0
    }
}

fn check(port: u16) -> Value {
    json!({
        "host": "127.0.0.1", "port": port, "security": "none", "authentication": "none",
        "fromAddress": "billing@example.com", "allowPrivateHost": true
    })
}

/// One round of B's work: its three requests, each timed.
async fn b_round(t: &Throttled, fast: u16) -> Vec<(Duration, StatusCode)> {
    let mut out = Vec::new();
    for (method, path, body) in [
        ("POST", "/v1/smtp/check", Some(check(fast))),
        ("POST", "/v1/identities/b.example.com/verify", None),
        ("GET", "/v1/identities", None),
    ] {
        let t0 = Instant::now();
        let status = t.call("tenant-b", method, path, body).await;
        out.push((t0.elapsed(), status));
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(samples: &[(Duration, StatusCode)]) -> (Duration, Duration, String) {
    let mut d: Vec<Duration> = samples.iter().map(|s| s.0).collect();
    d.sort();
    let mut bad: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for s in samples.iter().filter(|s| !s.1.is_success()) {
        *bad.entry(s.1.as_u16()).or_default() += 1;
    }
    let bad = if bad.is_empty() {
        "all 2xx".to_owned()
    } else {
        bad.iter()
            .map(|(s, n)| format!("{n} answered {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (percentile(&d, 0.5), percentile(&d, 0.99), bad)
}

/// The bench.
pub async fn run() {
    let stack = Stack::start().await;
    let tarpit = smtp_server(Duration::from_millis(TARPIT_MS)).await;
    let fast = smtp_server(Duration::ZERO).await;
    let dns = name_server().await;
    let vars: HashMap<&str, String> = HashMap::from([
        ("SENDREADY_SMTP_STEP_TIMEOUT_MS", STEP_MS.to_string()),
        ("SENDREADY_ALLOW_PRIVATE_SMTP", "1".to_owned()),
        ("SENDREADY_SMTP_EXTRA_PORTS", format!("{tarpit},{fast}")),
        ("SENDREADY_DNS_SERVER", format!("127.0.0.1:{dns}")),
        // Out of the way: the per-minute limit is not what this measures.
        (
            "SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE",
            "100000".to_owned(),
        ),
    ]);
    let api = stack.api_with(false, |k| vars.get(k).cloned());
    for (tenant, domain) in [
        ("tenant-a", "slow.a.example.com"),
        ("tenant-b", "b.example.com"),
    ] {
        api.users(tenant, &[&format!("ops@{domain}")]).await;
        let (s, v) = api
            .call(
                tenant,
                "POST",
                "/v1/identities",
                Some(json!({ "identity": domain })),
            )
            .await;
        assert!(s.is_success(), "{domain}: {s} {v}");
    }
    let share = api.aws.limits.smtp_share.max;
    let t = Arc::new(Throttled {
        api,
        functions: HashMap::from([
            ("smtp-check", Arc::new(Semaphore::new(FUNCTION_CONCURRENCY))),
            ("identities", Arc::new(Semaphore::new(FUNCTION_CONCURRENCY))),
        ]),
    });
    let rounds = 100;
    let mut idle = Vec::new();
    for _ in 0..rounds {
        idle.extend(b_round(&t, fast).await);
    }
    // A hammers: 24 loops at once, half SMTP checks of the tarpit, half Verify of the
    // slow domain, for as long as B's rounds take.
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicU64; 3]> =
        Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let mut hammer = Vec::new();
    for i in 0..24 {
        let (t, stop, counts) = (t.clone(), stop.clone(), counts.clone());
        hammer.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let status = if i % 2 == 0 {
                    t.call("tenant-a", "POST", "/v1/smtp/check", Some(check(tarpit)))
                        .await
                } else {
                    t.call(
                        "tenant-a",
                        "POST",
                        "/v1/identities/slow.a.example.com/verify",
                        None,
                    )
                    .await
                };
                let k = match status {
                    s if s.is_success() => 0,
                    StatusCode::TOO_MANY_REQUESTS => 1,
                    _ => 2,
                };
                counts[k].fetch_add(1, Ordering::SeqCst);
                if k == 1 {
                    // A well-behaved client waits a moment after a 429.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut busy = Vec::new();
    for _ in 0..rounds {
        busy.extend(b_round(&t, fast).await);
    }
    stop.store(true, Ordering::SeqCst);
    for h in hammer {
        let _ = h.await;
    }
    let (i50, i99, ibad) = summary(&idle);
    let (b50, b99, bbad) = summary(&busy);
    println!(
        "fairness: tenant B's {} requests alone: p50 {:.1} ms, p99 {:.1} ms, {ibad}",
        idle.len(),
        i50.as_secs_f64() * 1e3,
        i99.as_secs_f64() * 1e3
    );
    println!(
        "fairness: tenant B's {} requests beside A: p50 {:.1} ms, p99 {:.1} ms, {bbad}",
        busy.len(),
        b50.as_secs_f64() * 1e3,
        b99.as_secs_f64() * 1e3
    );
    #[allow(clippy::cast_precision_loss)]
    let ratio = b99.as_secs_f64() / i99.as_secs_f64().max(1e-6);
    println!("fairness: B's p99 beside A / alone = {ratio:.2}x (goal: within 2x)");
    // Each of B's three requests on its own (every third sample is the same route).
    for (k, route) in ["SMTP check", "Verify", "identity list"].iter().enumerate() {
        let of = |v: &[(Duration, StatusCode)]| -> Vec<(Duration, StatusCode)> {
            v.iter().skip(k).step_by(3).copied().collect()
        };
        let (a50, a99, _) = summary(&of(&idle));
        let (c50, c99, _) = summary(&of(&busy));
        println!(
            "fairness:   {route}: alone p50 {:.1} ms p99 {:.1} ms, beside A p50 {:.1} ms p99 {:.1} ms",
            a50.as_secs_f64() * 1e3,
            a99.as_secs_f64() * 1e3,
            c50.as_secs_f64() * 1e3,
            c99.as_secs_f64() * 1e3
        );
    }
    println!(
        "fairness: tenant A (share {share} places, tarpit {TARPIT_MS} ms a step under a {STEP_MS} ms step timeout, name server {SLOW_DNS_MS} ms): {} answered, {} refused 429, {} other",
        counts[0].load(Ordering::SeqCst),
        counts[1].load(Ordering::SeqCst),
        counts[2].load(Ordering::SeqCst)
    );
    let _ = stack;
}
