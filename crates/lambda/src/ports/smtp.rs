//! SMTP sessions, as the services use them: a connection check and a test message, each
//! reported step by step.

use async_trait::async_trait;
use sendready_core::address::Address;
use sendready_core::smtp::{Header, SmtpConfig};
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
    /// The message as MIME (RFC 5322, lettre's builder) with a fresh `Message-ID`, and
    /// that id; an error names what could not be written.
    fn render(&self, mail: &OutgoingMail) -> Result<(Vec<u8>, String), String>;
    /// Delivers `mail` (rendered as [`SmtpClient::render`] does) through the settings'
    /// server to every recipient, every step reported, and says whether it surely did
    /// not, surely did, or may have left.
    async fn send_mail(
        &self,
        cfg: &SmtpConfig,
        secret: Option<&Secret>,
        mail: &OutgoingMail,
    ) -> Delivery;
}

/// What a delivery through an SMTP server came to.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Every step, as a connection check reports them.
    pub outcome: Outcome,
    /// The `Message-ID` sent, when the server accepted the message.
    pub message_id: Option<String>,
    /// True when the server may have taken the message without Sendready hearing so: the
    /// message was written after `DATA`'s 354, then no reply came (a timeout, a dropped
    /// connection). RFC 5321 §4.1.1.4: the server takes responsibility with its reply
    /// to the end of data, so without that reply the outcome is unknown. A refusal with
    /// a reply code, or a failure before the message was written, is certain: nothing
    /// left.
    pub uncertain: bool,
}

/// A message the send route delivers: checked addresses, subject, parts and the tenant's
/// additional headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The From address.
    pub from: String,
    /// The From name (may be empty).
    pub from_name: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Copy recipients.
    pub cc: Vec<String>,
    /// Reply-To addresses.
    pub reply_to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text part.
    pub text: Option<String>,
    /// HTML part.
    pub html: Option<String>,
    /// The tenant's additional headers (FusionAuth: added to every outgoing message).
    pub headers: Vec<Header>,
}

impl OutgoingMail {
    /// Every recipient: To, then Cc.
    pub fn recipients(&self) -> Vec<String> {
        self.to.iter().chain(&self.cc).cloned().collect()
    }
}
