//! The SES v2 adapter's SES tenant and reputation calls against the SDK's own mocks,
//! answering with the JSON bodies of SES's API reference (`GetTenant`,
//! `GetReputationEntity`, `GetEmailIdentity`'s MAIL FROM attributes,
//! `PutEmailIdentityMailFromAttributes`), so the real deserializer
//! reads each field the way SES sends it: what moto cannot show.
#![allow(clippy::unwrap_used, missing_docs)]

use aws_smithy_mocks::{RuleMode, mock, mock_client};
use sendready_lambda::adapters::sesv2::SesV2;
use sendready_lambda::ports::Ses;
use sendready_lambda::ports::ses::SesReputation;

fn ses(rules: &[aws_smithy_mocks::Rule]) -> SesV2 {
    SesV2::new(mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, rules))
}

#[tokio::test]
async fn get_tenant_is_read_as_ses_sends_it() {
    // SES API reference, GetTenant, "Response Syntax".
    let body = r#"{"Tenant":{"TenantName":"sendready-t-acme","TenantId":"tn-1a2b3c4d","TenantArn":"arn:aws:ses:eu-west-1:123456789012:tenant/sendready-t-acme/tn-1a2b3c4d","CreatedTimestamp":1764230400.0,"Tags":[{"Key":"sendready:tenant","Value":"acme"}],"SendingStatus":"REINSTATED"}}"#;
    let rule = mock!(aws_sdk_sesv2::Client::get_tenant)
        .match_requests(|r| r.tenant_name() == Some("sendready-t-acme"))
        .sequence()
        .http_status(200, Some(body.to_owned()))
        .build();
    let t = ses(&[rule]).get_tenant("sendready-t-acme").await.unwrap();
    assert_eq!(t.name, "sendready-t-acme");
    assert_eq!(
        t.arn,
        "arn:aws:ses:eu-west-1:123456789012:tenant/sendready-t-acme/tn-1a2b3c4d"
    );
    assert_eq!(t.sending_status, "REINSTATED");
    assert_eq!(t.suppressed_reasons, None);
}

#[tokio::test]
async fn a_missing_tenant_is_not_found_as_ses_says_it() {
    let body = r#"{"message":"Tenant sendready-t-gone does not exist."}"#;
    let rule = mock!(aws_sdk_sesv2::Client::get_tenant)
        .sequence()
        .http_response(move || {
            let mut r = aws_smithy_runtime_api::http::Response::new(
                404.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::from(body),
            );
            r.headers_mut()
                .insert("x-amzn-ErrorType", "NotFoundException");
            r
        })
        .build();
    let e = ses(&[rule])
        .get_tenant("sendready-t-gone")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(e.service, "SES");
    assert!(e.message.contains("does not exist"), "{e}");
}

#[tokio::test]
async fn get_reputation_entity_is_read_with_every_status() {
    // SES API reference, GetReputationEntity, "Response Syntax".
    let body = r#"{"ReputationEntity":{"ReputationEntityReference":"arn:aws:ses:eu-west-1:123456789012:tenant/sendready-t-acme/tn-1a2b3c4d","ReputationEntityType":"RESOURCE","ReputationManagementPolicy":"arn:aws:ses:eu-west-1:aws:reputation-policy/strict","CustomerManagedStatus":{"Status":"ENABLED","Cause":"","LastUpdatedTimestamp":1764230400.0},"AwsSesManagedStatus":{"Status":"DISABLED","Cause":"High bounce rate","LastUpdatedTimestamp":1764234000.0},"SendingStatusAggregate":"DISABLED","ReputationImpact":"HIGH"}}"#;
    let rule = mock!(aws_sdk_sesv2::Client::get_reputation_entity)
        .match_requests(|r| {
            r.reputation_entity_type()
                == Some(&aws_sdk_sesv2::types::ReputationEntityType::Resource)
                && r.reputation_entity_reference()
                    .is_some_and(|a| a.contains(":tenant/"))
        })
        .sequence()
        .http_status(200, Some(body.to_owned()))
        .build();
    let r = ses(&[rule])
        .reputation("arn:aws:ses:eu-west-1:123456789012:tenant/sendready-t-acme/tn-1a2b3c4d")
        .await
        .unwrap();
    assert_eq!(
        r,
        SesReputation {
            policy: Some("arn:aws:ses:eu-west-1:aws:reputation-policy/strict".to_owned()),
            customer_status: Some("ENABLED".to_owned()),
            aws_status: Some("DISABLED".to_owned()),
            aggregate: Some("DISABLED".to_owned()),
            impact: Some("HIGH".to_owned()),
        }
    );
}

#[tokio::test]
async fn a_reputation_entity_ses_has_not_made_yet_reads_as_empty() {
    let rule = mock!(aws_sdk_sesv2::Client::get_reputation_entity)
        .sequence()
        .http_status(200, Some("{}".to_owned()))
        .build();
    let r = ses(&[rule]).reputation("arn:x").await.unwrap();
    assert_eq!(r, SesReputation::default());
}

#[tokio::test]
async fn a_mail_from_domain_is_read_from_get_email_identity_as_ses_sends_it() {
    // SES API reference, GetEmailIdentity, "Response Syntax" (MailFromAttributes).
    let body = r#"{"IdentityType":"DOMAIN","FeedbackForwardingStatus":true,"VerifiedForSendingStatus":true,"DkimAttributes":{"SigningEnabled":true,"Status":"SUCCESS","Tokens":["a","b","c"],"SigningAttributesOrigin":"AWS_SES"},"MailFromAttributes":{"MailFromDomain":"bounce.acme.example.com","MailFromDomainStatus":"TEMPORARY_FAILURE","BehaviorOnMxFailure":"REJECT_MESSAGE"},"Tags":[{"Key":"sendready:tenant","Value":"acme"}],"VerificationStatus":"SUCCESS"}"#;
    let rule = mock!(aws_sdk_sesv2::Client::get_email_identity)
        .sequence()
        .http_status(200, Some(body.to_owned()))
        .build();
    let i = ses(&[rule]).get_identity("acme.example.com").await.unwrap();
    let mf = i.mail_from.unwrap();
    assert_eq!(mf.domain, "bounce.acme.example.com");
    assert_eq!(mf.status, "TEMPORARY_FAILURE");
    assert!(mf.reject_on_mx_failure);
    assert_eq!(i.tenant_tag.as_deref(), Some("acme"));
    assert_eq!(i.verification_status, "SUCCESS");
}

#[tokio::test]
async fn put_mail_from_sends_the_domain_and_behaviour_ses_documents() {
    let rule = mock!(aws_sdk_sesv2::Client::put_email_identity_mail_from_attributes)
        .match_requests(|r| {
            r.email_identity() == Some("acme.example.com")
                && r.mail_from_domain() == Some("bounce.acme.example.com")
                && r.behavior_on_mx_failure()
                    == Some(&aws_sdk_sesv2::types::BehaviorOnMxFailure::RejectMessage)
        })
        .sequence()
        .http_status(200, Some("{}".to_owned()))
        .build();
    ses(&[rule])
        .put_mail_from("acme.example.com", "bounce.acme.example.com", true)
        .await
        .unwrap();
}
