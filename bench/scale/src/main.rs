//! `bench/run scale|events|fairness` (issue 23): what Sendready costs at a platform's size,
//! against moto with a recording proxy before it that counts DynamoDB's requests, items
//! and bytes per operation (moto reports no consumed capacity).
//!
//! - `scale`: seeds 100, 1,000 and 10,000 tenants (each with a user and an email identity
//!   made through the API), and one tenant with a realistic history (100,000 SES events,
//!   a week of hourly counts, thousands of limit counters, settings changes and SMTP
//!   transcripts), then prints for each route the DynamoDB requests, items and bytes one
//!   request reads, and for the reconciler and the tracker the items each run reads and
//!   whether it finished within its budget.
//! - `events`: 20,000 SES events of one tenant through moto's SQS with 1 % delivered
//!   twice and some writes failed on purpose, taken in batches of 10 by parallel workers
//!   as Lambda's event source mapping does: lost, counted twice, left in the dead-letter
//!   queue, and events a second.
//! - `fairness`: see `fairness.rs`.

mod fairness;
mod harness;

use harness::{Api, Stack, table_items};
use sendready_lambda::ports::registry::now_secs;
use serde_json::{Value, json};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    match what.as_str() {
        "scale" => scale().await,
        "events" => events().await,
        "fairness" => fairness::run().await,
        _ => {
            eprintln!("usage: sendready-bench-scale scale|events|fairness");
            std::process::exit(2);
        }
    }
}

/// The routes one request of the probe tenant is measured on.
const ROUTES: &[(&str, &str, Option<&str>)] = &[
    ("GET", "/v1/identities", None),
    ("GET", "/v1/identities/acme.example.com", None),
    ("GET", "/v1/identities/acme.example.com/history", None),
    ("GET", "/v1/tenant", None),
    ("GET", "/v1/events", None),
    ("GET", "/v1/events?type=bounce", None),
    ("GET", "/v1/settings", None),
    ("GET", "/v1/settings/history", None),
    ("GET", "/v1/settings/smtp-debug", None),
    (
        "POST",
        "/v1/sender/check",
        Some(r#"{"from":"billing@acme.example.com"}"#),
    ),
];

async fn scale() {
    let stack = Stack::start().await;
    let seed = stack.api(false);
    let counted = stack.api(true);
    // The probe tenant: two users and its domain.
    seed.users(
        "acme",
        &["billing@acme.example.com", "ops@acme.example.com"],
    )
    .await;
    for identity in ["acme.example.com"] {
        let (s, v) = seed
            .call(
                "acme",
                "POST",
                "/v1/identities",
                Some(json!({ "identity": identity })),
            )
            .await;
        assert!(s.is_success(), "{identity}: {s} {v}");
    }
    println!(
        "| tenants | probe's history | route | DynamoDB requests | items read | bytes read | status |"
    );
    println!("| ---: | --- | --- | ---: | ---: | ---: | --- |");
    // `SENDREADY_BENCH_TIERS` (tenant counts) and `SENDREADY_BENCH_HISTORY` (the probe's
    // events) make a quick run smaller.
    let tiers: Vec<usize> = std::env::var("SENDREADY_BENCH_TIERS")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let history_events: usize = std::env::var("SENDREADY_BENCH_HISTORY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (first, last) = (tiers[0], tiers[tiers.len() - 1]);
    // The probe's history grows from none to 1,000 events (with the counters, settings
    // changes and transcripts) to all of them, then the tenants grow around it.
    let small = 1_000.min(history_events);
    let mut plan = vec![(first, 0), (first, small)];
    plan.extend(tiers.iter().map(|t| (*t, history_events)));
    let mut seeded = 0;
    let mut written = 0;
    let mut rows: Vec<(usize, usize, &str, u64, u64, u64)> = Vec::new();
    for (tier, history) in plan {
        if seeded < tier {
            let t0 = Instant::now();
            // With the probe, `tier` tenants and as many SES identities: 10,000 is SES's
            // quota per region, which the local SES enforces as SES does.
            seed.tenants(seeded, tier - 1).await;
            eprintln!(
                "seeded tenants {seeded}..{tier} in {:.0} s",
                t0.elapsed().as_secs_f64()
            );
            seeded = tier;
        }
        if history > written {
            let t0 = Instant::now();
            stack.history("acme", written..history, written == 0).await;
            eprintln!(
                "seeded acme's events {written}..{history} in {:.0} s",
                t0.elapsed().as_secs_f64()
            );
            written = history;
        }
        let label = if history == 0 {
            "none".to_owned()
        } else {
            format!("{history} events")
        };
        for (method, path, body) in ROUTES {
            stack.proxy.reset().await;
            let (status, _) = counted
                .call(
                    "acme",
                    method,
                    path,
                    body.map(|b| serde_json::from_str(b).unwrap_or(Value::Null)),
                )
                .await;
            let c = stack.proxy.read().await;
            println!(
                "| {tier} | {label} | `{method} {path}` | {} | {} | {} | {} |",
                c.requests,
                c.items,
                c.bytes_read,
                status.as_u16()
            );
            rows.push((tier, history, path, c.requests, c.items, c.bytes_read));
        }
        stack.proxy.reset().await;
        let (status, _) = counted.admin("GET", "/v1/platform", None).await;
        let c = stack.proxy.read().await;
        println!(
            "| {tier} | {label} | `GET /v1/platform` (admin) | {} | {} | {} | {} |",
            c.requests,
            c.items,
            c.bytes_read,
            status.as_u16()
        );
        runs(&stack, &counted, tier).await;
    }
    // Flat: each route's reads at 10,000 tenants and 100,000 events against 100 and none.
    let mut worst: f64 = 1.0;
    for (_, _, path, _, items, _) in rows.iter().filter(|r| r.0 == last && r.1 == history_events) {
        let base = rows
            .iter()
            .find(|r| r.0 == first && r.1 == small && r.2 == *path)
            .map_or(0, |r| r.4);
        #[allow(clippy::cast_precision_loss)]
        let ratio = (*items).max(1) as f64 / base.max(1) as f64;
        worst = worst.max(ratio);
    }
    println!(
        "\nitems read per request at {last} tenants with {history_events} events / at {first} tenants with {small}: at most {worst:.2}x (goal: flat, 1x)"
    );
    println!(
        "table items at the end: {}",
        table_items(&stack.direct).await
    );
}

/// The reconciler's and the tracker's runs at this size: items read per run, pages, and
/// whether each ended within its budget; runs until the reconciler's pass finishes.
async fn runs(stack: &Stack, counted: &Api, tier: usize) {
    let reconciler = counted.aws.reconciler();
    let mut n = 0;
    loop {
        n += 1;
        stack.proxy.reset().await;
        let t0 = Instant::now();
        let r = match reconciler.run().await {
            Ok(r) => r,
            Err(p) => {
                println!("reconciler run {n} at {tier} tenants failed: {}", p.detail);
                break;
            }
        };
        let took = t0.elapsed();
        let c = stack.proxy.read().await;
        println!(
            "reconciler at {tier} tenants, run {n}: {} pages, {} SES names, {} owners, {} DynamoDB requests, {} items read, {:.1} s (budget 15 s + the last page), finished {}",
            r.pages,
            r.ses_identities,
            r.registry_identities,
            c.requests,
            c.items,
            took.as_secs_f64(),
            r.finished
        );
        // A pass at 10,000 takes more runs than the bench waits for: eight show each run
        // within its budget and going on from the cursor.
        if r.finished {
            break;
        }
        if n >= 8 {
            println!(
                "reconciler at {tier} tenants: pass under way after {n} runs, cursor at pass {} walk {:?} shard {} (the next run goes on from it)",
                r.cursor.pass, r.cursor.walk, r.cursor.shard
            );
            break;
        }
    }
    // Every identity due: the tracker at a day from now, a batch per run.
    let tracker = counted.aws.tracker(counted.resolver.clone());
    for run in 1..=3 {
        stack.proxy.reset().await;
        let t0 = Instant::now();
        match tracker.run(now_secs() + 86_400).await {
            Ok(r) => {
                let c = stack.proxy.read().await;
                println!(
                    "tracker at {tier} tenants, run {run}: looked at {}, deferred {}, failed {}, {} DynamoDB requests, {} items read, {:.1} s (deadline 10 s)",
                    r.looked,
                    r.deferred,
                    r.failed.len(),
                    c.requests,
                    c.items,
                    t0.elapsed().as_secs_f64()
                );
            }
            Err(p) => println!("tracker run failed: {}", p.detail),
        }
    }
}

async fn events() {
    let stack = Stack::start().await;
    let api = stack.api(false);
    let total: usize = std::env::var("SENDREADY_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let workers: usize = 8;
    let (url, dlq) = stack.queue("sendready-ses-events", 5, 5).await;
    // The events: bounces of distinct messages, 1 % of them put on the queue twice.
    let t0 = Instant::now();
    let mut bodies: Vec<String> = (0..total)
        .map(|i| harness::bounce(&format!("0100-{i:06}")).to_string())
        .collect();
    bodies.extend(
        (0..total)
            .step_by(100)
            .map(|i| harness::bounce(&format!("0100-{i:06}")).to_string()),
    );
    let queued = bodies.len();
    // One event in 50 fails its first write (a throttled or conflicting transaction).
    let events = harness::flaky_events(&api.aws, 50);
    // Delivered while the workers take them, as EventBridge does (moto's queue costs grow
    // with its depth, SQS's do not).
    let producing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let send = async {
        for chunk in bodies.chunks(500) {
            // A few hundred waiting at most: delivered as fast as they are taken.
            while stack.depth(&url).await > 1_000 {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            stack.send_all(&url, chunk.to_vec()).await;
        }
        producing.store(false, std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "queued {queued} deliveries in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
    };
    let (consumed, ()) = tokio::join!(
        stack.consume(&url, workers, events, producing.clone()),
        send
    );
    let took = consumed.busy.as_secs_f64();
    let (_, view) = api.call("acme", "GET", "/v1/tenant", None).await;
    let counted = view["rates"][0]["counts"]["bounced"].as_u64().unwrap_or(0);
    let dead = stack.depth(&dlq).await;
    let left = stack.depth(&url).await;
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / took;
    println!(
        "events: {total} events, {queued} deliveries ({} duplicates), {} failed first writes redelivered, {workers} workers in batches of 10",
        queued - total,
        consumed.redelivered
    );
    println!(
        "events: counted {counted} (lost {}, counted twice {}), left in the queue {left}, in the dead-letter queue {dead}",
        total.saturating_sub(usize::try_from(counted).unwrap_or(0)),
        usize::try_from(counted).unwrap_or(0).saturating_sub(total)
    );
    println!(
        "events: {rate:.0} events a second ({took:.1} s from the first receive to the last delete), against moto in one Python process"
    );
}
