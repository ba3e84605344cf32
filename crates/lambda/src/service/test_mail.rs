//! SES test mail: a short message from an address the identity authorizes, to a recipient
//! or to one of SES's mailbox-simulator scenarios. SES's refusals (an unverified From, the
//! sandbox's unverified recipient, paused sending) come back explained by the catalogue.

use super::identities::{record_of, settled_in};
use super::ses_tenant;
use crate::error::Problem;
use crate::ports::ses::SimpleMail;
use crate::ports::{Limiter, Limits, Registry, Ses};
use crate::ports::{Owned, Record};
use sendready_core::Code;
use sendready_core::address::{Address, AddressOptions, check_address};
pub use sendready_core::api::{Sent, TestEmail};
use sendready_core::diagnose;
use sendready_core::host::is_same_or_subdomain;
use std::sync::Arc;

/// The test-mail service: SES and the registry (for ownership).
#[derive(Clone)]
pub struct TestMail {
    /// SES v2.
    pub ses: Arc<dyn Ses>,
    /// The tenant registry.
    pub registry: Arc<dyn Registry>,
    /// Any recipient may be used (the platform's choice); otherwise only the tenant's
    /// active users, addresses its verified identities cover, and the mailbox simulator.
    pub any_recipient: bool,
    /// Where uses are counted.
    pub limiter: Arc<dyn Limiter>,
    /// Test mail per hour and per day.
    pub limits: Limits,
}

/// The SES errors that are an answer about this message (shown to the user), not a
/// failure of the call.
const REFUSALS: [&str; 4] = [
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSuspendedException",
    "SendingPausedException",
];

impl TestMail {
    /// True when `to` is one of the tenant's active users or an address one of its
    /// verified identities covers (the address itself, or any at a verified domain).
    /// `rec` is the tenant's record and `known` the sending identity's verified flag,
    /// both already read for this message.
    async fn own_recipient(
        &self,
        rec: &Record,
        known: (&str, bool),
        to: &Address,
    ) -> Result<bool, Problem> {
        if rec
            .active_user_emails
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&to.address))
        {
            return Ok(true);
        }
        let covers = |o: &Owned| {
            if o.identity.contains('@') {
                o.identity.eq_ignore_ascii_case(&to.address)
            } else {
                is_same_or_subdomain(&to.domain, &o.identity)
            }
        };
        for o in rec.identities.iter().filter(|o| !o.pending && covers(o)) {
            let verified = if o.identity == known.0 {
                known.1
            } else {
                match self.ses.get_identity(&o.identity).await {
                    Ok(i) => i.verified_for_sending,
                    Err(e) if e.is_not_found() => false,
                    Err(e) => return Err(e.during("Reading an identity's status").into()),
                }
            };
            if verified {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Sends the test message from one of the tenant's identities.
    pub async fn send(
        &self,
        tenant: &str,
        identity: &str,
        req: TestEmail,
    ) -> Result<Sent, Problem> {
        // One read of the record and of the sending identity serve every check below.
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let o = settled_in(&rec, identity)?;
        // SES's tag must name this tenant: never send as another tenant's identity.
        let mut gone = false;
        let sending_verified = match self.ses.get_identity(&o.identity).await {
            Ok(i) if i.tenant_tag.as_deref().is_some_and(|t| t != tenant) => {
                return Err(Problem::identity_not_found());
            }
            Ok(i) => i.verified_for_sending,
            // Fail closed: without SES's answer the tag cannot be checked, so nothing is
            // sent (503 while SES throttles). Gone from SES, nothing is sent either (another
            // tenant's verified domain could cover the address): explained below as the
            // refusal SES would give.
            Err(e) if e.is_not_found() => {
                gone = true;
                false
            }
            Err(e) => {
                return Err(e
                    .during("Reading the identity's tenant tag from SES")
                    .into());
            }
        };
        let from = Problem::accepted(check_address(&req.from, AddressOptions::default()))?;
        let authorized = if o.identity.contains('@') {
            from.address.eq_ignore_ascii_case(&o.identity)
        } else {
            is_same_or_subdomain(&from.domain, &o.identity)
        };
        if !authorized {
            return Err(Problem::field(
                "from",
                Code::SenderNotAuthorized,
                format!(
                    "{} is not covered by the identity {}; send from the identity's address or an address at its domain.",
                    from.address, o.identity
                ),
            ));
        }
        let to = match (&req.scenario, &req.to) {
            (Some(s), _) => s.address().to_owned(),
            (None, Some(t)) => {
                let to = Problem::accepted_as("to", check_address(t, AddressOptions::default()))?;
                if !self.any_recipient
                    && !self
                        .own_recipient(&rec, (&o.identity, sending_verified), &to)
                        .await?
                {
                    return Err(Problem::field(
                        "to",
                        Code::TestMailRecipientNotAllowed,
                        format!(
                            "A test message goes to one of your active users, an address your verified identities cover, or a mailbox-simulator scenario; {} is none of these. This keeps the platform's SES reputation safe.",
                            to.address
                        ),
                    ));
                }
                to.address
            }
            (None, None) => {
                return Err(Problem::field(
                    "to",
                    Code::AddressEmpty,
                    "Give a recipient (`to`) or a mailbox-simulator `scenario`.",
                ));
            }
        };
        self.limits
            .take_test_mail(self.limiter.as_ref(), tenant)
            .await?;
        let sandbox = self.ses.sandbox().await;
        let mail = SimpleMail {
            from: from.address.clone(),
            to: to.clone(),
            subject: "Sendready test message".to_owned(),
            text: format!(
                "This is a test message from Sendready, sent through Amazon SES from {}.",
                from.address
            ),
            html: format!(
                "<p>This is a test message from Sendready, sent through Amazon SES from <b>{}</b>.</p>",
                from.address
            ),
        };
        if gone {
            return Ok(Sent {
                ok: false,
                message_id: None,
                to,
                sandbox,
                diagnosis: Some(diagnose::ses(
                    "MessageRejected",
                    &format!(
                        "Email address is not verified. The following identities failed the check in this region: {}",
                        from.address
                    ),
                    Some(&from.address),
                )),
            });
        }
        let scope = ses_tenant::scope(tenant);
        let mut result = self.ses.send_email(&mail, Some(&scope)).await;
        if result.as_ref().is_err_and(ses_tenant::needs_setup) {
            ses_tenant::attach(
                self.ses.as_ref(),
                self.registry.as_ref(),
                tenant,
                &o.identity,
                None,
            )
            .await?;
            result = self.ses.send_email(&mail, Some(&scope)).await;
        }
        let sent = match result {
            Ok(message_id) => Sent {
                ok: true,
                message_id,
                to,
                sandbox,
                diagnosis: None,
            },
            Err(e) if REFUSALS.contains(&e.code.as_str()) => Sent {
                ok: false,
                message_id: None,
                to,
                sandbox,
                diagnosis: Some(diagnose::ses(&e.code, &e.message, Some(&from.address))),
            },
            Err(e) => return Err(e.into()),
        };
        tracing::info!(tenant = %tenant, identity = %o.identity, ok = sent.ok, "ses test email");
        Ok(sent)
    }
}
