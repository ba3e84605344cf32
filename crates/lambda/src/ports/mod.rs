//! Ports: the small traits the services call and the adapters implement, one per outside
//! system, with the plain data they exchange. Nothing here knows an SDK, axum or hickory,
//! so a service can run over an adapter or over an in-memory stand-in alike.

pub mod announce;
pub mod dns;
pub mod events;
pub mod limits;
pub mod queue;
pub mod registry;
pub mod route53;
pub mod sendlog;
pub mod ses;
pub mod settings;
pub mod smtp;
pub mod tracking;

pub use announce::Announcer;
pub use dns::Resolver;
pub use events::EventStore;
pub use limits::{Limit, LimitError, Limiter, Limits};
pub use queue::Queues;
pub use registry::{Owned, Record, Registry, ReserveError};
pub use route53::Route53;
pub use ses::Ses;
pub use smtp::SmtpClient;
pub use tracking::TrackingStore;

/// A call to an AWS service that failed, as its adapter reports it: which call, and the
/// service's error code and message, so the error module can explain it once for all.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{what}: {code}: {message}")]
pub struct AwsError {
    /// The step, in words (`Reading the identity from SES`).
    pub what: &'static str,
    /// The service that answered (`SES`, `DynamoDB`, `Route 53`, `KMS`), so an error is
    /// explained as that service's, never as another's.
    pub service: &'static str,
    /// How it failed.
    pub kind: AwsErrorKind,
    /// The service's error code (`NotFoundException`, `Throttling`), or a short tag.
    pub code: String,
    /// The service's message.
    pub message: String,
}

/// How an AWS call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// No answer in time, or no connection: the outcome is unknown.
    Unavailable,
    /// The service answered with an error.
    Service,
    /// The request could not be built (a fault in Sendready, not the caller's).
    Build,
}

impl AwsError {
    /// A service's error answer.
    pub fn service(
        service: &'static str,
        what: &'static str,
        code: &str,
        message: &str,
    ) -> AwsError {
        AwsError {
            what,
            service,
            kind: AwsErrorKind::Service,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    /// The same failure described as another step (a retry of a create, say).
    #[must_use]
    pub fn during(mut self, what: &'static str) -> AwsError {
        self.what = what;
        self
    }

    /// True when the service said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == AwsErrorKind::Service
            && matches!(self.code.as_str(), "NotFoundException" | "NotFound")
    }
}
