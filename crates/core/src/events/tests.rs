use super::*;

/// SES Developer Guide, "Examples of event data that Amazon SES publishes to Amazon SNS":
/// the bounce record (trimmed to the fields the shape holds, values as published).
const BOUNCE: &str = r#"{
  "eventType": "Bounce",
  "bounce": {
    "bounceType": "Permanent",
    "bounceSubType": "General",
    "bouncedRecipients": [
      { "emailAddress": "recipient@example.com", "action": "failed", "status": "5.1.1",
        "diagnosticCode": "smtp; 550 5.1.1 user unknown" }
    ],
    "timestamp": "2017-08-05T00:41:02.669Z",
    "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
    "reportingMTA": "dsn; mta.example.com"
  },
  "mail": {
    "timestamp": "2017-08-05T00:40:02.012Z",
    "source": "Sender Name <sender@example.com>",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "sendingAccountId": "123456789012",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com"],
    "headersTruncated": false,
    "tags": {
      "ses:configuration-set": ["ConfigSet"],
      "ses:source-ip": ["192.0.2.0"],
      "ses:from-domain": ["example.com"],
      "ses:caller-identity": ["ses_user"]
    }
  }
}"#;

/// The complaint record of the same page.
const COMPLAINT: &str = r#"{
  "eventType": "Complaint",
  "complaint": {
    "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
    "complaintSubType": null,
    "complainedRecipients": [{ "emailAddress": "recipient@example.com" }],
    "timestamp": "2017-08-05T00:41:02.669Z",
    "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
    "complaintFeedbackType": "abuse",
    "arrivalDate": "2017-08-05T00:41:02.669Z"
  },
  "mail": {
    "timestamp": "2017-08-05T00:40:01.123Z",
    "source": "Sender Name <sender@example.com>",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com"],
    "tags": { "ses:configuration-set": ["ConfigSet"] }
  }
}"#;

/// The send and delivery records.
const SEND: &str = r#"{
  "eventType": "Send",
  "mail": {
    "timestamp": "2016-10-14T05:02:16.645Z",
    "source": "sender@example.com",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com", "other@example.com"],
    "tags": { "ses:configuration-set": ["ConfigSet"] }
  },
  "send": {}
}"#;

const DELIVERY: &str = r#"{
  "eventType": "Delivery",
  "mail": {
    "timestamp": "2016-10-19T23:20:52.240Z",
    "source": "sender@example.com",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com"],
    "tags": { "ses:configuration-set": ["ConfigSet"] }
  },
  "delivery": {
    "timestamp": "2016-10-19T23:21:04.133Z",
    "processingTimeMillis": 11893,
    "recipients": ["recipient@example.com"],
    "smtpResponse": "250 2.6.0 Message received",
    "reportingMTA": "mta.example.com"
  }
}"#;

fn read(json: &str) -> SesEvent {
    let raw: RawEvent = serde_json::from_str(json).unwrap();
    let r = read_event(&raw);
    assert!(r.valid, "{:?}", r.issues);
    r.value.unwrap()
}

#[test]
fn ses_documentation_events_read_into_one_summary_each() {
    let events: Vec<SesEvent> = [SEND, DELIVERY, BOUNCE, COMPLAINT]
        .iter()
        .map(|j| read(j))
        .collect();
    insta::assert_json_snapshot!(events);
}

#[test]
fn a_redelivered_event_has_the_same_id_and_another_kind_another() {
    assert_eq!(read(BOUNCE).id, read(BOUNCE).id);
    assert_ne!(read(BOUNCE).id, read(COMPLAINT).id);
    // Recipients in another order: the same event.
    let swapped = SEND.replace(
        r#"["recipient@example.com", "other@example.com"]"#,
        r#"["other@example.com", "recipient@example.com"]"#,
    );
    assert_eq!(read(SEND).id, read(&swapped).id);
    assert_eq!(read(SEND).weight(), 2);
}

#[test]
fn what_is_not_an_ses_event_is_refused_with_its_reason() {
    for (json, field) in [
        (
            r#"{"eventType":"Open?","mail":{"messageId":"m"}}"#,
            "eventType",
        ),
        (r#"{"mail":{"messageId":"m"}}"#, "eventType"),
        (r#"{"eventType":"Bounce","mail":{}}"#, "mail.messageId"),
    ] {
        let raw: RawEvent = serde_json::from_str(json).unwrap();
        let r = read_event(&raw);
        assert!(!r.valid);
        assert_eq!(r.issues[0].field, field, "{json}");
        assert_eq!(r.issues[0].code, Code::EventInvalid);
    }
}

#[test]
fn hours_bucket_by_utc_time() {
    assert_eq!(hour_at(0), "1970-01-01T00");
    assert_eq!(hour_at(1_795_752_000), "2026-11-27T04");
    assert_eq!(hour_at(951_782_400 + 3_600 * 5), "2000-02-29T05");
    assert_eq!(
        hour_of("2017-08-05T00:41:02.669Z").as_deref(),
        Some("2017-08-05T00")
    );
    assert_eq!(hour_of("yesterday"), None);
}

#[test]
fn rates_warn_at_the_levels_ses_reviews_an_account_at() {
    let counts = |sent, bounced, complained| Counts {
        sent,
        bounced,
        complained,
        ..Counts::default()
    };
    let cases = [
        (counts(0, 0, 0), vec![]),
        (counts(1000, 49, 0), vec![]),
        (counts(1000, 50, 0), vec![Code::ReputationBounceRate]),
        (counts(1000, 0, 1), vec![Code::ReputationComplaintRate]),
        (counts(2000, 1, 1), vec![]),
        (
            counts(2, 1, 1),
            vec![Code::ReputationBounceRate, Code::ReputationComplaintRate],
        ),
    ];
    for (c, want) in cases {
        let r = rates("24h", c.clone());
        let got: Vec<Code> = r.issues.iter().map(|i| i.code).collect();
        assert_eq!(got, want, "{c:?}");
        assert!(r.valid, "warnings only");
    }
    let r = rates("7d", counts(200, 10, 1)).value.unwrap();
    assert!((r.bounce_rate - 5.0).abs() < 1e-9 && (r.complaint_rate - 0.5).abs() < 1e-9);
}

#[test]
fn merging_hours_adds_every_kind_and_never_overflows() {
    let hour = Counts {
        sent: 3,
        delivered: 2,
        bounced: 1,
        complained: 1,
        rejected: 1,
        delayed: 4,
    };
    let mut window = Counts::default();
    window.merge(&hour);
    window.merge(&hour);
    assert_eq!(
        window,
        Counts {
            sent: 6,
            delivered: 4,
            bounced: 2,
            complained: 2,
            rejected: 2,
            delayed: 8,
        }
    );
    window.merge(&Counts {
        sent: u64::MAX,
        ..Counts::default()
    });
    assert_eq!(window.sent, u64::MAX);
}
