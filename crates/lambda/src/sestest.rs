//! `POST /v1/identities/{identity}/test-email`: sends a short message through SES
//! (`SendEmail`) from an address the identity authorizes, to a recipient or to one of
//! SES's mailbox-simulator scenarios. SES's refusals (an unverified From, the sandbox's
//! unverified recipient, paused sending) come back explained by the catalogue.

use crate::api::{AppState, Body};
use crate::auth::Caller;
use crate::aws;
use crate::identities::owned;
use crate::problem::Problem;
use aws_sdk_sesv2::types::{Body as SesBody, Content, Destination, EmailContent, Message};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sendready_core::Code;
use sendready_core::address::{AddressOptions, check_address};
use sendready_core::diagnose::{self, Diagnosis};
use sendready_core::identity::is_same_or_subdomain;
use serde::{Deserialize, Serialize};

/// SES's mailbox simulator (SES developer guide, "Using the mailbox simulator").
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Accepted and delivered.
    Success,
    /// A hard bounce.
    Bounce,
    /// A complaint from the recipient.
    Complaint,
    /// An out-of-office auto-reply.
    Ooto,
    /// The recipient is on SES's suppression list.
    Suppressionlist,
}

impl Scenario {
    fn address(self) -> &'static str {
        match self {
            Scenario::Success => "success@simulator.amazonses.com",
            Scenario::Bounce => "bounce@simulator.amazonses.com",
            Scenario::Complaint => "complaint@simulator.amazonses.com",
            Scenario::Ooto => "ooto@simulator.amazonses.com",
            Scenario::Suppressionlist => "suppressionlist@simulator.amazonses.com",
        }
    }
}

/// The body of the route.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestEmail {
    /// The From address: the email identity itself, or any address at the domain.
    pub from: String,
    /// A recipient; or use `scenario`.
    #[serde(default)]
    pub to: Option<String>,
    /// A mailbox-simulator scenario instead of a recipient.
    #[serde(default)]
    pub scenario: Option<Scenario>,
}

/// What happened.
#[derive(Debug, Serialize)]
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

/// Sends the test message.
pub async fn send(
    State(st): State<AppState>,
    caller: Caller,
    Path(identity): Path<String>,
    Body(req): Body<TestEmail>,
) -> Result<Json<Sent>, Problem> {
    let o = owned(&st, &caller.tenant, &identity).await?;
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
        (None, Some(t)) => Problem::accepted(check_address(t, AddressOptions::default()))?.address,
        (None, None) => {
            return Err(Problem::field(
                "to",
                Code::AddressEmpty,
                "Give a recipient (`to`) or a mailbox-simulator `scenario`.",
            ));
        }
    };
    let ses = st.ses()?;
    // moto has no GetAccount; an account SES does not describe is "sandbox unknown".
    let sandbox = ses
        .get_account()
        .send()
        .await
        .ok()
        .map(|a| !a.production_access_enabled());
    let content = |s: &str| Content::builder().data(s).charset("UTF-8").build();
    let (subject, text, html) = (
        content("Sendready test message"),
        content(&format!(
            "This is a test message from Sendready, sent through Amazon SES from {}.",
            from.address
        )),
        content(&format!(
            "<p>This is a test message from Sendready, sent through Amazon SES from <b>{}</b>.</p>",
            from.address
        )),
    );
    let (Ok(subject), Ok(text), Ok(html)) = (subject, text, html) else {
        return Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::InputInvalid,
            "The message could not be built.",
        ));
    };
    let message = Message::builder()
        .subject(subject)
        .body(SesBody::builder().text(text).html(html).build())
        .build();
    let result = ses
        .send_email()
        .from_email_address(&from.address)
        .destination(Destination::builder().to_addresses(&to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await;
    let sent = match result {
        Ok(out) => Sent {
            ok: true,
            message_id: out.message_id().map(str::to_owned),
            to,
            sandbox,
            diagnosis: None,
        },
        Err(e) => {
            let code = aws::error_code(&e).unwrap_or_default().to_owned();
            if !matches!(
                code.as_str(),
                "MessageRejected"
                    | "MailFromDomainNotVerifiedException"
                    | "AccountSuspendedException"
                    | "SendingPausedException"
            ) {
                return Err(aws::problem(&e, "Sending through SES"));
            }
            let message = aws_sdk_sesv2::error::ProvideErrorMetadata::message(&e)
                .unwrap_or_default()
                .to_owned();
            Sent {
                ok: false,
                message_id: None,
                to,
                sandbox,
                diagnosis: Some(diagnose::ses(&code, &message, Some(&from.address))),
            }
        }
    };
    tracing::info!(tenant = %caller.tenant, identity = %o.identity, ok = sent.ok, "ses test email");
    Ok(Json(sent))
}
