//! Live DNS: checks an identity's records where the world looks them up (hickory-resolver,
//! no cache, a configurable nameserver), and resolves SMTP hosts through the same
//! resolver when one is configured.
//!
//! Each record ends in one outcome: found, missing, wrong value, wrong type, found at the
//! name with the zone typed twice (`s1._domainkey.example.com.example.com`), or a lookup
//! that failed (the answer is unknown, not negative).

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType as HRecordType};
use hickory_resolver::{Resolver, net::NetError};
use sendready_core::Code;
use sendready_core::dns::{DnsRecord, RecordType};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// A resolver for live checks.
#[derive(Clone)]
pub struct Dns {
    resolver: Resolver<TokioRuntimeProvider>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dns")
    }
}

/// What a lookup found.
enum Found {
    Values(Vec<String>),
    Nothing,
    Failed(String),
}

/// The outcome for one record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordCheck {
    /// The record that should be published.
    pub record: DnsRecord,
    /// `dns-record-found`, `dns-record-missing`, `dns-record-wrong-value`,
    /// `dns-record-wrong-type`, `zone-doubled` or `dns-lookup-failed`.
    pub code: Code,
    /// True only for `dns-record-found`.
    pub ok: bool,
    /// What live DNS holds at the name (or at the doubled name).
    pub seen: Vec<String>,
    /// What is wrong and what to do.
    pub message: String,
}

fn norm(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
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
    pub fn new(nameserver: Option<SocketAddr>, timeout: Duration) -> Result<Dns, String> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match nameserver {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Resolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), provider)
            }
            None => Resolver::builder(provider)
                .map_err(|e| format!("reading the system's DNS configuration: {e}"))?,
        };
        let opts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 2;
        opts.cache_size = 0;
        let resolver = builder
            .build()
            .map_err(|e| format!("building the DNS resolver: {e}"))?;
        Ok(Dns { resolver })
    }

    /// Resolves a host's addresses (for SMTP). `Err` with a reason when it does not resolve.
    pub async fn resolve_host(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
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

    async fn lookup(&self, name: &str, t: RecordType) -> Found {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.lookup(fqdn.as_str(), hickory_type(t)).await {
            Ok(l) => {
                let values: Vec<String> = l
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == hickory_type(t))
                    .filter_map(|r| match &r.data {
                        RData::CNAME(c) => Some(norm(&c.0.to_ascii())),
                        RData::TXT(txt) => Some(
                            txt.txt_data
                                .iter()
                                .map(|b| String::from_utf8_lossy(b).into_owned())
                                .collect::<String>(),
                        ),
                        RData::MX(mx) => Some(format!(
                            "{} {}",
                            mx.preference,
                            norm(&mx.exchange.to_ascii())
                        )),
                        _ => None,
                    })
                    .collect();
                if values.is_empty() {
                    Found::Nothing
                } else {
                    Found::Values(values)
                }
            }
            Err(e) if negative(&e) => Found::Nothing,
            Err(e) => Found::Failed(e.to_string()),
        }
    }

    /// Checks one record as published at `record.name`; when it is missing there, also
    /// at the name with a parent of `domain` appended (the zone typed twice).
    pub async fn check(&self, record: &DnsRecord, domain: &str) -> RecordCheck {
        let expected = match record.record_type {
            RecordType::Cname => norm(&record.value),
            RecordType::Txt => record.value.clone(),
            RecordType::Mx => format!(
                "{} {}",
                record.priority.unwrap_or(10),
                norm(record.value.rsplit(' ').next().unwrap_or_default())
            ),
        };
        let out = |code: Code, seen: Vec<String>, message: String| RecordCheck {
            record: record.clone(),
            ok: code == Code::DnsRecordFound,
            code,
            seen,
            message,
        };
        match self.lookup(&record.name, record.record_type).await {
            Found::Values(v) if v.contains(&expected) => {
                return out(
                    Code::DnsRecordFound,
                    v,
                    format!(
                        "{} {} is published as expected.",
                        record.name,
                        record.record_type.as_str()
                    ),
                );
            }
            Found::Values(v) => {
                return out(
                    Code::DnsRecordWrongValue,
                    v,
                    format!(
                        "{} has a {} record with another value; replace it with: {}",
                        record.name,
                        record.record_type.as_str(),
                        record.value
                    ),
                );
            }
            Found::Failed(e) => {
                return out(
                    Code::DnsLookupFailed,
                    Vec::new(),
                    format!(
                        "Looking up {} failed ({e}); try again in a minute.",
                        record.name
                    ),
                );
            }
            Found::Nothing => {}
        }
        for other in [RecordType::Cname, RecordType::Txt, RecordType::Mx] {
            if other == record.record_type {
                continue;
            }
            if let Found::Values(v) = self.lookup(&record.name, other).await {
                return out(
                    Code::DnsRecordWrongType,
                    v,
                    format!(
                        "{} has a {} record where a {} record belongs; delete it and add the {} record.",
                        record.name,
                        other.as_str(),
                        record.record_type.as_str(),
                        record.record_type.as_str()
                    ),
                );
            }
        }
        let labels: Vec<&str> = domain.split('.').collect();
        for i in 0..labels.len().saturating_sub(1) {
            let zone = labels[i..].join(".");
            let doubled = format!("{}.{zone}", record.name);
            if let Found::Values(v) = self.lookup(&doubled, record.record_type).await {
                let host = record
                    .name
                    .strip_suffix(&format!(".{zone}"))
                    .unwrap_or(&record.name);
                return out(
                    Code::ZoneDoubled,
                    v,
                    format!(
                        "The record is at {doubled}: your DNS host added {zone} to a name that already ended in it. Enter only \"{host}\" as the name."
                    ),
                );
            }
        }
        out(
            Code::DnsRecordMissing,
            Vec::new(),
            format!(
                "No {} record at {} yet. Publish it; DNS changes can take a few minutes to appear.",
                record.record_type.as_str(),
                record.name
            ),
        )
    }
}

/// A negative answer: the name or the type does not exist.
fn negative(e: &NetError) -> bool {
    e.is_nx_domain() || e.is_no_records_found()
}
