//! Per-tenant limits on what tenants share (the SES account's reputation, SMTP egress),
//! counted so that concurrent requests never exceed them.

use super::AwsError;
use super::dns::DnsBudget;
use async_trait::async_trait;
use sendready_core::Code;
use std::time::{Duration, Instant};

/// When a tenant refused a place of its share is told to try again.
pub const BUSY_RETRY: Duration = Duration::from_secs(5);

/// A limit: at most `max` uses per `window` (fixed windows aligned to the epoch), counted
/// per tenant and subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Its name in the store (`test-mail-hour`).
    pub name: &'static str,
    /// The code a refusal carries.
    pub code: Code,
    /// Uses allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

/// A tenant's share of work that waits on the tenant's own servers (its SMTP server, its
/// domain's name servers): at most `max` at once per tenant, so one tenant whose server
/// answers slowly holds at most that many of a function's executions (issue 23.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// Its name in the store (`smtp`, `dns`).
    pub work: &'static str,
    /// Held at once per tenant.
    pub max: u32,
    /// How long a lease is held at most: a lease its function never gave back (killed
    /// mid-request) frees itself after this; longer than any request's deadline.
    pub hold: Duration,
}

/// One held place of a [`Share`], given back with [`Limiter::release`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The tenant holding it.
    pub tenant: String,
    /// The work.
    pub work: &'static str,
    /// Which of the share's places.
    pub slot: u32,
    /// This holder's own mark, so only it gives the place back.
    pub holder: String,
}

/// Why a use was refused.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// The window already holds `limit.max` uses.
    #[error("{} uses per {:?} reached", limit.max, limit.window)]
    Exceeded {
        /// The limit.
        limit: Limit,
        /// When the window ends.
        retry_after: Duration,
    },
    /// Every place of the tenant's share is held: the tenant's own work is under way.
    #[error("{} {} checks already under way", share.max, share.work)]
    Busy {
        /// The share.
        share: Share,
        /// When to try again.
        retry_after: Duration,
    },
    /// The store failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Counts uses against limits.
#[async_trait]
pub trait Limiter: Send + Sync {
    /// Counts one use of `limit` by `tenant` for `subject` (an identity, a host; empty for
    /// the tenant as a whole), or refuses it when the window is full.
    async fn take(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError>;
    /// Refuses when the window is full, without counting a use.
    async fn check(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError>;
    /// Takes one place of the tenant's `share`, or refuses ([`LimitError::Busy`]) when
    /// every place is held.
    async fn lease(&self, tenant: &str, share: &Share) -> Result<Lease, LimitError>;
    /// Gives a place back (a failure is logged: the place frees itself after its hold).
    async fn release(&self, lease: &Lease);
}

/// The limits the services apply, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Test messages (SES and SMTP) per tenant per hour.
    pub test_mail_hour: Limit,
    /// Test messages per tenant per day.
    pub test_mail_day: Limit,
    /// Verification mails SES sends again, per identity per day.
    pub verification_resends: Limit,
    /// SMTP checks and test connections per tenant per minute.
    pub smtp_checks: Limit,
    /// Failed SMTP sign-ins per tenant and host per hour, after which the host is not
    /// tried again until the hour ends.
    pub smtp_auth_failures: Limit,
    /// Messages the send route delivers per tenant per hour (1000 unless configured).
    pub messages_hour: Limit,
    /// SMTP sessions with the tenant's own server at once (checks, test messages, sends).
    pub smtp_share: Share,
    /// Verify and policy checks of the tenant's domain in live DNS at once.
    pub dns_share: Share,
    /// What one such check (and one look of the tracker) may spend on DNS.
    pub dns_budget: DnsBudget,
}

impl Limits {
    /// The limits with these maxima (per hour and day of test mail, resends per day, SMTP
    /// checks per minute, failed sign-ins per host per hour).
    pub fn new(
        test_mail_hour: u32,
        test_mail_day: u32,
        resends_day: u32,
        smtp_minute: u32,
        auth_failures_hour: u32,
    ) -> Limits {
        const HOUR: Duration = Duration::from_secs(3600);
        Limits {
            test_mail_hour: Limit {
                name: "test-mail-hour",
                code: Code::LimitTestMail,
                max: test_mail_hour,
                window: HOUR,
            },
            test_mail_day: Limit {
                name: "test-mail-day",
                code: Code::LimitTestMail,
                max: test_mail_day,
                window: 24 * HOUR,
            },
            verification_resends: Limit {
                name: "verification-resends",
                code: Code::LimitVerificationResends,
                max: resends_day,
                window: 24 * HOUR,
            },
            smtp_checks: Limit {
                name: "smtp-checks",
                code: Code::LimitSmtpChecks,
                max: smtp_minute,
                window: Duration::from_secs(60),
            },
            smtp_auth_failures: Limit {
                name: "smtp-auth-failures",
                code: Code::LimitSmtpAuthFailures,
                max: auth_failures_hour,
                window: HOUR,
            },
            messages_hour: Limit {
                name: "messages-hour",
                code: Code::LimitMessages,
                max: 1000,
                window: HOUR,
            },
            // 2 of a function's 10 reserved executions: five tenants with slow servers
            // together, not one, would be needed to fill a function.
            smtp_share: Share {
                work: "smtp",
                max: 2,
                hold: Duration::from_secs(40),
            },
            dns_share: Share {
                work: "dns",
                max: 2,
                hold: Duration::from_secs(40),
            },
            dns_budget: DnsBudget::default(),
        }
    }

    /// The same limits with `max` places per tenant in each share.
    #[must_use]
    pub fn with_tenant_share(mut self, max: u32) -> Limits {
        self.smtp_share.max = max;
        self.dns_share.max = max;
        self
    }

    /// Counts one test message (SES or SMTP) by `tenant` against the hourly and the daily
    /// limit: the shared account's reputation lets a tenant send so many and no more.
    pub async fn take_test_mail(
        &self,
        limiter: &dyn Limiter,
        tenant: &str,
    ) -> Result<(), LimitError> {
        limiter.take(tenant, "", &self.test_mail_hour).await?;
        limiter.take(tenant, "", &self.test_mail_day).await
    }
}

impl Default for Limits {
    /// 20 test messages an hour and 100 a day, 5 verification resends a day per
    /// identity, 10 SMTP checks a minute, 5 failed sign-ins an hour per host.
    fn default() -> Limits {
        Limits::new(20, 100, 5, 10, 5)
    }
}

/// How long a process remembers that a tenant's share was full.
const REFUSAL_MEMO: Duration = Duration::from_secs(1);
/// The most refusals remembered at once (expired ones are dropped first).
const REFUSALS_KEPT: usize = 4096;

/// A [`Limiter`] that remembers, in this process, a tenant refused a place of a share:
/// for [`REFUSAL_MEMO`] its next requests for that share are refused at once, without a
/// write to the store, so a tenant hammering past its share costs the table nothing and
/// holds a function's execution for microseconds. A place this process gives back
/// forgets the refusal; one given back elsewhere is seen within the memo's second.
pub struct Remembering {
    inner: std::sync::Arc<dyn Limiter>,
    refused: std::sync::Mutex<std::collections::HashMap<(String, &'static str), Instant>>,
}

impl Remembering {
    /// `inner`, remembering its refusals.
    pub fn new(inner: std::sync::Arc<dyn Limiter>) -> Remembering {
        Remembering {
            inner,
            refused: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    fn refused(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, &'static str), Instant>> {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Limiter for Remembering {
    async fn take(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError> {
        self.inner.take(tenant, subject, limit).await
    }

    async fn check(&self, tenant: &str, subject: &str, limit: &Limit) -> Result<(), LimitError> {
        self.inner.check(tenant, subject, limit).await
    }

    async fn lease(&self, tenant: &str, share: &Share) -> Result<Lease, LimitError> {
        let key = (tenant.to_owned(), share.work);
        let now = Instant::now();
        if self.refused().get(&key).is_some_and(|until| *until > now) {
            return Err(LimitError::Busy {
                share: *share,
                retry_after: BUSY_RETRY,
            });
        }
        let out = self.inner.lease(tenant, share).await;
        if matches!(out, Err(LimitError::Busy { .. })) {
            let mut refused = self.refused();
            if refused.len() >= REFUSALS_KEPT {
                refused.retain(|_, until| *until > now);
                if refused.len() >= REFUSALS_KEPT {
                    refused.clear();
                }
            }
            refused.insert(key, now + REFUSAL_MEMO);
        }
        out
    }

    async fn release(&self, lease: &Lease) {
        self.inner.release(lease).await;
        self.refused().remove(&(lease.tenant.clone(), lease.work));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// One place in all; counts what reaches it.
    #[derive(Default)]
    struct OnePlace {
        held: AtomicU32,
        leases: AtomicU32,
    }

    #[async_trait]
    impl Limiter for OnePlace {
        async fn take(&self, _: &str, _: &str, _: &Limit) -> Result<(), LimitError> {
            Ok(())
        }
        async fn check(&self, _: &str, _: &str, _: &Limit) -> Result<(), LimitError> {
            Ok(())
        }
        async fn lease(&self, tenant: &str, share: &Share) -> Result<Lease, LimitError> {
            self.leases.fetch_add(1, Ordering::SeqCst);
            if self.held.fetch_add(1, Ordering::SeqCst) > 0 {
                self.held.fetch_sub(1, Ordering::SeqCst);
                return Err(LimitError::Busy {
                    share: *share,
                    retry_after: BUSY_RETRY,
                });
            }
            Ok(Lease {
                tenant: tenant.to_owned(),
                work: share.work,
                slot: 0,
                holder: "h".to_owned(),
            })
        }
        async fn release(&self, _: &Lease) {
            self.held.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_refusal_is_remembered_for_its_tenant_only_and_forgotten_when_a_place_comes_back() {
        let inner = Arc::new(OnePlace::default());
        let limiter = Remembering::new(inner.clone());
        let share = Limits::default().smtp_share;
        let held = limiter
            .lease("a", &share)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            limiter.lease("a", &share).await,
            Err(LimitError::Busy { .. })
        ));
        // Refused again from memory: the store is not asked.
        for _ in 0..5 {
            assert!(matches!(
                limiter.lease("a", &share).await,
                Err(LimitError::Busy { .. })
            ));
        }
        assert_eq!(inner.leases.load(Ordering::SeqCst), 2);
        // Another tenant's request still reaches the store.
        assert!(limiter.lease("b", &share).await.is_err());
        assert_eq!(inner.leases.load(Ordering::SeqCst), 3);
        // The place given back here: the next request of `a` is asked for again.
        limiter.release(&held).await;
        assert!(limiter.lease("a", &share).await.is_ok());
        assert_eq!(inner.leases.load(Ordering::SeqCst), 4);
    }
}
