//! The send route (`POST /v1/messages`, issue 14): one message a platform's notification
//! service delivers for a tenant, through the route the tenant chose in its settings.
//!
//! - `ses`: a raw MIME message (lettre's builder) through SES `SendEmail` with `Raw`
//!   content, from an address one of the tenant's verified identities covers, with the
//!   tenant's additional headers (Zuora: with advanced SMTP every notification leaves
//!   through SES from a verified identity).
//! - `externalSmtp`: through the tenant's own server with the stored credentials, opened
//!   only for this send, the saved security mode and the additional headers (FusionAuth).
//! - `platformDefault`: through the platform's own SES sender. SES sends only from
//!   verified identities, so the platform's address is the From and the tenant profile's
//!   email address the Reply-To (Zuora's default server sends "from" the profile address;
//!   over SES that is what can be delivered without the platform verifying every tenant's
//!   address). It goes under the tenant's SES tenant and configuration set like its own
//!   sends, so its events, rates and pauses are the tenant's.
//!
//! An `Idempotency-Key` makes a retried call answer the first call's result without
//! sending again: at most once, for the key's day.
//! - A key is claimed before the send, only where no claim is; a retry while the send runs
//!   is 409 `message-in-progress` with `Retry-After`.
//! - Sent: the answer is recorded and repeated to every retry.
//! - Surely not sent (refused before the message was handed over, a reply code refusing
//!   it, SES refusing it): the key is released, so a retry sends.
//! - May have left (an SMTP reply that never came after the message was written, SES not
//!   answering, the answer not saved, a request cut off mid-send): the key stays held and
//!   every retry is 409 `message-outcome-unknown`, never a second message. A claim still
//!   `sending` after [`SENDING_SECS`] was cut off, so it is answered the same way.

mod queued;

pub use queued::{Handled, MAX_ATTEMPTS, SendQueue};

use super::identities::{record_of, sender_decision};
use super::secrets::{Secrets, Which, binding};
use super::ses_tenant;
use super::smtp::{Smtp, transcript};
use crate::error::Problem;
use crate::ports::registry::now_secs;
use crate::ports::sendlog::{Claim, SendLog};
use crate::ports::settings::{Sealer, SettingsStore};
use crate::ports::smtp::{Delivery, OutgoingMail};
use crate::ports::{AwsErrorKind, Limiter, Limits, Registry, Ses};
use axum::http::StatusCode;
use sendready_core::address::{AddressOptions, check_address_into, check_display_name};
use sendready_core::api::{
    DeliveryRoute, QueuedMessage, SendMessage, SentMessage, TranscriptSource,
};
use sendready_core::smtp::parse_additional_headers;
use sendready_core::text::{TextKind, report_unsafe};
use sendready_core::{Code, Issues};
use std::sync::Arc;

/// SES's most recipients per message (To, Cc and Bcc together).
pub const MAX_RECIPIENTS: usize = 50;
/// How long a send may be under way (more than a request's deadline): a claim still
/// `sending` after it was cut off, and its outcome is unknown.
pub const SENDING_SECS: u64 = 60;

/// A send that did not report success: the problem, and whether the message may have
/// left all the same.
struct Undelivered {
    problem: Problem,
    uncertain: bool,
}

impl<E: Into<Problem>> From<E> for Undelivered {
    fn from(e: E) -> Self {
        Undelivered {
            problem: e.into(),
            uncertain: false,
        }
    }
}

impl Undelivered {
    /// A failure after which the message may have left.
    fn uncertain(problem: Problem) -> Self {
        Undelivered {
            problem,
            uncertain: true,
        }
    }
}

/// 409 for a key whose send may have delivered: why, and what to do.
fn outcome_unknown(why: &str) -> Problem {
    let why = if why.is_empty() {
        "the request that sent it did not report back (it was cut off mid-send)"
    } else {
        why
    };
    Problem::new(
        StatusCode::CONFLICT,
        Code::MessageOutcomeUnknown,
        format!(
            "A message with this Idempotency-Key may have been delivered: {why}. Sendready never sends with this key again, so no retry can deliver it twice. Look for it (your SES events, the recipient's mailbox, your SMTP server's log); to send it again on purpose, use a new Idempotency-Key."
        ),
    )
}

/// The send service.
pub struct Messages {
    /// The tenants' settings (the route, the senders, the SMTP server).
    pub settings: Arc<dyn SettingsStore>,
    /// Opens the stored SMTP secrets for the send.
    pub sealer: Arc<dyn Sealer>,
    /// The tenant registry (identities, for the SES sender's authorization).
    pub registry: Arc<dyn Registry>,
    /// SES.
    pub ses: Arc<dyn Ses>,
    /// SMTP (the settings' checks and the client).
    pub smtp: Arc<Smtp>,
    /// The `Idempotency-Key`s.
    pub log: Arc<dyn SendLog>,
    /// Where sends are counted.
    pub limiter: Arc<dyn Limiter>,
    /// The limits.
    pub limits: Limits,
    /// The platform's own sender for `platformDefault` (`SENDREADY_PLATFORM_FROM`).
    pub platform_from: Option<String>,
    /// The send queue for `Prefer: respond-async` (`SENDREADY_SEND_QUEUE_URL`).
    pub queue: Option<SendQueue>,
}

/// What the send route answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Sent now (200).
    Sent(SentMessage),
    /// Queued, or a queued message's status (202).
    Queued(QueuedMessage),
}

/// A recorded answer of an `Idempotency-Key`: a send's or a queued message's.
fn recorded(answer: &str) -> Result<Answer, Problem> {
    if let Ok(sent) = serde_json::from_str::<SentMessage>(answer) {
        return Ok(Answer::Sent(sent));
    }
    serde_json::from_str::<QueuedMessage>(answer)
        .map(Answer::Queued)
        .map_err(|e| Problem::internal(e.to_string()))
}

/// Checked addresses: To, Cc and Reply-To.
type Addresses = (Vec<String>, Vec<String>, Vec<String>);

/// The request's addresses, checked; every problem under its field.
fn checked(req: &SendMessage) -> Result<Addresses, Problem> {
    let mut issues = Issues::new();
    let mut list = |field: &str, addrs: &[String]| -> Vec<String> {
        addrs
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                check_address_into(
                    a,
                    &format!("{field}[{i}]"),
                    AddressOptions::default(),
                    &mut issues,
                )
                .map(|a| a.address)
            })
            .collect()
    };
    let to = list("to", &req.to);
    let cc = list("cc", &req.cc);
    let reply_to = list("replyTo", &req.reply_to);
    let count = req.to.len() + req.cc.len();
    if count == 0 || count > MAX_RECIPIENTS {
        issues.error(
            "to",
            Code::MessageRecipients,
            format!("A message needs 1 to {MAX_RECIPIENTS} recipients in to and cc together (SES's limit); this one has {count}. Send more messages for more recipients."),
        );
    }
    if req.subject.trim().is_empty()
        || req.subject.len() > 900
        || req.subject.contains(['\r', '\n'])
    {
        issues.error(
            "subject",
            Code::MessageSubjectInvalid,
            "Give a subject of one line, at most 900 characters.",
        );
    } else {
        report_unsafe(
            &req.subject,
            TextKind::HeaderValue,
            "subject",
            "subject",
            &mut issues,
        );
    }
    if req.text.as_deref().is_none_or(str::is_empty)
        && req.html.as_deref().is_none_or(str::is_empty)
    {
        issues.error(
            "text",
            Code::MessageEmpty,
            "Give the message a text part, an HTML part or both.",
        );
    }
    if let Some(name) = &req.from_name {
        check_display_name(name, "fromName", &mut issues);
    }
    if issues.has_errors() {
        return Err(Problem::invalid(issues.into_vec()));
    }
    Ok((to, cc, reply_to))
}

impl Messages {
    /// The stored secrets, opened only for the server each was saved for.
    fn secrets(&self) -> Secrets {
        Secrets {
            store: self.settings.clone(),
            sealer: self.sealer.clone(),
        }
    }

    /// The SES identity that covers the platform's sender: the address when it is an
    /// identity of its own, else its domain.
    async fn platform_identity(&self, from: &str) -> String {
        match self.ses.get_identity(from).await {
            Ok(_) => from.to_owned(),
            Err(_) => from
                .rsplit_once('@')
                .map_or(from, |(_, d)| d)
                .to_ascii_lowercase(),
        }
    }

    /// Delivers one message for `tenant`, or with `queue` (the caller preferred an
    /// asynchronous answer and a send queue is configured) queues it; with `key`, at most
    /// once per key.
    pub async fn send(
        &self,
        tenant: &str,
        key: Option<&str>,
        req: SendMessage,
        queue: bool,
    ) -> Result<Answer, Problem> {
        let queue = queue && self.can_queue();
        let (to, cc, reply_to) = checked(&req)?;
        let Some(key) = key else {
            if queue {
                let request =
                    serde_json::to_string(&req).map_err(|e| Problem::internal(e.to_string()))?;
                return self.enqueue(tenant, &request).await.map(Answer::Queued);
            }
            return self
                .deliver(tenant, &req, to, cc, reply_to)
                .await
                .map_err(|u| match u {
                    Undelivered {
                        problem,
                        uncertain: true,
                    } => {
                        let mut p = Problem::new(
                            StatusCode::GATEWAY_TIMEOUT,
                            Code::MessageOutcomeUnknown,
                            format!(
                                "The message may have been delivered: {} ({}). Look for it before sending it again; with an Idempotency-Key a retry is answered safely.",
                                problem.detail,
                                problem.code.as_str()
                            ),
                        );
                        p.issues.clone_from(&problem.issues);
                        p
                    }
                    Undelivered { problem, .. } => problem,
                })
                .map(Answer::Sent);
        };
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (33..=126).contains(&b)) {
            return Err(Problem::field(
                "Idempotency-Key",
                Code::InputInvalid,
                "An Idempotency-Key is 1 to 255 printable ASCII characters without spaces, such as a UUID.",
            ));
        }
        let request = serde_json::to_string(&req).map_err(|e| Problem::internal(e.to_string()))?;
        let nonce = format!("{:032x}", rand::random::<u128>());
        match self.log.claim(tenant, key, &request, &nonce).await? {
            Claim::New => {}
            Claim::Done(answer) => {
                return match recorded(&answer)? {
                    Answer::Sent(mut sent) => {
                        sent.replayed = true;
                        Ok(Answer::Sent(sent))
                    }
                    Answer::Queued(first) => {
                        self.replay_queued(tenant, first).await.map(Answer::Queued)
                    }
                };
            }
            Claim::Sending(since) if now_secs() < since + SENDING_SECS => {
                let mut p = Problem::new(
                    StatusCode::CONFLICT,
                    Code::MessageInProgress,
                    "A message with this Idempotency-Key is being sent; try again after Retry-After seconds with the same key for its result.",
                );
                p.retry_after = Some((since + SENDING_SECS).saturating_sub(now_secs()).max(1));
                return Err(p);
            }
            Claim::Sending(_) => return Err(outcome_unknown("")),
            Claim::Unknown(why) => return Err(outcome_unknown(&why)),
            Claim::Mismatch => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Code::MessageIdempotencyMismatch,
                    "This Idempotency-Key was used for another message; use a new key for a new message.",
                ));
            }
        }
        if queue {
            return match self.enqueue(tenant, &request).await {
                Ok(queued) => {
                    let answer = serde_json::to_string(&queued)
                        .map_err(|e| Problem::internal(e.to_string()))?;
                    if let Err(e) = self.log.finish(tenant, key, &answer).await {
                        // Queued, but not recorded: the claim stays `sending`, so a retry
                        // is answered as an unknown outcome, never a second message.
                        tracing::warn!(tenant = %tenant, error = %e, "the queued message could not be recorded");
                    }
                    Ok(Answer::Queued(queued))
                }
                Err(p) => {
                    if let Err(e) = self.log.release(tenant, key).await {
                        tracing::warn!(tenant = %tenant, error = %e, "the Idempotency-Key could not be released");
                    }
                    Err(p)
                }
            };
        }
        match self.deliver(tenant, &req, to, cc, reply_to).await {
            Ok(sent) => {
                let answer =
                    serde_json::to_string(&sent).map_err(|e| Problem::internal(e.to_string()))?;
                if let Err(e) = self.log.finish(tenant, key, &answer).await {
                    // Sent, but not recorded: the claim stays `sending`, so every retry is
                    // answered as an unknown outcome, never a second send.
                    tracing::warn!(tenant = %tenant, error = %e, "the sent message could not be recorded");
                }
                Ok(Answer::Sent(sent))
            }
            Err(Undelivered {
                problem,
                uncertain: true,
            }) => {
                let why = format!("{} ({})", problem.detail, problem.code.as_str());
                if let Err(e) = self.log.unknown(tenant, key, &why).await {
                    // The claim stays `sending`: retries are answered as unknown all the same.
                    tracing::warn!(tenant = %tenant, error = %e, "the unknown outcome could not be recorded");
                }
                // 504: the server or SES gave no answer. No Retry-After: a retry is answered
                // 409 with the same words, never with a second message.
                let mut p = outcome_unknown(&why);
                p.status = StatusCode::GATEWAY_TIMEOUT.as_u16();
                Err(p)
            }
            Err(Undelivered { problem, .. }) => {
                if let Err(e) = self.log.release(tenant, key).await {
                    // Still `sending`: a retry is told so, then told the outcome is
                    // unknown; never a second send.
                    tracing::warn!(tenant = %tenant, error = %e, "the Idempotency-Key could not be released");
                }
                Err(problem)
            }
        }
    }

    /// Sends through the tenant's route, counting the message against its limits.
    async fn deliver(
        &self,
        tenant: &str,
        req: &SendMessage,
        to: Vec<String>,
        cc: Vec<String>,
        reply_to: Vec<String>,
    ) -> Result<SentMessage, Undelivered> {
        let stored = self.settings.load(tenant).await?;
        let s = &stored.settings;
        let mut issues = Issues::new();
        let headers = parse_additional_headers(&s.smtp.additional_headers, &mut issues);
        let mut mail = OutgoingMail {
            from: String::new(),
            from_name: String::new(),
            to,
            cc,
            reply_to,
            subject: req.subject.clone(),
            text: req.text.clone().filter(|t| !t.is_empty()),
            html: req.html.clone().filter(|h| !h.is_empty()),
            headers,
        };
        // The verified identity an SES send goes out under.
        let mut identity: Option<String> = None;
        let from_not_allowed =
            |why: String| Problem::new(StatusCode::BAD_REQUEST, Code::MessageFromNotAllowed, why);
        match s.delivery {
            DeliveryRoute::Ses => {
                let from = req
                    .from
                    .clone()
                    .unwrap_or_else(|| s.ses.from_address.clone());
                let rec = record_of(self.registry.as_ref(), tenant).await?;
                let decision = sender_decision(self.ses.as_ref(), &rec, &from).await?;
                match decision.value {
                    Some(d) if d.allowed => {
                        mail.from = d.from;
                        identity = d.identity;
                    }
                    _ => {
                        let why = decision.issues.first().map_or_else(
                            || "No verified identity covers it.".to_owned(),
                            |i| i.message.clone(),
                        );
                        return Err(from_not_allowed(format!(
                            "{from} may not send for this account through SES: {why}"
                        ))
                        .into());
                    }
                }
                mail.from_name = req
                    .from_name
                    .clone()
                    .unwrap_or_else(|| s.ses.from_name.clone());
            }
            DeliveryRoute::ExternalSmtp => {
                let saved = s.smtp.from_address.clone();
                let from = req.from.clone().unwrap_or_else(|| saved.clone());
                if !from.eq_ignore_ascii_case(&saved) {
                    return Err(from_not_allowed(format!(
                        "Through your SMTP server messages go from its saved From address ({saved}); send without from, or save another From in the settings."
                    ))
                    .into());
                }
                mail.from = saved;
                mail.from_name = req
                    .from_name
                    .clone()
                    .unwrap_or_else(|| s.smtp.from_name.clone());
            }
            DeliveryRoute::PlatformDefault => {
                let Some(platform) = self.platform_from.clone() else {
                    return Err(Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        Code::MessageRouteUnavailable,
                        "The platform's default server is not configured here (SENDREADY_PLATFORM_FROM); choose SES or your SMTP server in the settings.",
                    )
                    .into());
                };
                if req
                    .from
                    .as_deref()
                    .is_some_and(|f| !f.eq_ignore_ascii_case(&platform))
                {
                    return Err(from_not_allowed(format!(
                        "The platform's default server sends from {platform}; send without from, or choose SES or your SMTP server in the settings."
                    ))
                    .into());
                }
                // Under the tenant's own SES tenant and configuration set all the same, so
                // its bounces, complaints, rates, reputation policy and pauses are its own,
                // not the shared account's (the platform's identity is associated with
                // each tenant that sends through it).
                identity = Some(self.platform_identity(&platform).await);
                mail.from = platform;
                mail.from_name = req.from_name.clone().unwrap_or_default();
                if !s.profile_email.is_empty() && mail.reply_to.is_empty() {
                    mail.reply_to.push(s.profile_email.clone());
                }
            }
        }
        self.limiter
            .take(tenant, "", &self.limits.messages_hour)
            .await?;
        let recipients = mail.recipients();
        let message_id = if s.delivery == DeliveryRoute::ExternalSmtp {
            self.through_smtp(tenant, &stored, &mail).await?
        } else {
            let (raw, id) = self.smtp.client.render(&mail).map_err(Problem::internal)?;
            // Every SES send is some tenant's: its SES tenant and configuration set.
            let scope = identity.as_ref().map(|_| ses_tenant::scope(tenant));
            let mut sent = self
                .ses
                .send_raw(&mail.from, &recipients, &raw, scope.as_ref())
                .await;
            if let Some(identity) = &identity
                && sent.as_ref().is_err_and(ses_tenant::needs_setup)
            {
                ses_tenant::attach(
                    self.ses.as_ref(),
                    self.registry.as_ref(),
                    tenant,
                    identity,
                    None,
                )
                .await?;
                sent = self
                    .ses
                    .send_raw(&mail.from, &recipients, &raw, scope.as_ref())
                    .await;
            }
            match sent {
                Ok(ses_id) => ses_id.unwrap_or(id),
                // No answer from SES: it may have accepted the message.
                Err(e) if e.kind == AwsErrorKind::Unavailable => {
                    return Err(Undelivered::uncertain(e.into()));
                }
                Err(e) => return Err(e.into()),
            }
        };
        tracing::info!(tenant = %tenant, route = s.delivery.as_str(), recipients = recipients.len(), "message sent");
        Ok(SentMessage {
            message_id,
            route: s.delivery,
            from: mail.from,
            recipients,
            replayed: false,
        })
    }

    /// Through the tenant's own server with its stored credentials.
    async fn through_smtp(
        &self,
        tenant: &str,
        stored: &crate::ports::settings::StoredSettings,
        mail: &OutgoingMail,
    ) -> Result<String, Undelivered> {
        let mut settings = stored.settings.smtp.clone();
        if settings.host.is_empty() {
            return Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::MessageRouteUnavailable,
                "No SMTP server is saved for this account; save one with Test connection and save.",
            )
            .into());
        }
        settings.password_stored = stored.password.is_some();
        settings.change_password = Some(false);
        let config = self.smtp.config(&settings)?;
        // Each stored secret opens only for the server it was saved for.
        let secret = match Which::for_auth(config.authentication) {
            None => None,
            Some(which) => self
                .secrets()
                .open_for(tenant, stored, which, &binding(&config))
                .await
                .map_err(|p| {
                    Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        Code::MessageRouteUnavailable,
                        format!(
                            "The saved SMTP settings cannot sign in: {} Save the settings again with the password (Test connection and save).",
                            p.issues.first().map_or(p.detail.as_str(), |i| i.message.as_str())
                        ),
                    )
                })?,
        };
        // One of the tenant's places with its own server, taken before a byte is sent, so
        // a refusal is a message certainly not sent.
        let Delivery {
            outcome: out,
            message_id: id,
            uncertain,
        } = super::leased(
            &self.smtp.limiter,
            tenant,
            &self.smtp.limits.smtp_share,
            async {
                Ok::<_, Problem>(
                    self.smtp
                        .client
                        .send_mail(&config, secret.as_ref(), mail)
                        .await,
                )
            },
        )
        .await?;
        if config.debug {
            let t = transcript(
                TranscriptSource::Send,
                &config,
                &out,
                id.clone(),
                secret.as_ref(),
            );
            if let Err(e) = self.settings.keep_transcript(tenant, &t).await {
                tracing::warn!(tenant = %tenant, error = %e, "the SMTP debug transcript could not be kept");
            }
        }
        if let Some(id) = id.filter(|_| out.ok) {
            return Ok(id);
        }
        let d = out.diagnosis.unwrap_or_else(|| {
            sendready_core::diagnose::text("the SMTP server refused the message")
        });
        let status = if d.retryable {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::BAD_GATEWAY
        };
        let mut p = Problem::new(
            status,
            d.code,
            format!("{}: {} {}", d.title, d.cause, d.action),
        );
        if uncertain {
            return Err(Undelivered::uncertain(p));
        }
        if d.retryable {
            p.retry_after = Some(30);
        }
        Err(p.into())
    }
}
