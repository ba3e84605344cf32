//! Amazon SES v2 through the AWS SDK: every SES call the backend makes.

use super::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::ses::{
    NewDkim, SendScope, Ses, SesDkim, SesIdentity, SesMailFrom, SesReputation, SesTenant,
    SimpleMail, TENANT_TAG,
};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{
    BehaviorOnMxFailure, Body, Content, Destination, DkimSigningAttributes,
    DkimSigningAttributesOrigin, DkimSigningKeyLength, EmailContent, EventBridgeDestination,
    EventDestinationDefinition, EventType, Message, RawMessage, ReputationEntityType,
    ReputationOptions, SuppressionListReason, Tag, Tenant,
};

/// The tag naming the platform tenant, on everything Sendready creates in SES.
fn tenant_tag(what: &'static str, tenant: &str) -> Result<Tag, AwsError> {
    Tag::builder()
        .key(TENANT_TAG)
        .value(tenant)
        .build()
        .map_err(|e| build_error(what, &e))
}

/// The outcome of an idempotent call: the thing already there (`AlreadyExistsException`
/// for a create, not found for a delete) counts as done.
fn done_or_already<T>(
    result: Result<T, AwsError>,
    already: fn(&AwsError) -> bool,
) -> Result<(), AwsError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if already(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// SES answered that what a create makes is there already.
fn exists(e: &AwsError) -> bool {
    e.code == "AlreadyExistsException"
}

fn tenant_of(t: &Tenant) -> SesTenant {
    SesTenant {
        name: t.tenant_name().unwrap_or_default().to_owned(),
        arn: t.tenant_arn().unwrap_or_default().to_owned(),
        sending_status: t
            .sending_status()
            .map_or("ENABLED", |s| s.as_str())
            .to_owned(),
        suppressed_reasons: t.suppression_attributes().map(|a| {
            a.suppressed_reasons()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect()
        }),
    }
}

/// The adapter over one SES v2 client.
#[derive(Clone, Debug)]
pub struct SesV2 {
    client: Client,
}

impl SesV2 {
    /// The adapter over `client`.
    pub fn new(client: Client) -> Self {
        SesV2 { client }
    }

    /// The adapter over a client from `conf`.
    pub fn from_conf(conf: &aws_config::SdkConfig) -> Self {
        SesV2::new(Client::new(conf))
    }
}

#[async_trait]
impl Ses for SesV2 {
    async fn get_identity(&self, identity: &str) -> Result<SesIdentity, AwsError> {
        let r = self
            .client
            .get_email_identity()
            .email_identity(identity)
            .send()
            .await
            .map_err(|e| aws_error("Reading the identity from SES", &e))?;
        Ok(SesIdentity {
            verification_status: r
                .verification_status()
                .map_or("NOT_STARTED", |s| s.as_str())
                .to_owned(),
            verified_for_sending: r.verified_for_sending_status(),
            error_type: r
                .verification_info()
                .and_then(|i| i.error_type())
                .map(|e| e.as_str().to_owned()),
            dkim: r.dkim_attributes().map(|d| SesDkim {
                status: d.status().map_or("NOT_STARTED", |s| s.as_str()).to_owned(),
                origin: d.signing_attributes_origin().map(|o| o.as_str().to_owned()),
                tokens: d.tokens().to_vec(),
                signing_hosted_zone: d.signing_hosted_zone().map(str::to_owned),
            }),
            tenant_tag: r
                .tags()
                .iter()
                .find(|t| t.key() == TENANT_TAG)
                .map(|t| t.value().to_owned()),
            mail_from: r
                .mail_from_attributes()
                .filter(|m| !m.mail_from_domain().is_empty())
                .map(|m| SesMailFrom {
                    domain: m.mail_from_domain().to_owned(),
                    status: m.mail_from_domain_status().as_str().to_owned(),
                    reject_on_mx_failure: *m.behavior_on_mx_failure()
                        == BehaviorOnMxFailure::RejectMessage,
                }),
        })
    }

    async fn create_identity(
        &self,
        identity: &str,
        dkim: &NewDkim,
        tenant: &str,
    ) -> Result<(), AwsError> {
        const WHAT: &str = "Creating the identity in SES";
        let tag = tenant_tag(WHAT, tenant)?;
        let mut call = self
            .client
            .create_email_identity()
            .email_identity(identity)
            .tags(tag);
        match dkim {
            NewDkim::None => {}
            NewDkim::Easy => {
                call = call.dkim_signing_attributes(
                    DkimSigningAttributes::builder()
                        .next_signing_key_length(DkimSigningKeyLength::Rsa2048Bit)
                        .build(),
                );
            }
            NewDkim::Byodkim {
                selector,
                private_key,
            } => {
                call = call.dkim_signing_attributes(
                    DkimSigningAttributes::builder()
                        .domain_signing_selector(selector)
                        .domain_signing_private_key(private_key)
                        .build(),
                );
            }
        }
        call.send().await.map_err(|e| aws_error(WHAT, &e))?;
        Ok(())
    }

    async fn list_identities_page(
        &self,
        token: Option<String>,
        size: usize,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        // SES takes 1 to 1,000 a page.
        let size = i32::try_from(size.clamp(1, 1000)).unwrap_or(1000);
        let page = self
            .client
            .list_email_identities()
            .page_size(size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("Listing SES identities", &e))?;
        let names = page
            .email_identities()
            .iter()
            .filter_map(|i| i.identity_name().map(str::to_owned))
            .collect();
        Ok((
            names,
            page.next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        ))
    }

    async fn delete_identity(&self, identity: &str) -> Result<(), AwsError> {
        match self
            .client
            .delete_email_identity()
            .email_identity(identity)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = aws_error("Deleting the identity in SES", &e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    async fn restart_easy_dkim(&self, identity: &str) -> Result<(), AwsError> {
        self.client
            .put_email_identity_dkim_signing_attributes()
            .email_identity(identity)
            .signing_attributes_origin(DkimSigningAttributesOrigin::AwsSes)
            .send()
            .await
            .map_err(|e| aws_error("Restarting DKIM verification", &e))?;
        Ok(())
    }

    async fn put_mail_from(
        &self,
        identity: &str,
        domain: &str,
        reject_on_mx_failure: bool,
    ) -> Result<(), AwsError> {
        self.client
            .put_email_identity_mail_from_attributes()
            .email_identity(identity)
            .mail_from_domain(domain)
            .behavior_on_mx_failure(if reject_on_mx_failure {
                BehaviorOnMxFailure::RejectMessage
            } else {
                BehaviorOnMxFailure::UseDefaultValue
            })
            .send()
            .await
            .map_err(|e| aws_error("Setting the custom MAIL FROM domain", &e))?;
        Ok(())
    }

    async fn sandbox(&self) -> Option<bool> {
        // An account SES does not describe (moto has no GetAccount) is "sandbox unknown".
        self.client
            .get_account()
            .send()
            .await
            .ok()
            .map(|a| !a.production_access_enabled())
    }

    async fn send_email(
        &self,
        mail: &SimpleMail,
        scope: Option<&SendScope>,
    ) -> Result<Option<String>, AwsError> {
        const WHAT: &str = "Sending through SES";
        let content = |s: &str| {
            Content::builder()
                .data(s)
                .charset("UTF-8")
                .build()
                .map_err(|e| build_error(WHAT, &e))
        };
        let message = Message::builder()
            .subject(content(&mail.subject)?)
            .body(
                Body::builder()
                    .text(content(&mail.text)?)
                    .html(content(&mail.html)?)
                    .build(),
            )
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&mail.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_tenant_name(scope.map(|s| s.tenant_name.clone()))
            .set_configuration_set_name(scope.map(|s| s.config_set.clone()))
            // One attempt: SendEmail is not idempotent, and an attempt that timed out may
            // have been accepted, so the SDK's retry could deliver twice. A refusal comes
            // back at once; an attempt that gets no answer is reported as such
            // (`AwsErrorKind::Unavailable`), for the caller to hold the message's key.
            .customize()
            .config_override(
                aws_sdk_sesv2::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(out.message_id().map(str::to_owned))
    }

    async fn send_raw(
        &self,
        from: &str,
        destinations: &[String],
        raw: &[u8],
        scope: Option<&SendScope>,
    ) -> Result<Option<String>, AwsError> {
        const WHAT: &str = "Sending through SES";
        let raw = RawMessage::builder()
            .data(Blob::new(raw))
            .build()
            .map_err(|e| build_error(WHAT, &e))?;
        let out = self
            .client
            .send_email()
            .from_email_address(from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(destinations.to_vec()))
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .set_tenant_name(scope.map(|s| s.tenant_name.clone()))
            .set_configuration_set_name(scope.map(|s| s.config_set.clone()))
            // One attempt: SendEmail is not idempotent, and an attempt that timed out may
            // have been accepted, so the SDK's retry could deliver twice. A refusal comes
            // back at once; an attempt that gets no answer is reported as such
            // (`AwsErrorKind::Unavailable`), for the caller to hold the message's key.
            .customize()
            .config_override(
                aws_sdk_sesv2::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
            )
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        Ok(out.message_id().map(str::to_owned))
    }

    async fn ensure_tenant(&self, name: &str, tenant: &str) -> Result<SesTenant, AwsError> {
        const WHAT: &str = "Creating the SES tenant";
        let made = self
            .client
            .create_tenant()
            .tenant_name(name)
            .tags(tenant_tag(WHAT, tenant)?)
            .send()
            .await;
        match made {
            Ok(t) => Ok(SesTenant {
                name: t.tenant_name().unwrap_or(name).to_owned(),
                arn: t.tenant_arn().unwrap_or_default().to_owned(),
                sending_status: t
                    .sending_status()
                    .map_or("ENABLED", |s| s.as_str())
                    .to_owned(),
                suppressed_reasons: None,
            }),
            Err(e) => {
                let e = aws_error(WHAT, &e);
                if e.code == "AlreadyExistsException" {
                    self.get_tenant(name).await
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn get_tenant(&self, name: &str) -> Result<SesTenant, AwsError> {
        const WHAT: &str = "Reading the SES tenant";
        let out = self
            .client
            .get_tenant()
            .tenant_name(name)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        out.tenant()
            .map(tenant_of)
            .ok_or_else(|| AwsError::service("SES", WHAT, "NotFoundException", name))
    }

    async fn ensure_config_set(&self, name: &str, tenant: &str) -> Result<(), AwsError> {
        const WHAT: &str = "Creating the tenant's configuration set";
        let made = self
            .client
            .create_configuration_set()
            .configuration_set_name(name)
            .reputation_options(
                ReputationOptions::builder()
                    .reputation_metrics_enabled(true)
                    .build(),
            )
            .tags(tenant_tag(WHAT, tenant)?)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e));
        done_or_already(made, exists)
    }

    async fn ensure_event_destination(
        &self,
        config_set: &str,
        name: &str,
        bus_arn: &str,
    ) -> Result<(), AwsError> {
        const WHAT: &str = "Sending the tenant's SES events to EventBridge";
        let dest = EventDestinationDefinition::builder()
            .enabled(true)
            .set_matching_event_types(Some(vec![
                EventType::Send,
                EventType::Delivery,
                EventType::Bounce,
                EventType::Complaint,
                EventType::Reject,
                EventType::DeliveryDelay,
                EventType::RenderingFailure,
            ]))
            .event_bridge_destination(
                EventBridgeDestination::builder()
                    .event_bus_arn(bus_arn)
                    .build()
                    .map_err(|e| build_error(WHAT, &e))?,
            )
            .build();
        done_or_already(
            self.client
                .create_configuration_set_event_destination()
                .configuration_set_name(config_set)
                .event_destination_name(name)
                .event_destination(dest)
                .send()
                .await
                .map_err(|e| aws_error(WHAT, &e)),
            exists,
        )
    }

    async fn associate(&self, tenant_name: &str, resource_arn: &str) -> Result<(), AwsError> {
        const WHAT: &str = "Associating a resource with the SES tenant";
        done_or_already(
            self.client
                .create_tenant_resource_association()
                .tenant_name(tenant_name)
                .resource_arn(resource_arn)
                .send()
                .await
                .map_err(|e| aws_error(WHAT, &e)),
            exists,
        )
    }

    async fn disassociate(&self, tenant_name: &str, resource_arn: &str) -> Result<(), AwsError> {
        const WHAT: &str = "Removing a resource from the SES tenant";
        done_or_already(
            self.client
                .delete_tenant_resource_association()
                .tenant_name(tenant_name)
                .resource_arn(resource_arn)
                .send()
                .await
                .map_err(|e| aws_error(WHAT, &e)),
            AwsError::is_not_found,
        )
    }

    async fn reputation(&self, arn: &str) -> Result<SesReputation, AwsError> {
        let out = self
            .client
            .get_reputation_entity()
            .reputation_entity_type(ReputationEntityType::Resource)
            .reputation_entity_reference(arn)
            .send()
            .await
            .map_err(|e| aws_error("Reading the tenant's reputation", &e))?;
        let Some(r) = out.reputation_entity() else {
            return Ok(SesReputation::default());
        };
        let status = |s: Option<&aws_sdk_sesv2::types::StatusRecord>| {
            s.and_then(|s| s.status()).map(|s| s.as_str().to_owned())
        };
        Ok(SesReputation {
            policy: r.reputation_management_policy().map(str::to_owned),
            customer_status: status(r.customer_managed_status()),
            aws_status: status(r.aws_ses_managed_status()),
            aggregate: r.sending_status_aggregate().map(|s| s.as_str().to_owned()),
            impact: r.reputation_impact().map(|s| s.as_str().to_owned()),
        })
    }

    async fn set_reputation_policy(&self, arn: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.client
            .update_reputation_entity_policy()
            .reputation_entity_type(ReputationEntityType::Resource)
            .reputation_entity_reference(arn)
            .reputation_entity_policy(policy_arn)
            .send()
            .await
            .map_err(|e| aws_error("Setting the tenant's reputation policy", &e))?;
        Ok(())
    }

    async fn set_tenant_suppression(
        &self,
        tenant_name: &str,
        reasons: &[String],
    ) -> Result<(), AwsError> {
        self.client
            .put_tenant_suppression_attributes()
            .tenant_name(tenant_name)
            .set_suppressed_reasons(Some(
                reasons
                    .iter()
                    .map(|r| SuppressionListReason::from(r.as_str()))
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| aws_error("Setting the tenant's suppression", &e))?;
        Ok(())
    }
}
