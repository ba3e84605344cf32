//! SES's event publishing (issue 15): the events SES sends to a configuration set's
//! destination, read into one summary per event, the key that makes a redelivered event
//! count once, and the sending rates SES reviews an account by.
//!
//! Shapes: SES Developer Guide, "Contents of event data that Amazon SES publishes to
//! Amazon SNS / EventBridge" (`eventType`, `mail`, and one object per type: `send`,
//! `delivery`, `bounce`, `complaint`, `reject`, `deliveryDelay`, `failure`).

use crate::{Code, Issues, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of SES event Sendready records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    /// SES accepted the message.
    Send,
    /// The receiving server accepted it.
    Delivery,
    /// It bounced (hard or soft).
    Bounce,
    /// A recipient marked it as spam.
    Complaint,
    /// SES refused it (a virus).
    Reject,
    /// Delivery is delayed and still being tried.
    DeliveryDelay,
    /// A template could not be rendered.
    RenderingFailure,
}

impl EventKind {
    /// Every kind, in SES's order.
    pub const ALL: [EventKind; 7] = [
        EventKind::Send,
        EventKind::Delivery,
        EventKind::Bounce,
        EventKind::Complaint,
        EventKind::Reject,
        EventKind::DeliveryDelay,
        EventKind::RenderingFailure,
    ];

    /// The name in Sendready's API and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Send => "send",
            EventKind::Delivery => "delivery",
            EventKind::Bounce => "bounce",
            EventKind::Complaint => "complaint",
            EventKind::Reject => "reject",
            EventKind::DeliveryDelay => "deliveryDelay",
            EventKind::RenderingFailure => "renderingFailure",
        }
    }

    /// The kind of SES's `eventType` (`Bounce`, `Rendering Failure`, ...).
    pub fn from_ses(event_type: &str) -> Option<EventKind> {
        Some(match event_type {
            "Send" => EventKind::Send,
            "Delivery" => EventKind::Delivery,
            "Bounce" => EventKind::Bounce,
            "Complaint" => EventKind::Complaint,
            "Reject" => EventKind::Reject,
            "DeliveryDelay" => EventKind::DeliveryDelay,
            "Rendering Failure" | "RenderingFailure" => EventKind::RenderingFailure,
            _ => return None,
        })
    }
}

/// The parts of SES's event this module reads (everything else is ignored).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawEvent {
    /// `eventType` (SNS and EventBridge); `notificationType` in older notifications.
    pub event_type: Option<String>,
    /// `mail`.
    pub mail: RawMail,
    /// `bounce`.
    pub bounce: Option<RawBounce>,
    /// `complaint`.
    pub complaint: Option<RawComplaint>,
    /// `delivery`.
    pub delivery: Option<RawRecipients>,
    /// `deliveryDelay`.
    pub delivery_delay: Option<RawDelay>,
    /// `reject`.
    pub reject: Option<RawReason>,
    /// `failure` (rendering failure).
    pub failure: Option<RawFailure>,
}

/// `mail`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawMail {
    /// When SES accepted the message (ISO 8601).
    pub timestamp: String,
    /// `messageId`.
    pub message_id: String,
    /// The envelope sender.
    pub source: String,
    /// The identity's ARN.
    pub source_arn: String,
    /// The recipients.
    pub destination: Vec<String>,
    /// Tags: `ses:configuration-set` and the message's own.
    pub tags: BTreeMap<String, Vec<String>>,
}

/// `bounce`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawBounce {
    /// `Permanent`, `Transient` or `Undetermined`.
    pub bounce_type: String,
    /// `General`, `NoEmail`, `Suppressed`, `OnAccountSuppressionList`, ...
    pub bounce_sub_type: String,
    /// Its id.
    pub feedback_id: String,
    /// When.
    pub timestamp: String,
    /// Who bounced and why.
    pub bounced_recipients: Vec<RawRecipient>,
}

/// A recipient in a bounce or complaint.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawRecipient {
    /// The address.
    pub email_address: String,
    /// The receiving server's reason.
    pub diagnostic_code: Option<String>,
}

/// `complaint`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawComplaint {
    /// Its id.
    pub feedback_id: String,
    /// When.
    pub timestamp: String,
    /// Who complained.
    pub complained_recipients: Vec<RawRecipient>,
    /// `abuse`, `fraud`, ... when the provider says.
    pub complaint_feedback_type: Option<String>,
}

/// `delivery`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawRecipients {
    /// When.
    pub timestamp: String,
    /// Who.
    pub recipients: Vec<String>,
    /// The receiving server's reply.
    pub smtp_response: Option<String>,
}

/// `deliveryDelay`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawDelay {
    /// When.
    pub timestamp: String,
    /// `MailboxFull`, `TransientCommunicationFailure`, ...
    pub delay_type: String,
    /// Who.
    pub delayed_recipients: Vec<RawRecipient>,
}

/// `reject`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawReason {
    /// Why.
    pub reason: String,
}

/// `failure`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawFailure {
    /// The template.
    pub template_name: String,
    /// What went wrong.
    pub error_message: String,
}

/// One event as Sendready keeps and shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SesEvent {
    /// Stable across redeliveries of the same event: message id, kind, and the feedback
    /// id or recipients (SES may publish an event more than once).
    pub id: String,
    /// The kind.
    pub kind: EventKind,
    /// When it happened (ISO 8601, the event's own time, else the message's).
    pub at: String,
    /// SES's message id.
    pub message_id: String,
    /// The From (envelope sender).
    pub from: String,
    /// The identity that sent it (from `sourceArn`).
    pub identity: String,
    /// The configuration set (`ses:configuration-set`), which names the tenant.
    pub configuration_set: String,
    /// The recipients this event is about.
    pub recipients: Vec<String>,
    /// The detail in a line: the bounce type and the server's reason, the complaint
    /// type, the delay, the reject reason, or the delivery's reply.
    pub detail: String,
}

impl SesEvent {
    /// How many recipients it counts for in the rates (at least one).
    pub fn weight(&self) -> u64 {
        self.recipients.len().max(1) as u64
    }
}

/// Reads one SES event; an error names what is missing.
pub fn read_event(raw: &RawEvent) -> Report<SesEvent> {
    let mut issues = Issues::new();
    let kind = raw.event_type.as_deref().and_then(EventKind::from_ses);
    let Some(kind) = kind else {
        issues.error(
            "eventType",
            Code::EventInvalid,
            format!(
                "{:?} is not an SES event type (Send, Delivery, Bounce, Complaint, Reject, DeliveryDelay, Rendering Failure).",
                raw.event_type.as_deref().unwrap_or("")
            ),
        );
        return Report::new(None, issues);
    };
    if raw.mail.message_id.is_empty() {
        issues.error(
            "mail.messageId",
            Code::EventInvalid,
            "The event has no mail.messageId.",
        );
        return Report::new(None, issues);
    }
    let m = &raw.mail;
    let addrs =
        |r: &[RawRecipient]| -> Vec<String> { r.iter().map(|x| x.email_address.clone()).collect() };
    let (at, recipients, detail, feedback) = match kind {
        EventKind::Send => (
            m.timestamp.clone(),
            m.destination.clone(),
            String::new(),
            None,
        ),
        EventKind::Delivery => {
            let d = raw.delivery.clone().unwrap_or_default();
            (
                d.timestamp,
                d.recipients,
                d.smtp_response.unwrap_or_default(),
                None,
            )
        }
        EventKind::Bounce => {
            let b = raw.bounce.clone().unwrap_or_default();
            let reason = b
                .bounced_recipients
                .iter()
                .find_map(|r| r.diagnostic_code.clone())
                .unwrap_or_default();
            let detail = format!("{}/{}: {reason}", b.bounce_type, b.bounce_sub_type);
            (
                b.timestamp,
                addrs(&b.bounced_recipients),
                detail.trim_end_matches(": ").to_owned(),
                Some(b.feedback_id),
            )
        }
        EventKind::Complaint => {
            let c = raw.complaint.clone().unwrap_or_default();
            (
                c.timestamp,
                addrs(&c.complained_recipients),
                c.complaint_feedback_type.unwrap_or_default(),
                Some(c.feedback_id),
            )
        }
        EventKind::DeliveryDelay => {
            let d = raw.delivery_delay.clone().unwrap_or_default();
            (
                d.timestamp,
                addrs(&d.delayed_recipients),
                d.delay_type,
                None,
            )
        }
        EventKind::Reject => (
            m.timestamp.clone(),
            m.destination.clone(),
            raw.reject.clone().unwrap_or_default().reason,
            None,
        ),
        EventKind::RenderingFailure => {
            let f = raw.failure.clone().unwrap_or_default();
            (
                m.timestamp.clone(),
                m.destination.clone(),
                format!("{}: {}", f.template_name, f.error_message),
                None,
            )
        }
    };
    let at = if at.is_empty() {
        m.timestamp.clone()
    } else {
        at
    };
    let mut sorted = recipients.clone();
    sorted.sort();
    let id = match feedback.filter(|f| !f.is_empty()) {
        Some(f) => format!("{}:{}:{f}", m.message_id, kind.as_str()),
        None => format!("{}:{}:{}", m.message_id, kind.as_str(), sorted.join(",")),
    };
    let identity = m
        .source_arn
        .split_once(":identity/")
        .map_or_else(String::new, |(_, i)| i.to_owned());
    let configuration_set = m
        .tags
        .get("ses:configuration-set")
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default();
    Report::new(
        Some(SesEvent {
            id,
            kind,
            at,
            message_id: m.message_id.clone(),
            from: m.source.clone(),
            identity,
            configuration_set,
            recipients,
            detail,
        }),
        issues,
    )
}

/// The hour an ISO 8601 time falls in, `YYYY-MM-DDTHH` (how counters are bucketed).
pub fn hour_of(iso: &str) -> Option<String> {
    let h = iso.get(..13)?;
    let b = h.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13))
    .then(|| h.to_owned())
}

/// The hour `secs` (since the Unix epoch, UTC) falls in, `YYYY-MM-DDTHH`.
pub fn hour_at(secs: u64) -> String {
    let days = secs / 86_400;
    let hour = (secs % 86_400) / 3_600;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{hour:02}")
}

/// `secs` (since the Unix epoch) as RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: u64) -> String {
    format!(
        "{}:{:02}:{:02}Z",
        hour_at(secs),
        (secs % 3_600) / 60,
        secs % 60
    )
}

/// Recipients counted per kind in a window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Sent (recipients of accepted messages).
    pub sent: u64,
    /// Delivered.
    pub delivered: u64,
    /// Bounced (all bounce types).
    pub bounced: u64,
    /// Complained about.
    pub complained: u64,
    /// Rejected by SES.
    pub rejected: u64,
    /// Delayed.
    pub delayed: u64,
}

impl Counts {
    /// Adds `n` of `kind`.
    pub fn add(&mut self, kind: EventKind, n: u64) {
        let slot = match kind {
            EventKind::Send => &mut self.sent,
            EventKind::Delivery => &mut self.delivered,
            EventKind::Bounce => &mut self.bounced,
            EventKind::Complaint => &mut self.complained,
            EventKind::Reject => &mut self.rejected,
            EventKind::DeliveryDelay => &mut self.delayed,
            EventKind::RenderingFailure => return,
        };
        *slot = slot.saturating_add(n);
    }

    /// Adds every kind of `other` (an hour's counts into a window's).
    pub fn merge(&mut self, other: &Counts) {
        let Counts {
            sent,
            delivered,
            bounced,
            complained,
            rejected,
            delayed,
        } = other;
        for (kind, n) in [
            (EventKind::Send, sent),
            (EventKind::Delivery, delivered),
            (EventKind::Bounce, bounced),
            (EventKind::Complaint, complained),
            (EventKind::Reject, rejected),
            (EventKind::DeliveryDelay, delayed),
        ] {
            self.add(kind, *n);
        }
    }
}

/// The rates of one window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Rates {
    /// `24h` or `7d`.
    pub window: String,
    /// The counts.
    pub counts: Counts,
    /// Bounced / sent, in percent (0 when nothing was sent).
    pub bounce_rate: f64,
    /// Complained / sent, in percent.
    pub complaint_rate: f64,
}

/// The bounce rate at which SES places an account under review (percent).
pub const BOUNCE_REVIEW: f64 = 5.0;
/// The complaint rate at which SES places an account under review (percent).
pub const COMPLAINT_REVIEW: f64 = 0.1;

/// The rates of a window's counts, with a warning for each rate at or over the level SES
/// reviews an account at (SES Developer Guide, "Sending review process FAQs": bounce
/// 5 %, complaint 0.1 %).
pub fn rates(window: &str, counts: Counts) -> Report<Rates> {
    let mut issues = Issues::new();
    // Counts of recipients stay far below 2^52, where f64 would lose precision.
    #[allow(clippy::cast_precision_loss)]
    let pct = |n: u64| {
        if counts.sent == 0 {
            0.0
        } else {
            n as f64 * 100.0 / counts.sent as f64
        }
    };
    let bounce_rate = pct(counts.bounced);
    let complaint_rate = pct(counts.complained);
    if counts.sent > 0 && bounce_rate >= BOUNCE_REVIEW {
        issues.warning(
            "bounceRate",
            Code::ReputationBounceRate,
            format!("{bounce_rate:.1} % of the {} recipients in the last {window} bounced; SES reviews an account at 5 % and may pause it at 10 %.", counts.sent),
        );
    }
    if counts.sent > 0 && complaint_rate >= COMPLAINT_REVIEW {
        issues.warning(
            "complaintRate",
            Code::ReputationComplaintRate,
            format!("{complaint_rate:.2} % of the {} recipients in the last {window} complained; SES reviews an account at 0.1 % and may pause it at 0.5 %.", counts.sent),
        );
    }
    Report::new(
        Some(Rates {
            window: window.to_owned(),
            counts,
            bounce_rate,
            complaint_rate,
        }),
        issues,
    )
}

#[cfg(test)]
mod tests;
