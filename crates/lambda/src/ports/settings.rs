//! The tenant's email settings as stored, and the two ports behind them: the store (with
//! a version every write must name) and the sealer that encrypts secrets per tenant.

use super::AwsError;
use async_trait::async_trait;
use sendready_core::api::{EmailSettings, SettingsChange, SmtpTranscript};

/// A tenant's settings as the store holds them: no secret in clear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSettings {
    /// The settings; `smtp.password` and `smtp_token` are always `None` here.
    pub settings: EmailSettings,
    /// The SMTP password, sealed.
    pub password: Option<Vec<u8>>,
    /// The OAuth 2.0 token, sealed.
    pub token: Option<Vec<u8>>,
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

/// Encrypts a tenant's secrets so that a ciphertext opens only for the tenant and the
/// field it was sealed for (KMS encryption context).
#[async_trait]
pub trait Sealer: Send + Sync {
    /// Seals `plaintext` for `tenant`'s `field`.
    async fn seal(&self, tenant: &str, field: &str, plaintext: &str) -> Result<Vec<u8>, AwsError>;
    /// Opens what `seal` made for the same tenant and field.
    async fn open(&self, tenant: &str, field: &str, sealed: &[u8]) -> Result<String, AwsError>;
}
