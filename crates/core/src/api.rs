//! The HTTP API's request and response bodies (`infra/openapi.yaml`): plain data with no
//! behaviour, defined once here so the backend serializes exactly what the npm package
//! declares for TypeScript (the web app imports these types from `sendready`; none is
//! written by hand).

use crate::diagnose::Diagnosis;
use crate::dns::verdict::RecordCheck;
use crate::dns::{DnsRecord, ZoneEntry};
use crate::identity::{IdentityKind, Tenant};
use crate::report::{Code, Issue};
use crate::ses::Simulator;
use crate::smtp::SmtpSettings;
use serde::{Deserialize, Serialize};

/// An RFC 9457 problem (`application/problem+json`): every error the API answers. `type`
/// is a URN made from the code, so a client can switch on it without parsing `title`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Issue>,
    /// Seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Records that already exist with other values (`dns-record-conflict`): nothing was
    /// changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<RecordConflict>,
}

/// A record Sendready would publish where the zone already holds something else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RecordConflict {
    /// The record's name.
    pub name: String,
    /// The type Sendready would publish.
    #[serde(rename = "type")]
    pub record_type: String,
    /// What the zone holds at the name: `TYPE value` for each value.
    pub found: Vec<String>,
    /// The value Sendready would publish.
    pub wanted: String,
    /// What to do.
    pub action: String,
}

/// A record publishing left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SkippedRecord {
    /// The record.
    pub record: DnsRecord,
    /// Why it was not published.
    pub reason: String,
}

impl Problem {
    /// A problem with a status, a code and a detail line; the title is the code's summary.
    pub fn new(status: u16, code: Code, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:sendready:{}", code.as_str()),
            title: code.summary().to_owned(),
            status,
            detail: detail.into(),
            code,
            issues: Vec::new(),
            retry_after: None,
            conflicts: Vec::new(),
        }
    }
}

/// How a new domain identity signs: Easy DKIM (SES's keys, RSA 2048) or BYODKIM with a
/// key pair the backend generates.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum DkimMode {
    /// SES generates and rotates the keys; three CNAMEs to publish.
    #[default]
    Easy,
    /// Bring your own DKIM: one TXT record with the generated public key.
    Byodkim,
}

/// The body of `POST /v1/identities`.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentity {
    /// A domain or an email address.
    pub identity: String,
    /// "New Identity Type"; inferred from an `@` when absent.
    #[serde(default)]
    pub kind: Option<IdentityKind>,
    /// Domain identities: Easy DKIM (default) or BYODKIM.
    #[serde(default)]
    pub dkim: DkimMode,
    /// BYODKIM selector (default `sendready`).
    #[serde(default)]
    pub selector: Option<String>,
}

/// DKIM state as SES reports it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DkimView {
    /// PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED.
    pub status: String,
    /// AWS_SES (Easy DKIM) or EXTERNAL (BYODKIM).
    pub origin: Option<String>,
    /// Easy DKIM tokens.
    pub tokens: Vec<String>,
    /// The zone the tokens' CNAMEs point into.
    pub signing_hosted_zone: Option<String>,
    /// The status explained.
    pub explanation: Diagnosis,
}

/// A record to publish, with the name to type at a DNS host managing the domain's zone.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// The record.
    #[serde(flatten)]
    pub record: DnsRecord,
    /// Name relative to the zone.
    pub zone_entry: Option<ZoneEntry>,
    /// False for suggestions (DMARC), true for what verification needs.
    pub required: bool,
}

/// An identity as `GET /v1/identities/{identity}` shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    /// The identity.
    pub identity: String,
    /// Domain or email.
    pub kind: IdentityKind,
    /// Whether SES lets it send.
    pub verified_for_sending: bool,
    /// SES `VerificationStatus`.
    pub verification_status: String,
    /// The status (and `VerificationInfo.ErrorType`) explained.
    pub verification: Diagnosis,
    /// DKIM, for domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim: Option<DkimView>,
    /// The records to publish.
    pub records: Vec<RecordView>,
    /// The custom MAIL FROM domain, once one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_from: Option<MailFromView>,
}

/// An identity's custom MAIL FROM domain as SES describes it, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct MailFromView {
    /// The MAIL FROM domain.
    pub domain: String,
    /// `MailFromDomainStatus`: `PENDING`, `SUCCESS`, `FAILED` or `TEMPORARY_FAILURE`.
    pub status: String,
    /// What SES does when the MX record is missing.
    pub behavior_on_mx_failure: crate::dns::MxFailure,
    /// The status explained: what SES is doing and what to do.
    pub explanation: String,
}

/// A domain's SPF as published, followed through every include and redirect in live DNS.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SpfLive {
    /// The domain.
    pub domain: String,
    /// The SPF records published there (more than one is an error).
    pub records: Vec<String>,
    /// DNS lookups the record's evaluation makes, through every include (at most 10).
    pub lookups: usize,
    /// Lookups that found nothing (at most 2).
    pub void_lookups: usize,
    /// `include:amazonses.com` is reached.
    pub includes_amazonses: bool,
    /// What is wrong, and hints.
    pub issues: Vec<Issue>,
    /// The record to publish with `include:amazonses.com` merged in; absent when nothing
    /// needs publishing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_publish: Option<String>,
}

/// A domain's DMARC as published, found by the RFC 9989 tree walk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DmarcLive {
    /// The domain.
    pub domain: String,
    /// Where the record that applies was found (`_dmarc.<domain>` or a parent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_at: Option<String>,
    /// That record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Its lint, and whether external report addresses authorize the reports.
    pub issues: Vec<Issue>,
    /// The record to publish when none applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_publish: Option<DnsRecord>,
}

/// The body of `GET /v1/identities/{identity}/policy`: SPF and DMARC as the world sees
/// them for the identity's domain and its MAIL FROM domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// SPF of the identity's domain.
    pub spf: SpfLive,
    /// SPF of the custom MAIL FROM domain, when one is set (what SPF checks for SES's mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_from_spf: Option<SpfLive>,
    /// DMARC of the identity's domain.
    pub dmarc: DmarcLive,
}

/// The body of `PUT /v1/identities/{identity}/mail-from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailFromRequest {
    /// A subdomain of the identity's domain that receives no mail (`bounce.example.com`).
    pub mail_from_domain: String,
    /// What SES does when the MX record is missing (default: send with amazonses.com).
    #[serde(default)]
    pub behavior_on_mx_failure: crate::dns::MxFailure,
    /// The MX records found at the subdomain may go: it receives no mail the user needs.
    #[serde(default)]
    pub replace_mx: bool,
}

/// The body of the publish route.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    /// The Route 53 hosted zone id (`Z123...` or `/hostedzone/Z123...`).
    pub hosted_zone_id: String,
    /// Also publish the suggestions (the DMARC record), not only what verification needs.
    #[serde(default)]
    pub include_suggestions: bool,
}

/// What was published.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// The zone id.
    pub hosted_zone_id: String,
    /// The zone's name.
    pub zone: String,
    /// Route 53's change id (empty when nothing had to change).
    pub change_id: String,
    /// Route 53's status of the change (PENDING, then INSYNC; INSYNC when nothing changed).
    pub status: String,
    /// The records now in the zone as the identity needs them (created and kept).
    pub records: Vec<RecordView>,
    /// How many of them this call created; the others were there already.
    pub created: usize,
    /// Records left out (a suggestion whose place is taken), with the reason.
    pub skipped: Vec<SkippedRecord>,
}

/// The outcome of a verify call.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The identity.
    pub identity: String,
    /// SES's status before any retry.
    pub verification_status: String,
    /// The status explained.
    pub verification: Diagnosis,
    /// One result per record (required records first; `required` says which).
    pub checks: Vec<Check>,
    /// True when every required record is found.
    pub all_required_found: bool,
    /// What the retry did, if one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<String>,
}

/// A record's result and whether verification needs it.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// The result.
    #[serde(flatten)]
    pub check: RecordCheck,
    /// False for suggestions (DMARC).
    pub required: bool,
}

/// The body of the route.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TestEmail {
    /// The From address: the email identity itself, or any address at the domain.
    pub from: String,
    /// A recipient; or use `scenario`.
    #[serde(default)]
    pub to: Option<String>,
    /// A mailbox-simulator scenario instead of a recipient.
    #[serde(default)]
    pub scenario: Option<Simulator>,
}

/// What happened.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    /// True when SES accepted the message.
    pub ok: bool,
    /// SES's message id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The recipient used.
    pub to: String,
    /// The account is in the SES sandbox (only verified recipients and the simulator);
    /// `null` when SES did not say (`GetAccount` unavailable).
    pub sandbox: Option<bool>,
    /// SES's refusal explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

/// The body of `PUT /v1/tenants/{tenant}/users`.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TenantUsers {
    /// The tenant's active users' addresses.
    pub active_user_emails: Vec<String>,
}

/// The body of `PUT /v1/tenants/{tenant}/zones`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TenantZones {
    /// The Route 53 hosted zone ids the tenant may publish to (`Z123...` or
    /// `/hostedzone/Z123...`); empty: none.
    pub hosted_zone_ids: Vec<String>,
}

/// The body of `POST /v1/sender/check`.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SenderCheck {
    /// The From address.
    pub from: String,
}

/// A hosted zone the deployment may publish to.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HostedZoneView {
    /// The zone id (`Z0123...`).
    pub id: String,
    /// The zone's domain, without the trailing dot.
    pub name: String,
}

/// The body of `GET /v1/tenant`: what a settings page needs to run the core's identity
/// and sender rules in the browser before it sends a request.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    /// The caller's tenant.
    pub tenant: String,
    /// The core's `Tenant` (active users, identities with SES's verified flag), as
    /// `checkNewIdentity` and `checkSender` take it.
    #[serde(flatten)]
    pub rules: Tenant,
    /// Domain identities a tenant may hold.
    pub max_domain_identities: usize,
    /// Email identities a tenant may hold.
    pub max_email_identities: usize,
    /// The Route 53 zones this deployment may publish to (empty when it names none).
    pub hosted_zones: Vec<HostedZoneView>,
    /// The tenant's own SES tenant, once its first identity made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ses: Option<SesTenantView>,
    /// Sending rates over the last 24 hours and 7 days, from SES's events.
    #[serde(default)]
    pub rates: Vec<crate::events::Rates>,
    /// A warning for each rate at or over the level SES reviews an account at
    /// (`reputation-bounce-rate`, `reputation-complaint-rate`).
    #[serde(default)]
    pub warnings: Vec<crate::Issue>,
}

/// An SES-managed reputation policy (SES v2 tenant management): what SES does when the
/// tenant's reputation findings are bad. `none`: nothing automatic; `standard`: pauses
/// the tenant on high-impact findings; `strict`: also on lower-impact ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum ReputationPolicy {
    /// No automatic action.
    None,
    /// Pause on high-impact findings.
    Standard,
    /// Pause on lower-impact findings too.
    Strict,
}

impl ReputationPolicy {
    /// SES's name of the policy (the last part of its ARN).
    pub fn as_str(self) -> &'static str {
        match self {
            ReputationPolicy::None => "none",
            ReputationPolicy::Standard => "standard",
            ReputationPolicy::Strict => "strict",
        }
    }
}

/// Why SES suppresses an address (`SuppressionListReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SuppressionReason {
    /// A hard bounce.
    Bounce,
    /// A complaint.
    Complaint,
}

/// The body of `PUT /v1/tenants/{tenant}/reputation` (the platform's admin scope): the
/// tenant's reputation policy and, when given, the reasons SES suppresses its recipients
/// for (tenant-scoped suppression).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantReputation {
    /// The SES-managed policy.
    pub policy: ReputationPolicy,
    /// The suppression reasons; absent leaves them as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_reasons: Option<Vec<SuppressionReason>>,
}

/// The tenant's SES tenant as `GetTenant` and `GetReputationEntity` describe it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SesTenantView {
    /// The SES tenant's name (`sendready-t-<tenant>`).
    pub tenant_name: String,
    /// `SendingStatus`: `ENABLED`, `REINSTATED` or `DISABLED` (paused by SES or the
    /// platform).
    pub sending_status: String,
    /// The reputation policy (`none`, `standard`, `strict`), when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reputation_policy: Option<String>,
    /// SES's own status of the tenant's reputation (`ENABLED`, `DISABLED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ses_managed_status: Option<String>,
    /// The platform's status of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_managed_status: Option<String>,
    /// `ReputationImpact` of the latest findings (`LOW`, `HIGH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reputation_impact: Option<String>,
    /// The reasons SES suppresses the tenant's recipients for, when set for the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_reasons: Option<Vec<String>>,
}

/// One step of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
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
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
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
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
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

/// The body of the SMTP routes: the settings form (camelCase, as the npm package takes
/// it), plus `accessToken` for OAuth 2.0 and, for a test message, `to`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SmtpRequest {
    /// The settings, as the form holds them.
    #[serde(flatten)]
    pub settings: SmtpSettings,
    /// XOAUTH2 access token (OAuth 2.0 only); never stored or logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The recipient of a test message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// How the tenant's notifications leave (Zuora: "Deliver E-Mail Notifications Using").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum DeliveryRoute {
    /// The platform's default server, from the tenant profile's email address.
    #[default]
    PlatformDefault,
    /// The tenant's own SMTP server (needs a passing connection test of its settings).
    ExternalSmtp,
    /// The platform's SES account, from an address one of the tenant's verified
    /// identities covers (Zuora's "advanced SMTP": every notification through SES).
    Ses,
}

impl DeliveryRoute {
    /// The name used in the API and in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryRoute::PlatformDefault => "platformDefault",
            DeliveryRoute::ExternalSmtp => "externalSmtp",
            DeliveryRoute::Ses => "ses",
        }
    }
}

/// The SES sender: the default From and its name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct SesSender {
    /// The default From address (an address a verified identity of the tenant covers).
    pub from_address: String,
    /// The From name.
    pub from_name: String,
}

/// The body of `PUT /v1/settings`: the tenant's email settings. Secrets go in `smtp`'s
/// `password` (kept when "Change password" is off and one is stored) and `smtpToken`;
/// they are sealed per tenant and never returned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct EmailSettings {
    /// Which server delivers the tenant's notifications.
    pub delivery: DeliveryRoute,
    /// The tenant profile's email address, the platform default server's From.
    pub profile_email: String,
    /// The external SMTP server's settings, as the npm package validates them.
    pub smtp: SmtpSettings,
    /// The OAuth 2.0 token for the external server (XOAUTH2); replaced when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_token: Option<String>,
    /// The SES sender.
    pub ses: SesSender,
}

/// The body of `GET /v1/settings` (and of a saved `PUT`): the settings without their
/// secrets, which are only flagged, and the version a write must name in `If-Match`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Which server delivers the tenant's notifications.
    pub delivery: DeliveryRoute,
    /// The tenant profile's email address.
    pub profile_email: String,
    /// The external SMTP settings; `password` is never returned (`passwordStored` says
    /// whether one is saved).
    pub smtp: SmtpSettings,
    /// True when an SMTP password is saved.
    pub password_set: bool,
    /// True when an OAuth 2.0 token is saved.
    pub smtp_token_set: bool,
    /// The SES sender.
    pub ses: SesSender,
    /// The version of these settings (0 before the first save); the `ETag` is `"<n>"`.
    pub version: u64,
    /// When they were last saved (seconds since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<u64>,
    /// Who saved them (the token's subject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When these exact SMTP settings last passed "Test connection and save".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_tested_at: Option<u64>,
}

/// One saved change of the settings: who, when, which fields (never a value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SettingsChange {
    /// The version this change made.
    pub version: u64,
    /// When (seconds since the Unix epoch).
    pub at: u64,
    /// Who (the token's subject).
    pub by: String,
    /// The fields that changed (`delivery`, `smtp.host`, `smtp.password`, ...).
    pub fields: Vec<String>,
}

/// The body of `PUT /v1/settings?test=true`: the connection check's steps, and whether
/// the settings were saved (only when it passed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TestedSettings {
    /// True when the test passed and the settings were saved.
    pub saved: bool,
    /// The connection check, step by step.
    pub test: Outcome,
    /// The settings as they now stand (saved or not).
    pub settings: SettingsView,
}

/// Which SMTP session a debug transcript records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum TranscriptSource {
    /// A message of `POST /v1/messages` through the tenant's SMTP server.
    Send,
    /// "Test connection and save" (`PUT /v1/settings?test=true`).
    TestAndSave,
}

/// One SMTP session's steps, each with the server's reply, kept for the tenant while the
/// settings' debug is on (FusionAuth writes SMTP debug output to its event log); every
/// secret the session used is redacted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SmtpTranscript {
    /// When the session ended (seconds since the Unix epoch).
    pub at: u64,
    /// Which session.
    pub source: TranscriptSource,
    /// The server (host name as entered, A-label form) and port.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The `Message-ID` of a message that left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The steps, redacted.
    pub outcome: Outcome,
}

/// The body of `POST /v1/messages`: one message a platform's notification service
/// delivers for a tenant through the tenant's chosen route.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct SendMessage {
    /// Recipients (at most 50 with `cc`, SES's limit per message).
    pub to: Vec<String>,
    /// Copy recipients.
    pub cc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// HTML part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// From, within what the tenant may send as; the route's default when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The From name; the route's default when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Reply-To addresses.
    pub reply_to: Vec<String>,
}

/// The answer of `POST /v1/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    /// The message id the route gave (SES's, or the Message-ID sent over SMTP).
    pub message_id: String,
    /// The route it left through.
    pub route: DeliveryRoute,
    /// The From address used.
    pub from: String,
    /// Every recipient.
    pub recipients: Vec<String>,
    /// True when this answer repeats an earlier send with the same `Idempotency-Key`
    /// (nothing was sent again).
    pub replayed: bool,
}

/// Where a message sent with `Prefer: respond-async` is (issue 23.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum MessageStatus {
    /// On the send queue, waiting for a place of the tenant's share.
    Queued,
    /// Being handed to the route.
    Sending,
    /// Delivered to the route (`sent` says how).
    Sent,
    /// Surely not sent (`problem` says why); a new send needs a new request.
    Failed,
    /// May have left: the route's answer never came (`problem` says why). Never sent again.
    Unknown,
}

/// Why a queued message failed, or why its outcome is unknown: the problem a synchronous
/// send would have answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct MessageProblem {
    /// The HTTP status a synchronous send would have answered.
    pub status: u16,
    /// The problem's code (docs/codes.md).
    pub code: String,
    /// What went wrong and what to do.
    pub detail: String,
}

/// The answer of `POST /v1/messages` with `Prefer: respond-async` (202) and of
/// `GET /v1/messages/{messageId}`: a message on the send queue and where it got to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct QueuedMessage {
    /// Sendready's id of the message (`msg_…`), the key of its status route.
    pub message_id: String,
    /// Where it is.
    pub status: MessageStatus,
    /// Its status route (`/v1/messages/{messageId}`).
    pub status_url: String,
    /// When it was queued (RFC 3339).
    pub queued_at: String,
    /// When its status last changed (RFC 3339).
    pub updated_at: String,
    /// Times a worker began to hand it over.
    pub attempts: u32,
    /// How it left, once `sent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<SentMessage>,
    /// Why it failed or may have left, once `failed` or `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<MessageProblem>,
    /// True when this answer repeats an earlier request with the same `Idempotency-Key`
    /// (nothing was queued again).
    #[serde(default)]
    pub replayed: bool,
}

/// The answer of `GET /v1/identities/{identity}/history`: verification tracking and the
/// changes it recorded (issue 15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct IdentityHistory {
    /// The identity.
    pub identity: String,
    /// True while `sendready-track` looks at the identity again by itself.
    pub tracked: bool,
    /// SES's status at the tracker's last look.
    pub status: Option<String>,
    /// When the tracker looks next (RFC 3339).
    pub next_check_at: Option<String>,
    /// Announcements not yet delivered everywhere (tried again within 5 minutes).
    pub waiting_announcements: usize,
    /// The recorded changes, newest first.
    pub changes: Vec<HistoryEntry>,
}

/// One recorded change of an identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// When it was seen (RFC 3339).
    pub at: String,
    /// SES's status before, when it changed.
    pub from: Option<String>,
    /// SES's status then.
    pub status: String,
    /// The records whose checks changed.
    pub records: Vec<crate::tracking::RecordChange>,
    /// The EventBridge `detail-type` (and webhook) it was announced as, when it was.
    pub announced_as: Option<crate::tracking::Announcement>,
}
