//! The AWS SDK's shared setup (one rustls+ring HTTPS client, bounded retries and
//! timeouts) and the one mapping of its errors to the ports' [`AwsError`].

use crate::ports::{AwsError, AwsErrorKind};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

/// Loads the SDK configuration from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL` for moto locally), with rustls on ring, at most three attempts per
/// call and bounded timeouts, so a slow AWS answer becomes a 503 rather than a hung
/// Lambda.
pub async fn sdk_config() -> SdkConfig {
    loader().load().await
}

/// The configuration loader `sdk_config` uses, for callers that set more (tests point it
/// at moto with fixed credentials instead of the environment's).
pub fn loader() -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry_config())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(12))
                .build(),
        )
}

/// The retry policy of every AWS call: SDK standard retries, at most three attempts, so
/// throttling turns into a 503 within the Lambda's time rather than a long wait.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// An SDK error as the ports report it: no answer is [`AwsErrorKind::Unavailable`], a
/// request that could not be built is [`AwsErrorKind::Build`], and a service's answer
/// keeps its code and message for [`crate::error`] to explain.
pub fn aws_error<E, R>(what: &'static str, e: &SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata,
{
    let kind = match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => AwsErrorKind::Unavailable,
        SdkError::ConstructionFailure(_) => AwsErrorKind::Build,
        _ => AwsErrorKind::Service,
    };
    // The SDK crate the error type comes from names the service.
    let crate_name = std::any::type_name::<E>();
    let service = [
        ("aws_sdk_sesv2", "SES"),
        ("aws_sdk_dynamodb", "DynamoDB"),
        ("aws_sdk_route53", "Route 53"),
        ("aws_sdk_kms", "KMS"),
        ("aws_sdk_eventbridge", "EventBridge"),
        ("aws_sdk_sqs", "SQS"),
    ]
    .iter()
    .find(|(k, _)| crate_name.starts_with(k))
    .map_or("AWS", |(_, name)| name);
    AwsError {
        what,
        service,
        kind,
        code: e.code().unwrap_or("Unknown").to_owned(),
        message: e.message().unwrap_or_default().to_owned(),
    }
}

/// A request builder's failure (a required field unset: a fault here, not the caller's).
pub fn build_error(what: &'static str, e: &impl std::fmt::Display) -> AwsError {
    AwsError {
        what,
        service: "Sendready",
        kind: AwsErrorKind::Build,
        code: "BuildError".to_owned(),
        message: e.to_string(),
    }
}
