//! RFC 9457 problem details (`application/problem+json`) with Sendready's codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sendready_core::{Code, Issue};
use serde::Serialize;

/// A problem response. `type` is a URN made from the code, so a client can switch on it
/// without parsing `title`; `issues` carries a failed check's report.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `urn:sendready:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, stable summary (the catalogue's).
    pub title: String,
    /// The HTTP status, repeated as RFC 9457 §3.1.3 suggests.
    pub status: u16,
    /// What happened in this case and what to do.
    pub detail: String,
    /// The catalogue code.
    pub code: Code,
    /// A check's issues, when the problem is invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Issue>,
    /// Seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with a code, a status and a detail line.
    pub fn new(status: StatusCode, code: Code, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("urn:sendready:{}", code.as_str()),
            title: code.summary().to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code,
            issues: Vec::new(),
            retry_after: None,
        }
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

    /// 404 for an identity that does not exist or belongs to another tenant (the two
    /// are not told apart).
    pub fn not_found(what: &str) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            Code::SesNotFound,
            format!("{what} was not found for this tenant."),
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
        let body = serde_json::to_vec(&self).unwrap_or_default();
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
