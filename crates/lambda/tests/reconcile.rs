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
