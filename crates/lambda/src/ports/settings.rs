//! The tenant's email settings as stored, and the two ports behind them: the store (with
//! a version every write must name) and the sealer that encrypts secrets per tenant.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::api::{EmailSettings, SettingsChange, SmtpTranscript};

/// Where a stored secret may be used: the SMTP server (host as an A-label, port) and the
/// login it was saved for. It is part of the KMS encryption context the secret is sealed
/// under, so a ciphertext opened for another server, port or username does not decrypt.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    /// The server's host name, lower-case A-labels.
    pub host: String,
    /// The port connected to.
    pub port: u16,
    /// The username signed in as.
    pub username: String,
}

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.username.is_empty() {
            write!(f, "{}:{}", self.host, self.port)
        } else {
            write!(f, "{}:{} as {}", self.host, self.port, self.username)
        }
    }
}

/// A tenant's settings as the store holds them: no secret in clear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSettings {
    /// The settings; `smtp.password` and `smtp_token` are always `None` here.
    pub settings: EmailSettings,
    /// The SMTP password, sealed.
    pub password: Option<Vec<u8>>,
    /// Where the password may be used (`None`: sealed before secrets were bound, so it
    /// was sealed for the tenant and field alone, for the server saved with it).
    pub password_for: Option<Binding>,
    /// The OAuth 2.0 token, sealed.
    pub token: Option<Vec<u8>>,
    /// Where the token may be used (as `password_for`).
    pub token_for: Option<Binding>,
    /// 0 before the first save, then one more per saved change.
    pub version: u64,
    /// When last saved (seconds since the Unix epoch).
    pub updated_at: Option<u64>,
    /// Who saved them.
    pub updated_by: Option<String>,
    /// The SMTP settings (as JSON, secrets left out) that last passed a connection test,
    /// with the secrets then stored; cleared when a secret changes untested.
    pub tested: Option<String>,
    /// When that test passed.
    pub tested_at: Option<u64>,
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another write saved a newer version first.
    #[error("the settings are at version {current}")]
    Stale {
        /// The version now stored.
        current: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Where settings live.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The tenant's settings (version 0 and defaults when never saved), strongly
    /// consistent.
    async fn load(&self, tenant: &str) -> Result<StoredSettings, AwsError>;
    /// Saves `new` (whose `version` is `expected + 1`) only while the stored version is
    /// `expected`, with `change` in the history, in one transaction.
    async fn save(
        &self,
        tenant: &str,
        expected: u64,
        new: &StoredSettings,
        change: &SettingsChange,
    ) -> Result<(), SaveError>;
    /// The latest changes, newest first (at most `limit`).
    async fn history(&self, tenant: &str, limit: usize) -> Result<Vec<SettingsChange>, AwsError>;
    /// Keeps an SMTP debug transcript for the tenant (redacted by the caller) for
    /// [`TRANSCRIPT_DAYS`].
    async fn keep_transcript(&self, tenant: &str, t: &SmtpTranscript) -> Result<(), AwsError>;
    /// The latest debug transcripts, newest first (at most `limit`).
    async fn transcripts(
        &self,
        tenant: &str,
        limit: usize,
    ) -> Result<Vec<SmtpTranscript>, AwsError>;
}

/// How long an SMTP debug transcript is kept.
pub const TRANSCRIPT_DAYS: u64 = 7;

/// Encrypts a tenant's secrets so that a ciphertext opens only for the tenant, the field
/// and the server it was sealed for (KMS encryption context).
#[async_trait]
pub trait Sealer: Send + Sync {
    /// Seals `plaintext` for `tenant`'s `field`, usable only with `to`.
    async fn seal(
        &self,
        tenant: &str,
        field: &str,
        to: &Binding,
        plaintext: &str,
    ) -> Result<Vec<u8>, AwsError>;
    /// Opens what `seal` made for the same tenant, field and server; `to` is `None` only
    /// for a secret sealed before bindings (its context names the tenant and field).
    async fn open(
        &self,
        tenant: &str,
        field: &str,
        to: Option<&Binding>,
        sealed: &[u8],
    ) -> Result<String, AwsError>;
}
