//! Each platform tenant's own SES tenant (SES v2 tenant management, issue 15): created on
//! the tenant's first identity (idempotent), with its configuration set; every identity
//! associated with it, and removed from it on delete; every send for the tenant passes
//! its `TenantName` and configuration set, so SES keeps one tenant's reputation apart
//! from the shared account's and can pause that tenant alone.

use crate::ports::ses::{SendScope, Ses, SesTenant, default_bus_arn, ses_arn, ses_tenant_name};
use crate::ports::{AwsError, Registry};

/// The name of the event destination every tenant's configuration set has.
pub const EVENT_DESTINATION: &str = "sendready-events";

/// Where the tenant's sends belong: its SES tenant and its configuration set (one name).
pub fn scope(tenant: &str) -> SendScope {
    let name = ses_tenant_name(tenant);
    SendScope {
        tenant_name: name.clone(),
        config_set: name,
    }
}

/// The tenant's SES tenant, made when missing, with its configuration set made, sending
/// every event to the account's default EventBridge bus (where `sendready-events` reads
/// them), and associated with it.
pub async fn ensure(ses: &dyn Ses, tenant: &str) -> Result<SesTenant, AwsError> {
    let name = ses_tenant_name(tenant);
    let t = ses.ensure_tenant(&name, tenant).await?;
    ses.ensure_config_set(&name, tenant).await?;
    if let Some(bus) = default_bus_arn(&t.arn) {
        ses.ensure_event_destination(&name, EVENT_DESTINATION, &bus)
            .await?;
    }
    if let Some(arn) = ses_arn(&t.arn, "configuration-set", &name) {
        ses.associate(&name, &arn).await?;
    }
    Ok(t)
}

/// Associates `identity` with the tenant's SES tenant. When `set_up` holds the tenant's
/// ARN (the registry's record that it was set up), that association is the only call;
/// otherwise, or when SES says something of the setup is gone, the whole setup runs
/// ([`ensure`], up to six calls) and is recorded for the next identity.
pub async fn attach(
    ses: &dyn Ses,
    registry: &dyn Registry,
    tenant: &str,
    identity: &str,
    set_up: Option<&str>,
) -> Result<(), AwsError> {
    if let Some(arn) = set_up.and_then(|t| ses_arn(t, "identity", identity)) {
        match ses.associate(&ses_tenant_name(tenant), &arn).await {
            Ok(()) => return Ok(()),
            Err(e) if needs_setup(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let t = ensure(ses, tenant).await?;
    if let Some(arn) = ses_arn(&t.arn, "identity", identity) {
        ses.associate(&t.name, &arn).await?;
    }
    if let Err(e) = registry.put_ses_tenant(tenant, &t.arn).await {
        // Only a shortcut is lost: the next identity runs the whole setup again.
        tracing::warn!(tenant = %tenant, error = %e, "SES tenant set up but not recorded");
    }
    Ok(())
}

/// Removes `identity` from the tenant's SES tenant; nothing to do when either is gone.
pub async fn detach(ses: &dyn Ses, tenant: &str, identity: &str) -> Result<(), AwsError> {
    let t = match ses.get_tenant(&ses_tenant_name(tenant)).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Some(arn) = ses_arn(&t.arn, "identity", identity) {
        ses.disassociate(&t.name, &arn).await?;
    }
    Ok(())
}

/// True when SES refused a send because the tenant, its configuration set or the
/// identity's association is missing (an identity made before tenants, or a setup a
/// failure cut short): [`attach`] and one more try mend it.
pub fn needs_setup(e: &AwsError) -> bool {
    e.is_not_found()
        || (e.code == "BadRequestException" && e.message.contains("not associated"))
        || (e.code == "ConfigurationSetDoesNotExistException")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_id_maps_to_one_ses_name_and_two_ids_never_share_one() {
        assert_eq!(ses_tenant_name("acme"), "sendready-t-acme");
        assert_eq!(ses_tenant_name("Acme_2-x"), "sendready-t-Acme_2-x");
        let odd = ses_tenant_name("acme corp/eu");
        assert!(odd.starts_with("sendready-h-") && odd.len() == 44, "{odd}");
        assert_eq!(odd, ses_tenant_name("acme corp/eu"), "stable");
        assert_ne!(odd, ses_tenant_name("acme corp/us"));
        let long = "a".repeat(53);
        assert!(ses_tenant_name(&long).starts_with("sendready-h-"));
        assert!(ses_tenant_name(&"a".repeat(52)).len() <= 64);
        assert!(ses_tenant_name("").starts_with("sendready-h-"));
    }

    #[test]
    fn resource_arns_are_made_in_the_tenants_account_and_region() {
        let t = "arn:aws:ses:eu-west-1:111122223333:tenant/sendready-t-acme/abc123";
        assert_eq!(
            ses_arn(t, "identity", "example.com").as_deref(),
            Some("arn:aws:ses:eu-west-1:111122223333:identity/example.com")
        );
        assert_eq!(ses_arn("not an arn", "identity", "x"), None);
    }
}
