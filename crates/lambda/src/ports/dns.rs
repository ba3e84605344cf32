//! Live DNS lookups, for record checks and for SMTP hosts.

use async_trait::async_trait;
use sendready_core::dns::RecordType;
use sendready_core::dns::verdict::Lookup;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// A resolver that sees DNS as it is (no cache).
#[async_trait]
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The values at `name` of type `t`, normalized as the core's verdict compares them.
    async fn lookup(&self, name: &str, t: RecordType) -> Lookup;
    /// A host's addresses with `port`; `Err` with the reason when it does not resolve.
    async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String>;
}

/// What one check may spend on live DNS, whatever the tenant's name servers do: a bound
/// on lookups (a hostile SPF tree may ask for 40 records, and a policy check reads two
/// trees and a DMARC walk) and on time in all, well inside a function's 30 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsBudget {
    /// Lookups in all.
    pub lookups: u32,
    /// Time in all, from the budget's start.
    pub time: Duration,
}

impl Default for DnsBudget {
    /// 40 lookups and 10 s.
    fn default() -> DnsBudget {
        DnsBudget {
            lookups: 40,
            time: Duration::from_secs(10),
        }
    }
}

/// A resolver spending one check's [`DnsBudget`]: past its lookups or its time, each
/// lookup fails at once with a reason that says so (an unknown answer, never a
/// negative one), and a lookup still waiting when the time ends is cut off.
#[derive(Debug)]
pub struct Budgeted<'a> {
    inner: &'a dyn Resolver,
    budget: DnsBudget,
    deadline: Instant,
    used: AtomicU32,
    spent: AtomicBool,
}

impl<'a> Budgeted<'a> {
    /// `budget` over `inner`, its time starting now.
    pub fn new(inner: &'a dyn Resolver, budget: DnsBudget) -> Budgeted<'a> {
        Budgeted {
            inner,
            budget,
            deadline: Instant::now() + budget.time,
            used: AtomicU32::new(0),
            spent: AtomicBool::new(false),
        }
    }

    /// Whether a lookup was refused or cut off: the check's answers are incomplete.
    pub fn spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }

    /// The budget being spent.
    pub fn budget(&self) -> DnsBudget {
        self.budget
    }

    /// The lookups asked for so far (refused ones too).
    pub fn used(&self) -> u32 {
        self.used.load(Ordering::Relaxed)
    }

    /// The time left for one more lookup, or why there is none.
    fn take(&self) -> Result<Duration, String> {
        if self.used.fetch_add(1, Ordering::Relaxed) >= self.budget.lookups {
            self.spent.store(true, Ordering::Relaxed);
            return Err(format!(
                "this check's DNS budget of {} lookups is spent",
                self.budget.lookups
            ));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.spent.store(true, Ordering::Relaxed);
            return Err(self.out_of_time());
        }
        Ok(left)
    }

    fn out_of_time(&self) -> String {
        format!(
            "no answer within this check's DNS budget of {} ms",
            self.budget.time.as_millis()
        )
    }

    /// `work` within `left`, or the reason it was cut off.
    async fn within<T>(&self, left: Duration, work: impl Future<Output = T>) -> Result<T, String> {
        tokio::time::timeout(left, work).await.map_err(|_| {
            self.spent.store(true, Ordering::Relaxed);
            self.out_of_time()
        })
    }
}

#[async_trait]
impl Resolver for Budgeted<'_> {
    async fn lookup(&self, name: &str, t: RecordType) -> Lookup {
        match self.take() {
            Ok(left) => self
                .within(left, self.inner.lookup(name, t))
                .await
                .unwrap_or_else(Lookup::Failed),
            Err(why) => Lookup::Failed(why),
        }
    }

    async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let left = self.take()?;
        self.within(left, self.inner.resolve_host(host, port))
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every lookup with one value after `delay`, counting the lookups.
    #[derive(Debug)]
    struct Slow {
        delay: Duration,
        asked: AtomicU32,
    }

    #[async_trait]
    impl Resolver for Slow {
        async fn lookup(&self, _: &str, _: RecordType) -> Lookup {
            self.asked.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.delay).await;
            Lookup::Values(vec!["v".to_owned()])
        }
        async fn resolve_host(&self, _: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
            self.asked.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.delay).await;
            Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
        }
    }

    fn slow(ms: u64) -> Slow {
        Slow {
            delay: Duration::from_millis(ms),
            asked: AtomicU32::new(0),
        }
    }

    #[tokio::test]
    async fn past_its_lookups_a_budget_refuses_without_asking_the_name_server() {
        let inner = slow(0);
        let budget = DnsBudget {
            lookups: 3,
            time: Duration::from_secs(5),
        };
        let dns = Budgeted::new(&inner, budget);
        for _ in 0..3 {
            assert!(matches!(
                dns.lookup("a.example", RecordType::Txt).await,
                Lookup::Values(_)
            ));
        }
        assert!(!dns.spent());
        let Lookup::Failed(why) = dns.lookup("a.example", RecordType::Txt).await else {
            panic!("the fourth lookup must fail");
        };
        assert!(why.contains("budget of 3 lookups"), "{why}");
        assert!(dns.resolve_host("mx.example", 25).await.is_err());
        assert!(dns.spent());
        assert_eq!(inner.asked.load(Ordering::Relaxed), 3);
        assert_eq!(dns.used(), 5);
    }

    #[tokio::test]
    async fn a_slow_name_server_is_cut_off_when_the_time_ends_and_later_lookups_fail_at_once() {
        let inner = slow(300);
        let budget = DnsBudget {
            lookups: 100,
            time: Duration::from_millis(450),
        };
        let dns = Budgeted::new(&inner, budget);
        let start = Instant::now();
        assert!(matches!(
            dns.lookup("a.example", RecordType::Mx).await,
            Lookup::Values(_)
        ));
        let Lookup::Failed(why) = dns.lookup("b.example", RecordType::Mx).await else {
            panic!("the second lookup outlasts the budget");
        };
        assert!(why.contains("450 ms"), "{why}");
        assert!(matches!(
            dns.lookup("c.example", RecordType::Mx).await,
            Lookup::Failed(_)
        ));
        assert!(dns.spent());
        // Two asked (the second cut off), the third never; all within the budget's time
        // and a little scheduling.
        assert_eq!(inner.asked.load(Ordering::Relaxed), 2);
        assert!(
            start.elapsed() < Duration::from_millis(700),
            "{:?}",
            start.elapsed()
        );
    }
}
