//! SMTP sessions, as the services use them: a connection check and a test message, each
//! reported step by step.

use async_trait::async_trait;
use sendready_core::address::Address;
use sendready_core::smtp::SmtpConfig;
use std::fmt;

pub use sendready_core::api::{Outcome, Step, StepKind};

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
