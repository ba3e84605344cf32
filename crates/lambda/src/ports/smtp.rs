//! SMTP sessions, as the services use them: a connection check and a test message, each
//! reported step by step.

use async_trait::async_trait;
use sendready_core::address::Address;
use sendready_core::diagnose::Diagnosis;
use sendready_core::smtp::SmtpConfig;
use serde::Serialize;
use std::fmt;

/// A password or OAuth 2.0 token: usable, never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: String) -> Self {
        Secret(s)
    }

    /// The secret itself, for the one place that sends it (the AUTH step).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One step of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// DNS resolution of the host.
    Resolve,
    /// The TCP connection.
    Connect,
    /// The TLS handshake (implicit TLS, or after STARTTLS).
    Tls,
    /// The server's greeting and the EHLO reply.
    Greeting,
    /// Authentication.
    Auth,
    /// `MAIL FROM` with the From address (the probe; nothing is sent).
    MailFrom,
    /// The test message: envelope and DATA.
    Send,
}

/// What one step did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Which step.
    pub step: StepKind,
    /// True when it succeeded.
    pub ok: bool,
    /// How long it took.
    pub millis: u64,
    /// What happened, in a line (the server's reply where there is one).
    pub detail: String,
    /// The catalogue's explanation when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

/// The outcome of a check or a test message.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// True when every step succeeded.
    pub ok: bool,
    /// The steps taken, in order; the last one failed when `ok` is false.
    pub steps: Vec<Step>,
    /// The failing step's diagnosis, repeated here for callers that show one message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

/// A customer's SMTP server, reached for real.
#[async_trait]
pub trait SmtpClient: Send + Sync {
    /// Every step up to `MAIL FROM` (then `RSET` and `QUIT`; nothing is sent).
    async fn check(&self, cfg: &SmtpConfig, secret: Option<&Secret>) -> Outcome;
    /// Sends the test message to `to` and reports every step.
    async fn send_test(&self, cfg: &SmtpConfig, secret: Option<&Secret>, to: &Address) -> Outcome;
    /// True when this client may reach loopback and private addresses (the local stack).
    fn allows_private(&self) -> bool;
}
