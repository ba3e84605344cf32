//! The product's logic over the ports: identity ownership, records, views, publishing,
//! verification, test mail and SMTP checks. No axum and no SDK here; a service takes
//! plain values and the caller's tenant, and answers a value or a [`crate::error::Problem`].

pub mod claim;
pub mod events;
pub mod identities;
pub mod mail_from;
pub mod messages;
pub mod platform;
pub mod policy;
pub mod publish;
pub mod reconcile;
pub mod secrets;
pub mod ses_tenant;
pub mod settings;
pub mod smtp;
pub mod tenant;
pub mod test_mail;
pub mod track;
pub mod verify;

use crate::error::Problem;
use crate::ports::Limiter;
use crate::ports::limits::{Lease, Share};
use std::sync::Arc;

/// A held place of a tenant's share, given back when the work ends, or (when the work is
/// dropped at its deadline) by a task spawned on drop; one never given back frees itself
/// after the share's hold.
struct Held {
    limiter: Arc<dyn Limiter>,
    lease: Option<Lease>,
}

impl Held {
    async fn release(mut self) {
        if let Some(l) = self.lease.take() {
            self.limiter.release(&l).await;
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let (Some(l), Ok(rt)) = (self.lease.take(), tokio::runtime::Handle::try_current()) {
            let limiter = self.limiter.clone();
            rt.spawn(async move { limiter.release(&l).await });
        }
    }
}

/// Runs `work` (which waits on the tenant's own servers) holding one place of the
/// tenant's `share`: 429 `limit-tenant-busy` with `Retry-After` when every place is held,
/// so one tenant's slow server holds at most its share of a function (issue 23.4).
pub async fn leased<T, E: From<Problem>>(
    limiter: &Arc<dyn Limiter>,
    tenant: &str,
    share: &Share,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let lease = limiter
        .lease(tenant, share)
        .await
        .map_err(|e| E::from(Problem::from(e)))?;
    let held = Held {
        limiter: limiter.clone(),
        lease: Some(lease),
    };
    let out = work.await;
    held.release().await;
    out
}
