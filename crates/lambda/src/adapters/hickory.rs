//! Live DNS through hickory-resolver: no cache, a configurable nameserver. It answers
//! lookups as the core's verdict compares them ([`Lookup`]) and resolves SMTP hosts; the
//! verdict itself is the core's (`sendready_core::dns::verdict`).

use crate::ports::Resolver;
use async_trait::async_trait;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType as HRecordType};
use hickory_resolver::{Resolver as Hickory, net::NetError};
use sendready_core::dns::RecordType;
use sendready_core::dns::verdict::{Lookup, normalize_value};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Why the resolver could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DnsSetupError {
    /// `/etc/resolv.conf` could not be read.
    #[error("reading the system's DNS configuration: {0}")]
    System(String),
    /// hickory refused the configuration.
    #[error("building the DNS resolver: {0}")]
    Build(String),
}

/// A resolver for live checks.
#[derive(Clone)]
pub struct Dns {
    resolver: Hickory<TokioRuntimeProvider>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dns")
    }
}

fn hickory_type(t: RecordType) -> HRecordType {
    match t {
        RecordType::Cname => HRecordType::CNAME,
        RecordType::Txt => HRecordType::TXT,
        RecordType::Mx => HRecordType::MX,
    }
}

impl Dns {
    /// A resolver asking `nameserver` (UDP and TCP) or, without one, the system's
    /// resolvers (`/etc/resolv.conf`). Nothing is cached: a check must see DNS as it is.
    pub fn new(nameserver: Option<SocketAddr>, timeout: Duration) -> Result<Dns, DnsSetupError> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match nameserver {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Hickory::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), provider)
            }
            None => Hickory::builder(provider).map_err(|e| DnsSetupError::System(e.to_string()))?,
        };
        let opts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 2;
        opts.cache_size = 0;
        let resolver = builder
            .build()
            .map_err(|e| DnsSetupError::Build(e.to_string()))?;
        Ok(Dns { resolver })
    }
}

#[async_trait]
impl Resolver for Dns {
    async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let name = format!("{}.", host.trim_end_matches('.'));
        let found = self
            .resolver
            .lookup_ip(name.as_str())
            .await
            .map_err(|e| e.to_string())?;
        Ok(found.iter().map(|ip| SocketAddr::new(ip, port)).collect())
    }

    async fn lookup(&self, name: &str, t: RecordType) -> Lookup {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.lookup(fqdn.as_str(), hickory_type(t)).await {
            Ok(l) => {
                let values: Vec<String> = l
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == hickory_type(t))
                    .filter_map(|r| match &r.data {
                        RData::CNAME(c) => Some(normalize_value(t, &c.0.to_ascii())),
                        RData::TXT(txt) => Some(
                            txt.txt_data
                                .iter()
                                .map(|b| String::from_utf8_lossy(b).into_owned())
                                .collect::<String>(),
                        ),
                        RData::MX(mx) => Some(normalize_value(
                            t,
                            &format!("{} {}", mx.preference, mx.exchange.to_ascii()),
                        )),
                        _ => None,
                    })
                    .collect();
                if values.is_empty() {
                    Lookup::Nothing
                } else {
                    Lookup::Values(values)
                }
            }
            Err(e) if negative(&e) => Lookup::Nothing,
            Err(e) => Lookup::Failed(e.to_string()),
        }
    }
}

/// A negative answer: the name or the type does not exist.
fn negative(e: &NetError) -> bool {
    e.is_nx_domain() || e.is_no_records_found()
}
