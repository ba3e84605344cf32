//! Handlers against the SDK's own mocks (`aws-smithy-mocks`) with SES's real response
//! shapes, for what moto does not return: Easy DKIM tokens and `SigningHostedZone`,
//! each verification status and `ErrorType`, and each SES error.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sesv2::operation::create_email_identity::CreateEmailIdentityError;
use aws_sdk_sesv2::operation::get_email_identity::{GetEmailIdentityError, GetEmailIdentityOutput};
use aws_sdk_sesv2::types::error::{
    AlreadyExistsException, LimitExceededException, NotFoundException, TooManyRequestsException,
};
use aws_sdk_sesv2::types::{
    DkimAttributes, DkimSigningAttributesOrigin, DkimStatus, IdentityType, VerificationError,
    VerificationInfo, VerificationStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use axum::http::{Method, StatusCode};
use axum::middleware;
use common::{call, jwt};
use sendready_lambda::adapters::dynamodb::DynamoRegistry;
use sendready_lambda::adapters::route53::Route53Sdk;
use sendready_lambda::adapters::sesv2::SesV2;
use sendready_lambda::auth::local_jwt;
use sendready_lambda::state::Aws;
use sendready_lambda::{AppState, router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// The registry holds one tenant `acme` with one domain identity `example.com`.
fn registry_rules() -> Vec<Rule> {
    let meta = HashMap::from([
        ("pk".to_owned(), s("TENANT#acme")),
        ("sk".to_owned(), s("META")),
        (
            "activeUserEmails".to_owned(),
            AttributeValue::L(vec![s("ops@example.com"), s("ops@example.org")]),
        ),
    ]);
    let id = HashMap::from([
        ("pk".to_owned(), s("TENANT#acme")),
        ("sk".to_owned(), s("ID#example.com")),
        ("kind".to_owned(), s("domain")),
    ]);
    vec![
        // The META item by its key, the identities by their key range.
        mock!(aws_sdk_dynamodb::Client::get_item)
            .match_requests(|r| r.key().and_then(|k| k.get("sk")) == Some(&s("META")))
            .then_output(move || {
                GetItemOutput::builder()
                    .set_item(Some(meta.clone()))
                    .build()
            }),
        mock!(aws_sdk_dynamodb::Client::query)
            .then_output(move || QueryOutput::builder().items(id.clone()).build()),
        mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_output(|| TransactWriteItemsOutput::builder().build()),
    ]
}

fn app(ses_rules: &[Rule]) -> axum::Router {
    app_with(
        ses_rules,
        &aws_sdk_sesv2::config::retry::RetryConfig::disabled(),
    )
}

fn app_with(ses_rules: &[Rule], retry: &aws_sdk_sesv2::config::retry::RetryConfig) -> axum::Router {
    let ddb_rules = registry_rules();
    let ddb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &ddb_rules);
    let ses = mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, ses_rules, |c| c
        .retry_config(retry.clone()));
    let route53 = mock_client!(aws_sdk_route53, RuleMode::MatchAny, &Vec::<Rule>::new());
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, &Vec::<Rule>::new());
    let registry = Arc::new(DynamoRegistry::new(ddb, "sendready-tenants"));
    let aws = Aws {
        ses: Arc::new(SesV2::new(ses)),
        registry: registry.clone(),
        route53: Arc::new(Route53Sdk::new(route53)),
        region: Some("eu-west-1".to_owned()),
        limiter: Arc::new(common::MemoryLimiter::default()),
        limits: sendready_lambda::ports::Limits::default(),
        selector_prefix: "sendready".to_owned(),
        settings: registry.clone(),
        events: registry.clone(),
        tracking: registry.clone(),
        schedule: sendready_core::tracking::Schedule::default(),
        announcers: Vec::new(),
        track_batch: 100,
        sendlog: registry,
        platform_from: None,
        // No queue is configured: nothing calls SQS.
        queues: Arc::new(sendready_lambda::adapters::sqs::Sqs::new(
            aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::Config::builder()
                    .behavior_version_latest()
                    .region(aws_sdk_sqs::config::Region::new("eu-west-1"))
                    .build(),
            ),
        )),
        queue_urls: sendready_lambda::config::QueueUrls::default(),
        sealer: Arc::new(sendready_lambda::adapters::kms::Kms::new(
            kms,
            "alias/sendready-settings",
        )),
    };
    router(AppState::new(
        &aws,
        common::default_smtp(),
        common::unused_resolver(),
        &[],
    ))
    .layer(middleware::from_fn_with_state(jwt(), local_jwt))
}

fn identity(
    status: VerificationStatus,
    dkim: DkimStatus,
    error: Option<VerificationError>,
) -> GetEmailIdentityOutput {
    let mut info = VerificationInfo::builder();
    if let Some(e) = error {
        info = info.error_type(e);
    }
    GetEmailIdentityOutput::builder()
        .identity_type(IdentityType::Domain)
        .verified_for_sending_status(status == VerificationStatus::Success)
        .verification_status(status)
        .verification_info(info.build())
        .dkim_attributes(
            DkimAttributes::builder()
                .signing_enabled(true)
                .status(dkim)
                .tokens("tok1abc")
                .tokens("tok2def")
                .tokens("tok3ghi")
                .signing_hosted_zone("dkim.eu-west-1.amazonses.com")
                .signing_attributes_origin(DkimSigningAttributesOrigin::AwsSes)
                .build(),
        )
        .build()
}

/// SES's errors carry their code in the error metadata, as the SDK fills it from the
/// response's `x-amzn-ErrorType`.
fn meta(code: &str, message: &str) -> aws_sdk_sesv2::error::ErrorMetadata {
    aws_sdk_sesv2::error::ErrorMetadata::builder()
        .code(code)
        .message(message)
        .build()
}

/// An SES error to return, and the status and code the API must answer with.
type Case = (fn() -> CreateEmailIdentityError, StatusCode, &'static str);

fn acme() -> String {
    jwt().mint("ops", "acme", &[], 300)
}

#[tokio::test]
async fn easy_dkim_tokens_become_cnames_into_the_signing_hosted_zone() {
    let rule = mock!(aws_sdk_sesv2::Client::get_email_identity)
        .then_output(|| identity(VerificationStatus::Pending, DkimStatus::Pending, None));
    let (status, _, v) = call(
        &app(&[rule]),
        Some(&acme()),
        Method::GET,
        "/v1/identities/example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let cnames = common::view_cnames(&v);
    assert_eq!(
        cnames,
        [
            (
                "tok1abc._domainkey.example.com".to_owned(),
                "tok1abc.dkim.eu-west-1.amazonses.com".to_owned()
            ),
            (
                "tok2def._domainkey.example.com".to_owned(),
                "tok2def.dkim.eu-west-1.amazonses.com".to_owned()
            ),
            (
                "tok3ghi._domainkey.example.com".to_owned(),
                "tok3ghi.dkim.eu-west-1.amazonses.com".to_owned()
            ),
        ]
    );
    assert_eq!(
        v["records"][0]["zoneEntry"]["hostField"],
        "tok1abc._domainkey"
    );
    assert_eq!(
        v["dkim"]["signingHostedZone"],
        "dkim.eu-west-1.amazonses.com"
    );
    assert_eq!(v["verification"]["code"], "verification-pending");
}

#[tokio::test]
async fn each_verification_status_and_error_type_is_explained() {
    let cases = [
        (VerificationStatus::Success, None, "verification-success"),
        (VerificationStatus::Pending, None, "verification-pending"),
        (
            VerificationStatus::NotStarted,
            None,
            "verification-not-started",
        ),
        (
            VerificationStatus::TemporaryFailure,
            None,
            "verification-temporary-failure",
        ),
        (VerificationStatus::Failed, None, "verification-failed"),
        (
            VerificationStatus::Failed,
            Some(VerificationError::HostNotFound),
            "verification-host-not-found",
        ),
        (
            VerificationStatus::Failed,
            Some(VerificationError::TypeNotFound),
            "verification-type-not-found",
        ),
        (
            VerificationStatus::Failed,
            Some(VerificationError::InvalidValue),
            "verification-invalid-value",
        ),
        (
            VerificationStatus::Failed,
            Some(VerificationError::DnsServerError),
            "verification-dns-server-error",
        ),
        (
            VerificationStatus::Failed,
            Some(VerificationError::ReplicationAccessDenied),
            "verification-replication-error",
        ),
    ];
    for (status, error, code) in cases {
        let (st2, e2) = (status.clone(), error.clone());
        let rule = mock!(aws_sdk_sesv2::Client::get_email_identity)
            .then_output(move || identity(st2.clone(), DkimStatus::Pending, e2.clone()));
        let (http, _, v) = call(
            &app(&[rule]),
            Some(&acme()),
            Method::GET,
            "/v1/identities/example.com",
            None,
        )
        .await;
        assert_eq!(http, StatusCode::OK);
        assert_eq!(v["verification"]["code"], code, "{status:?} {error:?}: {v}");
        assert_eq!(v["verificationStatus"], status.as_str());
    }
}

#[tokio::test]
async fn ses_errors_map_to_statuses_with_the_catalogue() {
    // GET: SES no longer has the identity.
    let rule = mock!(aws_sdk_sesv2::Client::get_email_identity).then_error(|| {
        GetEmailIdentityError::NotFoundException(
            NotFoundException::builder()
                .message("example.com")
                .meta(meta("NotFoundException", "example.com"))
                .build(),
        )
    });
    let (status, ctype, p) = call(
        &app(&[rule]),
        Some(&acme()),
        Method::GET,
        "/v1/identities/example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(p["code"], "ses-not-found");

    // CREATE an email identity at the tenant's other domain: each SES error.
    let body = json!({ "identity": "billing@example.org" });
    let errors: Vec<Case> = vec![
        (
            || {
                CreateEmailIdentityError::TooManyRequestsException(
                    TooManyRequestsException::builder()
                        .message("Rate exceeded")
                        .meta(meta("TooManyRequestsException", "Rate exceeded"))
                        .build(),
                )
            },
            StatusCode::SERVICE_UNAVAILABLE,
            "aws-unavailable",
        ),
        (
            || {
                CreateEmailIdentityError::AlreadyExistsException(
                    AlreadyExistsException::builder()
                        .message("exists")
                        .meta(meta("AlreadyExistsException", "exists"))
                        .build(),
                )
            },
            StatusCode::CONFLICT,
            // SES has it and its tag does not name this tenant: another account's.
            "identity-taken",
        ),
        (
            || {
                CreateEmailIdentityError::LimitExceededException(
                    LimitExceededException::builder()
                        .message("limit")
                        .meta(meta("LimitExceededException", "limit"))
                        .build(),
                )
            },
            StatusCode::CONFLICT,
            "ses-limit-exceeded",
        ),
    ];
    for (error, want, code) in errors {
        let get = mock!(aws_sdk_sesv2::Client::get_email_identity)
            .then_output(|| identity(VerificationStatus::Success, DkimStatus::Success, None));
        let create = mock!(aws_sdk_sesv2::Client::create_email_identity).then_error(error);
        let (status, _, p) = call(
            &app(&[get, create]),
            Some(&acme()),
            Method::POST,
            "/v1/identities",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, want, "{p}");
        assert_eq!(p["code"], code, "{p}");
        if want == StatusCode::SERVICE_UNAVAILABLE {
            assert!(p["retryAfter"].as_u64().unwrap() > 0, "{p}");
        }
    }
}

#[tokio::test]
async fn throttling_is_retried_three_times_at_most_then_503() {
    let throttled = || {
        GetEmailIdentityError::TooManyRequestsException(
            TooManyRequestsException::builder()
                .message("Rate exceeded")
                .meta(meta("TooManyRequestsException", "Rate exceeded"))
                .build(),
        )
    };
    let rule = mock!(aws_sdk_sesv2::Client::get_email_identity)
        .sequence()
        .error(throttled)
        .times(10)
        .build();
    let app = app_with(
        std::slice::from_ref(&rule),
        &sendready_lambda::adapters::sdk::retry_config(),
    );
    let (status, _, p) = call(
        &app,
        Some(&acme()),
        Method::GET,
        "/v1/identities/example.com",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{p}");
    assert_eq!(p["code"], "aws-unavailable");
    assert_eq!(
        rule.num_calls(),
        3,
        "the production retry policy makes three attempts"
    );
}

/// A cancelled transaction with one reason per item, as DynamoDB reports it.
fn cancelled(
    reasons: &[&str],
) -> aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError {
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::TransactionCanceledException;
    let mut e = TransactionCanceledException::builder()
        .message("Transaction cancelled")
        .meta(meta(
            "TransactionCanceledException",
            "Transaction cancelled",
        ));
    for r in reasons {
        e = e.cancellation_reasons(CancellationReason::builder().code(*r).build());
    }
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e.build())
}

#[tokio::test]
async fn release_retries_conflicts_and_reports_real_failures() {
    use sendready_core::identity::IdentityKind;
    use sendready_lambda::ports::Registry;
    let registry = |rule: &Rule| {
        let client = mock_client!(
            aws_sdk_dynamodb,
            RuleMode::Sequential,
            std::slice::from_ref(rule)
        );
        DynamoRegistry::new(client, "sendready-tenants")
    };

    // Two conflicts with concurrent writes, then it goes through.
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .sequence()
        .error(|| cancelled(&["None", "TransactionConflict", "None"]))
        .times(2)
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    registry(&rule)
        .release("acme", "example.com", IdentityKind::Domain)
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 3);

    // The tenant does not own it: nothing to release, and no retry.
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .then_error(|| cancelled(&["ConditionalCheckFailed", "None", "None"]));
    registry(&rule)
        .release("acme", "example.com", IdentityKind::Domain)
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 1);

    // Any other cancellation is a failure, reported (the counter would stay behind).
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .then_error(|| cancelled(&["None", "ConditionalCheckFailed", "None"]));
    let e = registry(&rule)
        .release("acme", "example.com", IdentityKind::Domain)
        .await
        .unwrap_err();
    assert!(e.message.contains("ConditionalCheckFailed"), "{e}");

    // Conflicts that never end are reported after three attempts.
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .sequence()
        .error(|| cancelled(&["TransactionConflict", "None", "None"]))
        .times(5)
        .build();
    let e = registry(&rule)
        .release("acme", "example.com", IdentityKind::Domain)
        .await
        .unwrap_err();
    assert_eq!(rule.num_calls(), 3);
    assert!(e.message.contains("TransactionConflict"), "{e}");
}
