//! Address-check throughput: `sendready_core::address::check_address` against Python
//! `email-validator` (syntax only, `check_deliverability=False`), on the isemail corpus,
//! measured in the same run. Prints both rates and their ratio.
//!
//! Usage: `bench/run address` (builds in release, installs the peer in a venv).
//! Arguments: `<python> <peer.py>`; the corpus is found as the conformance tests find it.

use sendready_core::address::{AddressOptions, check_address};

/// The corpus reader the conformance tests use (`SENDREADY_CORPORA` or `../shared/corpora`).
#[path = "../../../crates/core/tests/corpus.rs"]
mod corpus;
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

/// Addresses per second for our check: best of five rounds of `rounds` passes.
fn ours(addresses: &[String], rounds: usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut valid = 0;
    for _ in 0..5 {
        let start = Instant::now();
        valid = 0;
        for _ in 0..rounds {
            for a in addresses {
                if black_box(check_address(black_box(a), AddressOptions::default())).valid {
                    valid += 1;
                }
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let rate = (addresses.len() * rounds) as f64 / best;
    (rate, valid / rounds)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} <python> <peer.py>", args[0]);
        std::process::exit(2);
    }
    let addresses: Vec<String> = corpus::isemail_cases()
        .into_iter()
        .map(|c| c.address)
        .collect();
    let rounds = 200;
    let json = serde_json::to_string(&addresses).unwrap_or_default();
    let tmp = std::env::temp_dir().join("sendready-bench-addresses.json");
    if let Err(e) = std::fs::write(&tmp, json) {
        eprintln!("cannot write {}: {e}", tmp.display());
        std::process::exit(2);
    }
    let (rate, valid) = ours(&addresses, rounds);
    let peer = Command::new(&args[1])
        .arg(&args[2])
        .arg(&tmp)
        .arg(rounds.to_string())
        .output();
    let peer = match peer {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => {
            eprintln!("peer failed: {}", String::from_utf8_lossy(&o.stderr));
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", args[1]);
            std::process::exit(1);
        }
    };
    let mut parts = peer.split_whitespace();
    let peer_rate: f64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let peer_valid: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    println!(
        "corpus: isemail tests.xml, {} addresses x {rounds} rounds, best of 5",
        addresses.len()
    );
    println!("sendready-core check_address        {rate:>12.0} addresses/s  ({valid} valid)");
    println!(
        "python email-validator (syntax only) {peer_rate:>12.0} addresses/s  ({peer_valid} valid)"
    );
    if peer_rate > 0.0 {
        println!(
            "ratio: sendready is {:.1}x email-validator",
            rate / peer_rate
        );
    }
}
