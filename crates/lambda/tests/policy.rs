//! Live SPF and DMARC (issue 15) against dnsmasq: includes and a redirect followed with
//! the lookups counted, a loop, more than ten lookups, void lookups, two SPF records, an
//! include of a domain without SPF; the DMARC tree walk to a parent's record, the report
//! authorization record, and a suggestion only where no record applies.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::Dnsmasq;
use sendready_lambda::adapters::hickory::Dns;
use sendready_lambda::service::policy::{live_dmarc, live_spf};
use std::time::Duration;

fn txt(name: &str, text: &str) -> (&'static str, String, Vec<String>) {
    ("txt", name.to_owned(), vec![text.to_owned()])
}

fn dns(records: &[(&'static str, String, Vec<String>)]) -> (Dnsmasq, Dns) {
    let recs: Vec<common::Rec<'_>> = records
        .iter()
        .map(|(k, n, v)| (*k, n.as_str(), v.clone()))
        .collect();
    let d = Dnsmasq::start(&recs);
    let r = Dns::new(Some(d.addr), Duration::from_secs(1)).unwrap();
    (d, r)
}

/// `many.example`: eleven includes, each a record of its own.
fn eleven_includes() -> Vec<(&'static str, String, Vec<String>)> {
    let many: Vec<String> = (1..=11)
        .map(|i| format!("include:_{i}.many.example"))
        .collect();
    let mut records = vec![txt(
        "many.example",
        &format!("v=spf1 {} -all", many.join(" ")),
    )];
    records
        .extend((1..=11).map(|i| txt(&format!("_{i}.many.example"), "v=spf1 ip4:192.0.2.1 -all")));
    records
}

fn codes(issues: &[sendready_core::Issue]) -> Vec<&'static str> {
    issues.iter().map(|i| i.code.as_str()).collect()
}

#[tokio::test]
async fn spf_is_followed_through_includes_and_redirects_with_its_limits() {
    let mut records = vec![
        // Two includes, one of them SES's, and a redirect chain: 3 lookups, nothing to do.
        txt(
            "ok.example",
            "v=spf1 include:_spf.ok.example include:amazonses.com -all",
        ),
        txt(
            "_spf.ok.example",
            "v=spf1 ip4:192.0.2.0/24 redirect=_r.ok.example",
        ),
        txt("_r.ok.example", "v=spf1 ip4:198.51.100.0/24 -all"),
        // A record without SES: merged.
        txt("plain.example", "v=spf1 ip4:192.0.2.1 -all"),
        // A loop.
        txt("loop.example", "v=spf1 include:_a.loop.example -all"),
        txt("_a.loop.example", "v=spf1 include:loop.example -all"),
        // Two SPF records.
        txt("two.example", "v=spf1 -all"),
        txt("two.example", "v=spf1 ip4:192.0.2.1 -all"),
        // An include of a domain with no SPF, and void lookups.
        txt(
            "void.example",
            "v=spf1 include:gone1.example include:gone2.example include:gone3.example -all",
        ),
    ];
    records.extend(eleven_includes());
    let (_d, r) = dns(&records);

    let ok = live_spf(&r, "ok.example").await;
    assert_eq!(
        (ok.lookups, ok.void_lookups, ok.includes_amazonses),
        (3, 0, true),
        "{ok:?}"
    );
    assert!(ok.to_publish.is_none(), "{ok:?}");

    let plain = live_spf(&r, "plain.example").await;
    assert_eq!(
        plain.to_publish.as_deref(),
        Some("v=spf1 ip4:192.0.2.1 include:amazonses.com -all")
    );

    let none = live_spf(&r, "nothing.example").await;
    assert_eq!(
        none.to_publish.as_deref(),
        Some("v=spf1 include:amazonses.com ~all")
    );

    let looped = live_spf(&r, "loop.example").await;
    assert!(
        codes(&looped.issues).contains(&"spf-include-loop"),
        "{looped:?}"
    );

    let two = live_spf(&r, "two.example").await;
    assert_eq!(codes(&two.issues), ["spf-multiple-records"]);
    assert!(two.to_publish.is_none());

    let void = live_spf(&r, "void.example").await;
    assert_eq!(void.void_lookups, 3, "{void:?}");
    let c = codes(&void.issues);
    assert!(
        c.contains(&"spf-include-missing") && c.contains(&"spf-void-lookup-limit"),
        "{c:?}"
    );

    let many = live_spf(&r, "many.example").await;
    assert_eq!(many.lookups, 11);
    assert!(
        codes(&many.issues).contains(&"spf-lookup-limit"),
        "{many:?}"
    );
}

#[tokio::test]
async fn dmarc_is_found_by_the_tree_walk_and_report_addresses_are_checked() {
    let (_d, r) = dns(&[
        txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@reports.example.net,mailto:x@reports.example.org",
        ),
        // reports.example.net accepts example.com's reports; reports.example.org does not.
        txt("example.com._report._dmarc.reports.example.net", "v=DMARC1"),
        txt("_dmarc.own.example", "v=DMARC1; p=none"),
    ]);
    // A subdomain without its own record: the parent's applies, nothing is suggested.
    let sub = live_dmarc(&r, "mail.acme.example.com").await;
    assert_eq!(
        sub.found_at.as_deref(),
        Some("_dmarc.example.com"),
        "{sub:?}"
    );
    assert!(sub.to_publish.is_none());
    let c = codes(&sub.issues);
    assert_eq!(
        c.iter()
            .filter(|c| **c == "dmarc-report-unauthorized")
            .count(),
        1,
        "{sub:?}"
    );
    assert!(
        sub.issues
            .iter()
            .any(|i| i.message.contains("reports.example.org")),
        "{sub:?}"
    );

    let own = live_dmarc(&r, "own.example").await;
    assert_eq!(own.found_at.as_deref(), Some("_dmarc.own.example"));
    assert!(codes(&own.issues).contains(&"dmarc-policy-none"));

    // Nothing at the domain or a parent: a record is suggested.
    let none = live_dmarc(&r, "bare.example").await;
    assert!(none.found_at.is_none());
    assert_eq!(none.to_publish.unwrap().name, "_dmarc.bare.example");
}

#[tokio::test]
async fn past_its_dns_budget_an_spf_walk_says_unknown_never_missing() {
    use sendready_lambda::ports::dns::{Budgeted, DnsBudget};
    let (_d, r) = dns(&eleven_includes());
    let budget = DnsBudget {
        lookups: 5,
        time: Duration::from_secs(10),
    };
    let b = Budgeted::new(&r, budget);
    let many = live_spf(&b, "many.example").await;
    assert!(b.spent());
    let c = codes(&many.issues);
    // The record and 4 includes read; the other 7 unknown, none called missing.
    assert_eq!(
        c.iter().filter(|c| **c == "dns-lookup-failed").count(),
        7,
        "{many:?}"
    );
    assert!(!c.contains(&"spf-include-missing"), "{many:?}");
    assert!(
        many.issues
            .iter()
            .any(|i| i.message.contains("budget of 5 lookups")),
        "{many:?}"
    );

    // Spent before the walk starts: nothing to publish while SPF is unknown.
    let top = live_spf(&b, "many.example").await;
    assert_eq!(codes(&top.issues), ["dns-lookup-failed"], "{top:?}");
    assert!(
        top.to_publish.is_none() && top.records.is_empty(),
        "{top:?}"
    );
    let dmarc = live_dmarc(&b, "many.example").await;
    assert_eq!(codes(&dmarc.issues), ["dns-lookup-failed"], "{dmarc:?}");
    assert!(dmarc.to_publish.is_none(), "{dmarc:?}");
}

/// A name server that takes every query and never answers (UDP and TCP on one port).
struct BlackHole {
    addr: std::net::SocketAddr,
    _udp: std::net::UdpSocket,
    _tcp: std::net::TcpListener,
}

fn black_hole() -> BlackHole {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = udp.local_addr().unwrap();
        // The kernel completes TCP handshakes for a listener nobody accepts on.
        if let Ok(tcp) = std::net::TcpListener::bind(addr) {
            return BlackHole {
                addr,
                _udp: udp,
                _tcp: tcp,
            };
        }
    }
}

#[tokio::test]
async fn a_policy_check_against_a_name_server_that_never_answers_ends_within_its_dns_budget() {
    use axum::http::{Method, StatusCode};
    use sendready_lambda::ports::dns::DnsBudget;
    use serde_json::json;
    let moto = common::Moto::start();
    let hole = black_hole();
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let mut aws = sendready_lambda::state::Aws::from_sdk(&conf, "sendready-tenants");
    aws.limits.dns_budget = DnsBudget {
        lookups: 40,
        time: Duration::from_millis(1500),
    };
    // 1 s a try and 2 tries a lookup: without the budget, the two SPF lookups and the
    // DMARC walk's 3 would wait 20 s.
    let resolver = std::sync::Arc::new(Dns::new(Some(hole.addr), Duration::from_secs(1)).unwrap());
    let app = common::app_of(sendready_lambda::AppState::new(
        &aws,
        common::default_smtp(),
        resolver,
        &[],
    ));
    common::users(&app, "acme", &["ops@acme.example.com"]).await;
    common::create_as(&app, "acme", json!({ "identity": "acme.example.com" })).await;
    let path = "/v1/identities/acme.example.com/policy";
    let start = std::time::Instant::now();
    let (status, p) = common::call_as(&app, "acme", Method::GET, path, None).await;
    let took = start.elapsed();
    assert_eq!(status, StatusCode::OK, "{p}");
    assert!(took < Duration::from_secs(8), "took {took:?}: {p}");
    let spf: Vec<&str> = p["spf"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(spf, ["dns-lookup-failed", "dns-budget-spent"], "{p}");
    assert!(p["spf"].get("toPublish").is_none(), "{p}");
    // DMARC's walk starts with the budget spent: unknown, and said once, in SPF.
    assert_eq!(p["dmarc"]["issues"][0]["code"], "dns-lookup-failed", "{p}");
    assert_eq!(p["dmarc"]["issues"].as_array().unwrap().len(), 1, "{p}");
    assert!(p["dmarc"].get("toPublish").is_none(), "{p}");
}
