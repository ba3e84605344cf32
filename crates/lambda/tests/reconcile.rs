//! The reconciler leaves the registry and SES consistent after the faults a create or a
//! delete can meet: a function that died after reserving (a phantom), a confirm that was
//! lost after SES created the identity, an identity deleted in SES directly, and an
//! identity SES holds under a tenant's tag whose reservation was given back (an orphan).
//! Untagged identities are not Sendready's and are left alone. Against moto with the
//! local SES.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::Moto;
use sendready_core::identity::IdentityKind;
use sendready_lambda::adapters::dynamodb::DynamoRegistry;
use sendready_lambda::ports::Registry;
use sendready_lambda::ports::registry::Owned;
use sendready_lambda::state::Aws;
use std::time::Duration;

fn reservation(identity: &str) -> Owned {
    let kind = if identity.contains('@') {
        IdentityKind::Email
    } else {
        IdentityKind::Domain
    };
    Owned::reservation(identity, kind)
}

async fn ses_create(ses: &aws_sdk_sesv2::Client, identity: &str, tenant: Option<&str>) {
    let mut call = ses.create_email_identity().email_identity(identity);
    if let Some(t) = tenant {
        call = call.tags(
            aws_sdk_sesv2::types::Tag::builder()
                .key("sendready:tenant")
                .value(t)
                .build()
                .unwrap(),
        );
    }
    call.send().await.unwrap();
}

#[tokio::test]
async fn the_reconciler_repairs_phantoms_lost_confirms_and_orphans_and_touches_nothing_else() {
    let moto = Moto::start();
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let registry = DynamoRegistry::from_conf(&conf, "sendready-tenants");
    let ses = aws_sdk_sesv2::Client::new(&conf);
    for (tenant, users) in [
        ("acme", vec!["ops@acme.example.com".to_owned()]),
        ("beta", vec!["ops@beta.example.com".to_owned()]),
        ("gamma", vec!["ops@gamma.example.com".to_owned()]),
    ] {
        registry.put_users(tenant, &users).await.unwrap();
    }

    // A function died after reserving: no SES identity.
    registry
        .reserve("acme", &reservation("acme.example.com"))
        .await
        .unwrap();
    // SES created it but the confirm was lost.
    registry
        .reserve("beta", &reservation("beta.example.com"))
        .await
        .unwrap();
    ses_create(&ses, "beta.example.com", Some("beta")).await;
    // Confirmed, then deleted in SES directly.
    registry
        .reserve("acme", &reservation("ops@acme-mail.example.org"))
        .await
        .unwrap();
    registry
        .confirm("acme", "ops@acme-mail.example.org")
        .await
        .unwrap();
    // An orphan: SES has it under gamma's tag, the registry has nothing.
    ses_create(&ses, "gamma.example.com", Some("gamma")).await;
    // Not Sendready's: no tag.
    ses_create(&ses, "someone-else.example.net", None).await;

    let mut reconciler = Aws::from_sdk(&conf, "sendready-tenants").reconciler();
    reconciler.stale_after = Duration::ZERO;
    let report = reconciler.run().await.unwrap();
    assert!(
        report.finished,
        "one run ends a pass of this size: {report:?}"
    );
    assert_eq!(report.phantoms_released.len(), 2, "{report:?}");
    assert!(
        report
            .phantoms_released
            .contains(&"acme acme.example.com".to_owned())
    );
    assert!(
        report
            .phantoms_released
            .contains(&"acme ops@acme-mail.example.org".to_owned())
    );
    assert_eq!(report.pending_confirmed, ["beta beta.example.com"]);
    assert_eq!(report.orphans_registered, ["gamma gamma.example.com"]);
    assert!(report.left_alone.is_empty(), "{report:?}");
    // Both are tracked now (made outside the API, they had no tracking).
    assert_eq!(
        report.tracking_started,
        ["beta beta.example.com", "gamma gamma.example.com"]
    );

    // Consistent now: acme holds nothing (its limits are free again), beta and gamma hold
    // their confirmed domains, and the untagged identity is untouched in SES.
    assert!(registry.get("acme").await.unwrap().identities.is_empty());
    let beta = registry.get("beta").await.unwrap();
    assert!(!beta.find("beta.example.com").unwrap().pending);
    let gamma = registry.get("gamma").await.unwrap();
    assert!(!gamma.find("gamma.example.com").unwrap().pending);
    ses.get_email_identity()
        .email_identity("someone-else.example.net")
        .send()
        .await
        .unwrap();

    // A second run finds nothing to do.
    let again = reconciler.run().await.unwrap();
    assert!(
        again.phantoms_released.is_empty()
            && again.pending_confirmed.is_empty()
            && again.orphans_registered.is_empty()
            && again.tracking_started.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.registry_identities, 2);

    // A fresh reservation (a create under way) is not taken for a phantom.
    registry
        .reserve("acme", &reservation("acme.example.com"))
        .await
        .unwrap();
    reconciler.stale_after = Duration::from_secs(30);
    let report = reconciler.run().await.unwrap();
    assert!(report.phantoms_released.is_empty(), "{report:?}");
    assert!(
        registry
            .get("acme")
            .await
            .unwrap()
            .find("acme.example.com")
            .is_some()
    );
}

/// Runs until a pass ends, gathering what the runs did; the number of runs it took.
async fn until_finished(
    reconciler: &sendready_lambda::service::reconcile::Reconciler,
) -> (sendready_lambda::service::reconcile::ReconcileReport, usize) {
    let mut all = sendready_lambda::service::reconcile::ReconcileReport::default();
    for runs in 1..=500 {
        let r = reconciler.run().await.unwrap();
        all.phantoms_released.extend(r.phantoms_released);
        all.pending_confirmed.extend(r.pending_confirmed);
        all.orphans_registered.extend(r.orphans_registered);
        all.left_alone.extend(r.left_alone);
        all.ses_identities += r.ses_identities;
        all.registry_identities += r.registry_identities;
        if r.finished {
            all.finished = true;
            all.cursor = r.cursor;
            all.phantoms_released.sort();
            all.orphans_registered.sort();
            return (all, runs);
        }
    }
    panic!("no pass ended in 500 runs");
}

#[tokio::test]
async fn a_reconciler_run_cut_off_mid_way_loses_nothing_and_the_next_goes_on_from_its_cursor() {
    let moto = Moto::start();
    let conf = moto.sdk().await;
    common::ensure_table(&conf).await;
    let registry = DynamoRegistry::from_conf(&conf, "sendready-tenants");
    let ses = aws_sdk_sesv2::Client::new(&conf);
    let mut phantoms = Vec::new();
    let mut orphans = Vec::new();
    for i in 0..6 {
        let tenant = format!("t{i}");
        registry
            .put_users(&tenant, &[format!("ops@t{i}.example.com")])
            .await
            .unwrap();
        // Half of them a phantom (reserved, never in SES), half an orphan (in SES under
        // the tenant's tag, not in the registry); and each a healthy confirmed identity.
        if i % 2 == 0 {
            registry
                .reserve(&tenant, &reservation(&format!("t{i}.example.com")))
                .await
                .unwrap();
            phantoms.push(format!("{tenant} t{i}.example.com"));
        } else {
            ses_create(&ses, &format!("t{i}.example.com"), Some(&tenant)).await;
            orphans.push(format!("{tenant} t{i}.example.com"));
        }
        let healthy = format!("ops@t{i}-mail.example.org");
        registry
            .reserve(&tenant, &reservation(&healthy))
            .await
            .unwrap();
        ses_create(&ses, &healthy, Some(&tenant)).await;
        registry.confirm(&tenant, &healthy).await.unwrap();
    }

    // One page of one name a run: each run stops at its budget after a page and keeps
    // its cursor; the runs together do exactly what one whole pass does.
    let mut reconciler = Aws::from_sdk(&conf, "sendready-tenants").reconciler();
    reconciler.stale_after = Duration::ZERO;
    reconciler.page_size = 1;
    reconciler.budget = Duration::ZERO;
    let first = reconciler.run().await.unwrap();
    assert!(!first.finished && first.pages == 1, "{first:?}");
    assert_eq!(first.ses_identities, 1);
    let (all, runs) = until_finished(&reconciler).await;
    assert!(runs > 10, "a page a run: {runs}");
    assert_eq!(all.phantoms_released, phantoms, "{all:?}");
    assert_eq!(all.orphans_registered, orphans, "{all:?}");
    assert!(all.left_alone.is_empty(), "{all:?}");
    // SES's 9 identities (3 orphans, 6 healthy) read once each across the runs.
    assert_eq!(all.ses_identities + first.ses_identities, 9);

    // Killed mid-page, again and again: the next runs still end the pass, and it finds
    // nothing left to repair and nothing done twice.
    for t in 0..4 {
        let _ = tokio::time::timeout(Duration::from_millis(2 + t), reconciler.run()).await;
    }
    reconciler.budget = Duration::from_secs(15);
    reconciler.page_size = 100;
    let (rest, _) = until_finished(&reconciler).await;
    let (clean, runs) = until_finished(&reconciler).await;
    assert_eq!(runs, 1, "a whole pass in one run at a page of 100");
    for r in [&rest, &clean] {
        assert!(
            r.phantoms_released.is_empty()
                && r.orphans_registered.is_empty()
                && r.left_alone.is_empty(),
            "{r:?}"
        );
    }
    // Every tenant holds what SES has: its healthy address, and the orphan registered.
    for i in 0..6 {
        let rec = registry.get(&format!("t{i}")).await.unwrap();
        assert_eq!(
            rec.find(&format!("t{i}.example.com")).is_some(),
            i % 2 == 1,
            "t{i}"
        );
        assert!(
            rec.find(&format!("ops@t{i}-mail.example.org")).is_some(),
            "t{i}"
        );
    }
    // The cursor says where the next run starts: a new pass, from the top.
    let cursor = clean.cursor;
    assert_eq!(cursor.walk, sendready_lambda::ports::registry::Walk::Ses);
    assert!(cursor.last_pass_finished_at.is_some() && cursor.ses_token.is_none());

    // The platform's view: SES's identities of the region's quota, as that pass counted
    // them, and where the reconciler got to; the platform's only.
    let app = sendready_lambda::router(sendready_lambda::AppState::new(
        &Aws::from_sdk(&conf, "sendready-tenants"),
        common::default_smtp(),
        common::unused_resolver(),
        &[],
    ))
    .layer(axum::middleware::from_fn_with_state(
        common::jwt(),
        sendready_lambda::auth::local_jwt,
    ));
    let (status, v) = common::call_as(
        &app,
        "platform",
        axum::http::Method::GET,
        "/v1/platform",
        None,
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{v}");
    assert_eq!(v["sesIdentities"]["used"], 9, "{v}");
    assert_eq!(v["sesIdentities"]["registryNames"], 9, "{v}");
    assert_eq!(v["sesIdentities"]["quota"], 10_000, "{v}");
    assert_eq!(v["reconciler"]["ran"], true, "{v}");
    assert_eq!(v["reconciler"]["walk"], "ses", "{v}");
    assert!(v["reconciler"]["lastPassFinishedAt"].is_string(), "{v}");
    assert_eq!(v["warnings"], serde_json::json!([]), "{v}");
    let (status, v) =
        common::call_as(&app, "t1", axum::http::Method::GET, "/v1/platform", None).await;
    assert_eq!(status, axum::http::StatusCode::FORBIDDEN, "{v}");
}
