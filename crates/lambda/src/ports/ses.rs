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
    /// `MailFromAttributes`, when a custom MAIL FROM domain is set.
    pub mail_from: Option<SesMailFrom>,
}

/// An identity's `MailFromAttributes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SesMailFrom {
    /// `MailFromDomain`.
    pub domain: String,
    /// `MailFromDomainStatus`.
    pub status: String,
    /// `BehaviorOnMxFailure` is `REJECT_MESSAGE`.
    pub reject_on_mx_failure: bool,
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

/// A platform tenant's own SES tenant (SES v2 tenant management), as `GetTenant` and
/// `GetReputationEntity` describe it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SesTenant {
    /// `TenantName`.
    pub name: String,
    /// `TenantArn`: `arn:aws:ses:<region>:<account>:tenant/<name>/<id>`.
    pub arn: String,
    /// `SendingStatus`: ENABLED, REINSTATED or DISABLED.
    pub sending_status: String,
    /// `SuppressionAttributes.SuppressedReasons` (BOUNCE, COMPLAINT), when set.
    pub suppressed_reasons: Option<Vec<String>>,
}

/// A reputation entity (`GetReputationEntity`): the tenant's reputation as SES keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SesReputation {
    /// `ReputationManagementPolicy`: the ARN of the SES-managed policy, when one is set.
    pub policy: Option<String>,
    /// `CustomerManagedStatus.Status`.
    pub customer_status: Option<String>,
    /// `AwsSesManagedStatus.Status`.
    pub aws_status: Option<String>,
    /// `SendingStatusAggregate`.
    pub aggregate: Option<String>,
    /// `ReputationImpact`: LOW or HIGH.
    pub impact: Option<String>,
}

/// Where a send belongs in SES: the tenant's SES tenant and configuration set, so SES
/// counts it against that tenant's reputation and publishes its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendScope {
    /// `TenantName`.
    pub tenant_name: String,
    /// `ConfigurationSetName`.
    pub config_set: String,
}

/// The SES tenant and configuration set name of a platform tenant: `sendready-t-<id>`
/// when the id is 1-52 letters, digits, `_` and `-` (SES allows 64 of those in both
/// names), else `sendready-h-` and 32 hex digits of a hash of it. The two forms never meet.
pub fn ses_tenant_name(tenant: &str) -> String {
    let plain = !tenant.is_empty()
        && tenant.len() <= 52
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        return format!("sendready-t-{tenant}");
    }
    // FNV-1a, 128 bits: stable across builds and platforms (no std hasher is).
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in tenant.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    format!("sendready-h-{h:032x}")
}

/// The ARN of an SES resource named `kind/name` in the account and region of `tenant_arn`.
pub fn ses_arn(tenant_arn: &str, kind: &str, name: &str) -> Option<String> {
    arn_in(tenant_arn, "ses", &format!("{kind}/{name}"))
}

/// The default EventBridge bus in the account and region of `tenant_arn`.
pub fn default_bus_arn(tenant_arn: &str) -> Option<String> {
    arn_in(tenant_arn, "events", "event-bus/default")
}

/// An ARN of `service` and `resource` in the partition, account and region of an SES ARN.
fn arn_in(tenant_arn: &str, service: &str, resource: &str) -> Option<String> {
    let mut parts = tenant_arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("ses"), Some(region), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(format!(
        "arn:{partition}:{service}:{region}:{account}:{resource}"
    ))
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
    /// One page of the account's identities in this region (`ListEmailIdentities`, at
    /// most `size` of them, after `token`), with the token of the next page if any.
    async fn list_identities_page(
        &self,
        token: Option<String>,
        size: usize,
    ) -> Result<(Vec<String>, Option<String>), AwsError>;
    /// `DeleteEmailIdentity`; an identity SES no longer has counts as deleted.
    async fn delete_identity(&self, identity: &str) -> Result<(), AwsError>;
    /// `PutEmailIdentityDkimSigningAttributes` back to Easy DKIM (AWS_SES), which makes
    /// SES start DKIM verification again.
    async fn restart_easy_dkim(&self, identity: &str) -> Result<(), AwsError>;
    /// `PutEmailIdentityMailFromAttributes`: the custom MAIL FROM domain and what SES does
    /// when its MX record is missing.
    async fn put_mail_from(
        &self,
        identity: &str,
        domain: &str,
        reject_on_mx_failure: bool,
    ) -> Result<(), AwsError>;
    /// Whether the account is in the sandbox (`GetAccount`); `None` when SES did not say.
    async fn sandbox(&self) -> Option<bool>;
    /// `SendEmail`, for the tenant's SES tenant with `scope`; SES's message id.
    async fn send_email(
        &self,
        mail: &SimpleMail,
        scope: Option<&SendScope>,
    ) -> Result<Option<String>, AwsError>;
    /// `SendEmail` with `Raw` content (a whole MIME message) from `from` to
    /// `destinations`, for the tenant's SES tenant with `scope`; SES's message id.
    async fn send_raw(
        &self,
        from: &str,
        destinations: &[String],
        raw: &[u8],
        scope: Option<&SendScope>,
    ) -> Result<Option<String>, AwsError>;
    /// `CreateTenant` tagged with the platform tenant ([`TENANT_TAG`]), or the one that
    /// exists (`GetTenant`): idempotent.
    async fn ensure_tenant(&self, name: &str, tenant: &str) -> Result<SesTenant, AwsError>;
    /// `GetTenant`.
    async fn get_tenant(&self, name: &str) -> Result<SesTenant, AwsError>;
    /// `CreateConfigurationSet` tagged with the platform tenant, with reputation metrics
    /// on; one that exists counts as created.
    async fn ensure_config_set(&self, name: &str, tenant: &str) -> Result<(), AwsError>;
    /// `CreateConfigurationSetEventDestination` of `name` sending every event type to the
    /// EventBridge bus `bus_arn`; one that exists counts as made.
    async fn ensure_event_destination(
        &self,
        config_set: &str,
        name: &str,
        bus_arn: &str,
    ) -> Result<(), AwsError>;
    /// `CreateTenantResourceAssociation`; one that exists counts as made.
    async fn associate(&self, tenant_name: &str, resource_arn: &str) -> Result<(), AwsError>;
    /// `DeleteTenantResourceAssociation`; one that does not exist counts as removed.
    async fn disassociate(&self, tenant_name: &str, resource_arn: &str) -> Result<(), AwsError>;
    /// `GetReputationEntity` of a resource (the tenant's ARN).
    async fn reputation(&self, arn: &str) -> Result<SesReputation, AwsError>;
    /// `UpdateReputationEntityPolicy` of a resource to an SES-managed policy ARN.
    async fn set_reputation_policy(&self, arn: &str, policy_arn: &str) -> Result<(), AwsError>;
    /// `PutTenantSuppressionAttributes`: the reasons SES suppresses addresses for.
    async fn set_tenant_suppression(
        &self,
        tenant_name: &str,
        reasons: &[String],
    ) -> Result<(), AwsError>;
}
