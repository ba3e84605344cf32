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
    // Eleven includes, each a record of its own.
    let many: Vec<String> = (1..=11)
        .map(|i| format!("include:_{i}.many.example"))
        .collect();
    records.push(txt(
        "many.example",
        &format!("v=spf1 {} -all", many.join(" ")),
    ));
    for i in 1..=11 {
        records.push(txt(
            &format!("_{i}.many.example"),
            "v=spf1 ip4:192.0.2.1 -all",
        ));
    }
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
