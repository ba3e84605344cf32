//! Amazon SES v2, as the services use it: identities, DKIM, sending.

use super::AwsError;
use async_trait::async_trait;

/// An identity as SES describes it (`GetEmailIdentity`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SesIdentity {
    /// `VerificationStatus`: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED.
    pub verification_status: String,
    /// `VerifiedForSendingStatus`.
    pub verified_for_sending: bool,
    /// `VerificationInfo.ErrorType`, when SES gives one.
    pub error_type: Option<String>,
    /// `DkimAttributes`, when SES gives them.
    pub dkim: Option<SesDkim>,
    /// The value of the identity's tenant tag ([`TENANT_TAG`]), when it has one.
    pub tenant_tag: Option<String>,
}

/// The tag every identity Sendready creates carries: the platform tenant that owns it.
pub const TENANT_TAG: &str = "sendready:tenant";

/// An identity's `DkimAttributes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SesDkim {
    /// `Status` (NOT_STARTED when absent).
    pub status: String,
    /// `SigningAttributesOrigin`: AWS_SES (Easy DKIM) or EXTERNAL (BYODKIM).
    pub origin: Option<String>,
    /// Easy DKIM tokens.
    pub tokens: Vec<String>,
    /// The zone the tokens' CNAMEs point into.
    pub signing_hosted_zone: Option<String>,
}

/// How a new identity signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewDkim {
    /// An email identity: no DKIM attributes.
    None,
    /// Easy DKIM with RSA 2048-bit keys.
    Easy,
    /// BYODKIM with this selector and base64 PKCS#1 private key.
    Byodkim {
        /// The selector.
        selector: String,
        /// The private key, base64 DER.
        private_key: String,
    },
}

/// A simple text+HTML message (`SendEmail` with `Simple` content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleMail {
    /// The From address.
    pub from: String,
    /// The one recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// SES v2.
#[async_trait]
pub trait Ses: Send + Sync {
    /// `GetEmailIdentity`.
    async fn get_identity(&self, identity: &str) -> Result<SesIdentity, AwsError>;
    /// `CreateEmailIdentity`, tagged with the owning tenant ([`TENANT_TAG`]).
    async fn create_identity(
        &self,
        identity: &str,
        dkim: &NewDkim,
        tenant: &str,
    ) -> Result<(), AwsError>;
    /// Every identity of the account in this region (`ListEmailIdentities`, all pages).
    async fn list_identities(&self) -> Result<Vec<String>, AwsError>;
    /// `DeleteEmailIdentity`; an identity SES no longer has counts as deleted.
    async fn delete_identity(&self, identity: &str) -> Result<(), AwsError>;
    /// `PutEmailIdentityDkimSigningAttributes` back to Easy DKIM (AWS_SES), which makes
    /// SES start DKIM verification again.
    async fn restart_easy_dkim(&self, identity: &str) -> Result<(), AwsError>;
    /// Whether the account is in the sandbox (`GetAccount`); `None` when SES did not say.
    async fn sandbox(&self) -> Option<bool>;
    /// `SendEmail`; SES's message id.
    async fn send_email(&self, mail: &SimpleMail) -> Result<Option<String>, AwsError>;
    /// `SendEmail` with `Raw` content (a whole MIME message) from `from` to
    /// `destinations`; SES's message id.
    async fn send_raw(
        &self,
        from: &str,
        destinations: &[String],
        raw: &[u8],
    ) -> Result<Option<String>, AwsError>;
}
