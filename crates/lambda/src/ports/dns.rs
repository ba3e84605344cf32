//! Live DNS lookups, for record checks and for SMTP hosts.

use async_trait::async_trait;
use sendready_core::dns::RecordType;
use sendready_core::dns::verdict::Lookup;
use std::net::SocketAddr;

/// A resolver that sees DNS as it is (no cache).
#[async_trait]
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The values at `name` of type `t`, normalized as the core's verdict compares them.
    async fn lookup(&self, name: &str, t: RecordType) -> Lookup;
    /// A host's addresses with `port`; `Err` with the reason when it does not resolve.
    async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String>;
}
