//! AWS clients (one rustls+ring HTTPS client, bounded retries) and the mapping of their
//! errors to problem responses through the core's catalogue.

use crate::problem::Problem;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use axum::http::StatusCode;
use sendready_core::{Code, diagnose};
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

/// An SDK error as a problem: SES errors through the catalogue (`diagnose::ses`),
/// throttling and outages as 503 with a retry hint, everything else as 502.
pub fn problem<E, R>(e: &SdkError<E, R>, what: &str) -> Problem
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Problem::unavailable(
            Code::AwsUnavailable,
            format!("{what}: AWS did not answer in time. Try again in a few seconds."),
            5,
        ),
        _ => {
            let code = e.code().unwrap_or("Unknown");
            let message = e.message().unwrap_or("");
            // Route 53's own errors, before SES's catalogue.
            match code {
                "NoSuchHostedZone" => {
                    return Problem::new(
                        StatusCode::NOT_FOUND,
                        Code::ZoneOutside,
                        format!("{what}: no such hosted zone ({message})."),
                    );
                }
                "InvalidChangeBatch" | "InvalidInput" => {
                    return Problem::new(
                        StatusCode::BAD_REQUEST,
                        Code::InputInvalid,
                        format!("{what}: Route 53 refused the change: {message}"),
                    );
                }
                "PriorRequestNotComplete" | "Throttling" => {
                    return Problem::unavailable(
                        Code::AwsUnavailable,
                        format!("{what}: Route 53 is busy ({code}); try again shortly."),
                        5,
                    );
                }
                _ => {}
            }
            let d = diagnose::ses(code, message, None);
            let throttled = d.code == Code::SesThrottled
                || matches!(
                    code,
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "ServiceUnavailable"
                        | "InternalServerError"
                        | "InternalFailure"
                );
            if throttled {
                return Problem::unavailable(
                    Code::AwsUnavailable,
                    format!(
                        "{what}: AWS is throttling or failing ({code}). {}",
                        d.action
                    ),
                    5,
                );
            }
            let status = match d.code {
                Code::SesNotFound => StatusCode::NOT_FOUND,
                Code::SesAlreadyExists | Code::SesLimitExceeded => StatusCode::CONFLICT,
                Code::SesBadRequest => StatusCode::BAD_REQUEST,
                _ => StatusCode::BAD_GATEWAY,
            };
            Problem::new(
                status,
                d.code,
                format!("{what}: {} {} ({code}: {message})", d.cause, d.action),
            )
        }
    }
}

/// The error code of an SDK error, if the service sent one.
pub fn error_code<E, R>(e: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    e.code()
}
