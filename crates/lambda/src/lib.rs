//! `sendready-lambda`: Sendready's HTTP API (one axum `Router`) and its adapters, hosted
//! by AWS Lambda behind API Gateway or by `sendready-local` on one machine.

pub mod api;
pub mod auth;
pub mod aws;
pub mod dnscheck;
pub mod identities;
pub mod lambda;
pub mod problem;
pub mod publish;
pub mod registry;
pub mod sestest;
pub mod smtp;
pub mod verify;

pub use api::{AppState, AwsClients, router};

/// Reads the backend's settings from the environment, with the defaults documented in
/// the README.
pub mod config {
    use crate::smtp::SmtpOptions;
    use std::time::Duration;

    /// The resolver for live DNS checks and SMTP hosts: `SENDREADY_DNS_SERVER`
    /// (`ip:port`; unset: the system's resolvers).
    pub fn dns_from_env() -> Result<Option<crate::dnscheck::Dns>, String> {
        match std::env::var("SENDREADY_DNS_SERVER") {
            Ok(addr) => {
                let addr = addr
                    .parse()
                    .map_err(|_| format!("SENDREADY_DNS_SERVER must be ip:port, not {addr:?}"))?;
                crate::dnscheck::Dns::new(Some(addr), Duration::from_secs(2)).map(Some)
            }
            Err(_) => Ok(None),
        }
    }

    /// The tenant table: `SENDREADY_TABLE` (default `sendready-tenants`).
    pub fn table() -> String {
        std::env::var("SENDREADY_TABLE").unwrap_or_else(|_| "sendready-tenants".to_owned())
    }

    /// The hosted zones the deployment may change: `SENDREADY_HOSTED_ZONE_IDS`
    /// (comma-separated ids; empty or unset: any zone the role allows).
    pub fn hosted_zones() -> Vec<String> {
        std::env::var("SENDREADY_HOSTED_ZONE_IDS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|z| !z.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// SMTP options: `SENDREADY_SMTP_STEP_TIMEOUT_MS` (default 5000),
    /// `SENDREADY_ALLOW_PRIVATE_SMTP` (`1` only for the local stack),
    /// `SENDREADY_SMTP_EXTRA_CA` (a PEM file of extra trusted roots).
    pub fn smtp_from_env() -> Result<SmtpOptions, String> {
        let mut o = SmtpOptions::default();
        if let Ok(ms) = std::env::var("SENDREADY_SMTP_STEP_TIMEOUT_MS") {
            let ms: u64 = ms.parse().map_err(|_| {
                format!("SENDREADY_SMTP_STEP_TIMEOUT_MS must be milliseconds, not {ms:?}")
            })?;
            o.step_timeout = Duration::from_millis(ms.clamp(100, 30_000));
        }
        o.allow_private = std::env::var("SENDREADY_ALLOW_PRIVATE_SMTP").is_ok_and(|v| v == "1");
        o.resolver = dns_from_env()?.map(std::sync::Arc::new);
        if let Ok(path) = std::env::var("SENDREADY_SMTP_EXTRA_CA") {
            let pem =
                std::fs::read(&path).map_err(|e| format!("SENDREADY_SMTP_EXTRA_CA {path}: {e}"))?;
            o.extra_roots_pem.push(pem);
        }
        Ok(o)
    }
}
