//! The one error path: RFC 9457 problem details (`application/problem+json`) with
//! Sendready's codes, and the `From` impls that let every handler and service use `?`.

use crate::ports::{AwsError, AwsErrorKind, LimitError, ReserveError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sendready_core::api;
use sendready_core::identity::IdentityKind;
use sendready_core::{Code, Issue, diagnose};
use std::ops::{Deref, DerefMut};

/// A problem response: the API's [`api::Problem`] body (declared once, in the core, for
/// the backend and the npm package alike) with the constructors the services use and its
/// HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem(pub Box<api::Problem>);

impl Deref for Problem {
    type Target = api::Problem;

    fn deref(&self) -> &api::Problem {
        &self.0
    }
}

impl DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut api::Problem {
        &mut self.0
    }
}

impl Problem {
    /// A problem with a code, a status and a detail line.
    pub fn new(status: StatusCode, code: Code, detail: impl Into<String>) -> Self {
        Problem(Box::new(api::Problem::new(status.as_u16(), code, detail)))
    }

    /// 400 with a failed check's issues; the first error gives the code.
    pub fn invalid(issues: Vec<Issue>) -> Self {
        let first = issues
            .iter()
            .find(|i| i.severity == sendready_core::Severity::Error)
            .or(issues.first());
        let (code, detail) = first.map_or(
            (
                Code::InputInvalid,
                String::from("The request is not valid."),
            ),
            |i| (i.code, format!("{}: {}", i.field, i.message)),
        );
        let mut p = Problem::new(StatusCode::BAD_REQUEST, code, detail);
        p.issues = issues;
        p
    }

    /// 400 with one error issue on `field`.
    pub fn field(field: &str, code: Code, message: impl Into<String>) -> Self {
        Problem::invalid(vec![Issue {
            field: field.to_owned(),
            code,
            severity: sendready_core::Severity::Error,
            message: message.into(),
        }])
    }

    /// The value of a check that passed, or 400 with the check's issues.
    pub fn accepted<T>(report: sendready_core::Report<T>) -> Result<T, Problem> {
        match report.value {
            Some(v) if report.valid => Ok(v),
            _ => Err(Problem::invalid(report.issues)),
        }
    }

    /// The value of a check that passed, or 400 with the check's issues filed under
    /// `field` (an address checked for the request's `to` or `activeUserEmails[2]`).
    pub fn accepted_as<T>(field: &str, report: sendready_core::Report<T>) -> Result<T, Problem> {
        match report.value {
            Some(v) if report.valid => Ok(v),
            _ => Err(Problem::invalid(
                report
                    .issues
                    .into_iter()
                    .map(|mut i| {
                        field.clone_into(&mut i.field);
                        i
                    })
                    .collect(),
            )),
        }
    }

    /// 404 for an identity the tenant does not own: one that does not exist and one of
    /// another tenant's are not told apart.
    pub fn identity_not_found() -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            Code::IdentityNotFound,
            "The identity was not found for this tenant.",
        )
    }

    /// 409 for an identity name another tenant of this platform owns.
    pub fn identity_taken() -> Self {
        Problem::new(
            StatusCode::CONFLICT,
            Code::IdentityTaken,
            "This identity is already set up by another account on this platform. If it is yours, ask the platform's support to move it.",
        )
    }

    /// 409 for an identity whose create has not finished yet.
    pub fn identity_pending() -> Self {
        Problem::new(
            StatusCode::CONFLICT,
            Code::IdentityPending,
            "This identity is still being created; try again in a few seconds, or create it again to finish an interrupted create.",
        )
    }

    /// The same problem, with what was left half done and how it is finished added to
    /// the detail, so no partial state goes unreported.
    #[must_use]
    pub fn left(mut self, state: &str) -> Self {
        self.detail.push(' ');
        self.detail.push_str(state);
        self
    }

    /// 500 for a fault on Sendready's side (a request or key it could not build).
    pub fn internal(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::InternalError,
            detail,
        )
    }

    /// 503 with a retry hint, for throttling and outages of a dependency.
    pub fn unavailable(code: Code, detail: impl Into<String>, retry_after: u64) -> Self {
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
        p.retry_after = Some(retry_after);
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let body = serde_json::to_vec(&*self.0).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// An AWS failure, explained: no answer or throttling is 503 with a retry hint; Route 53's
/// own refusals have their codes; SES's errors go through the core's catalogue
/// (`diagnose::ses`); anything else is 502.
impl From<AwsError> for Problem {
    fn from(e: AwsError) -> Problem {
        let what = e.what;
        let (code, message) = (e.code.as_str(), e.message.as_str());
        match e.kind {
            AwsErrorKind::Unavailable => {
                return Problem::unavailable(
                    Code::AwsUnavailable,
                    format!("{what}: AWS did not answer in time. Try again in a few seconds."),
                    5,
                );
            }
            AwsErrorKind::Build => {
                return Problem::internal(format!(
                    "{what}: the request could not be built ({message})."
                ));
            }
            AwsErrorKind::Service => {}
        }
        match code {
            "NoSuchHostedZone" => {
                return Problem::new(
                    StatusCode::NOT_FOUND,
                    Code::ZoneNotFound,
                    format!("{what}: no such hosted zone ({message})."),
                );
            }
            "InvalidChangeBatch" | "InvalidInput" => {
                return Problem::new(
                    StatusCode::BAD_REQUEST,
                    Code::DnsChangeRefused,
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
        if e.service != "SES" {
            // Only SES's errors go through the SES catalogue.
            return Problem::new(
                StatusCode::BAD_GATEWAY,
                Code::AwsError,
                format!(
                    "{what}: {} answered {code}: {message}. Try again later if it looks temporary; otherwise the deployment's setup (a permission, the key or the table) needs a look.",
                    e.service
                ),
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

/// A use past a limit is 429 with the limit's code and `Retry-After` until its window
/// ends.
impl From<LimitError> for Problem {
    fn from(e: LimitError) -> Problem {
        match e {
            LimitError::Exceeded { limit, retry_after } => {
                let window = match limit.window.as_secs() {
                    60 => "minute".to_owned(),
                    3600 => "hour".to_owned(),
                    86_400 => "day".to_owned(),
                    s => format!("{s} s"),
                };
                let mut p = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    limit.code,
                    format!(
                        "{} The limit is {} per {window}; try again in {} s.",
                        limit.code.summary(),
                        limit.max,
                        retry_after.as_secs()
                    ),
                );
                p.retry_after = Some(retry_after.as_secs());
                p
            }
            LimitError::Busy { share, retry_after } => {
                let what = match share.work {
                    "smtp" => "sessions with your SMTP server",
                    "dns" => "checks of your domain in DNS",
                    other => other,
                };
                let mut p = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    Code::LimitTenantBusy,
                    format!(
                        "{} {} {what} are already under way for this tenant, the most it may run at once; try again in {} s, when one has ended.",
                        Code::LimitTenantBusy.summary(),
                        share.max,
                        retry_after.as_secs()
                    ),
                );
                p.retry_after = Some(retry_after.as_secs());
                p
            }
            LimitError::Aws(e) => e.into(),
        }
    }
}

/// A refused reservation: the limits and a duplicate are 409 with the tenant rule's code.
impl From<ReserveError> for Problem {
    fn from(e: ReserveError) -> Problem {
        match e {
            ReserveError::Limit(IdentityKind::Domain) => Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityDomainLimit,
                "The tenant already has its one domain identity; delete it first to add another.",
            ),
            ReserveError::Limit(IdentityKind::Email) => Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityEmailLimit,
                "The tenant already has three email identities; delete one first.",
            ),
            ReserveError::Duplicate { .. } => Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityDuplicate,
                "The tenant already has this identity.",
            ),
            ReserveError::Taken => Problem::identity_taken(),
            ReserveError::Overlap(other) => Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityOverlap,
                format!(
                    "This tenant's identity {other} has the same domain; a domain identity and an email identity cannot share a domain. Delete {other} first."
                ),
            ),
            ReserveError::NoTenant => Problem::new(
                StatusCode::CONFLICT,
                Code::IdentityNotActiveDomain,
                "The platform has not registered this tenant's active users yet (PUT /v1/tenants/{tenant}/users).",
            ),
            ReserveError::Aws(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_services_error_is_never_explained_as_ses() {
        let ddb = AwsError::service(
            "DynamoDB",
            "Claiming the Idempotency-Key",
            "ValidationException",
            "Invalid ConditionExpression",
        );
        let p = Problem::from(ddb);
        assert_eq!(p.status, 502);
        assert_eq!(p.code, Code::AwsError);
        assert!(
            p.detail.contains("DynamoDB answered ValidationException"),
            "{}",
            p.detail
        );
        let kms = AwsError::service(
            "KMS",
            "Opening a sealed secret with KMS",
            "InvalidCiphertextException",
            "",
        );
        assert_eq!(Problem::from(kms).code, Code::AwsError);
        // SES's own errors still go through its catalogue.
        let ses = AwsError::service(
            "SES",
            "Sending through SES",
            "MessageRejected",
            "Email address is not verified.",
        );
        assert_ne!(Problem::from(ses).code, Code::AwsError);
        // A throttle is a 503 whoever answered.
        let slow = AwsError::service("DynamoDB", "Reading the tenant", "ThrottlingException", "");
        assert_eq!(Problem::from(slow).status, 503);
    }
}
