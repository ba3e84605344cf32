//! The backend's settings, read once from the environment into a typed [`Config`], with
//! the defaults the README documents. A bad value stops the binary at start-up with a
//! [`ConfigError`] naming the variable, never a 500 at request time.

use crate::ports::Limits;
use crate::ports::route53::bare_zone_id;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Why the environment could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `SENDREADY_DNS_SERVER` is not `ip:port`.
    #[error("SENDREADY_DNS_SERVER must be ip:port, not {0:?}")]
    DnsServer(String),
    /// `SENDREADY_SMTP_STEP_TIMEOUT_MS` is not a number of milliseconds.
    #[error("SENDREADY_SMTP_STEP_TIMEOUT_MS must be milliseconds, not {0:?}")]
    StepTimeout(String),
    /// `SENDREADY_DKIM_SELECTOR_PREFIX` is not a short DNS label.
    #[error(
        "SENDREADY_DKIM_SELECTOR_PREFIX must be letters, digits and hyphens (at most 40), not {0:?}"
    )]
    SelectorPrefix(String),
    /// A `SENDREADY_LIMIT_*` or `SENDREADY_TRACK_*` value is not a positive whole number.
    #[error("{0} must be a positive whole number, not {1:?}")]
    Limit(&'static str, String),
    /// `SENDREADY_SMTP_EXTRA_PORTS` has something that is not a port.
    #[error("SENDREADY_SMTP_EXTRA_PORTS must be port numbers separated by commas, not {0:?}")]
    ExtraPorts(String),
    /// `SENDREADY_REQUEST_DEADLINE_MS` is not a number of milliseconds.
    #[error("SENDREADY_REQUEST_DEADLINE_MS must be milliseconds, not {0:?}")]
    RequestDeadline(String),
    /// `SENDREADY_WEBHOOK_URL` / `SENDREADY_WEBHOOK_SECRET` are not a usable pair.
    #[error("{0}")]
    Webhook(String),
    /// `SENDREADY_SMTP_EXTRA_CA` cannot be read.
    #[error("SENDREADY_SMTP_EXTRA_CA {path}: {source}")]
    ExtraCa {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The KMS key that seals the tenants' secrets when the configuration names none.
pub const DEFAULT_SETTINGS_KEY: &str = "alias/sendready-settings";

/// Everything the binaries read from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The tenant table: `SENDREADY_TABLE` (default `sendready-tenants`).
    pub table: String,
    /// The hosted zones the deployment may change, without `/hostedzone/`:
    /// `SENDREADY_HOSTED_ZONE_IDS` (comma-separated; empty or unset: any the role allows).
    pub hosted_zones: Vec<String>,
    /// The nameserver for live DNS checks and SMTP hosts: `SENDREADY_DNS_SERVER`
    /// (`ip:port`; unset: the system's resolvers).
    pub dns_server: Option<SocketAddr>,
    /// Bound on each SMTP step: `SENDREADY_SMTP_STEP_TIMEOUT_MS` (default 5000, kept
    /// between 100 and 30000).
    pub smtp_step_timeout: Duration,
    /// `SENDREADY_ALLOW_PRIVATE_SMTP=1` lets SMTP checks reach private addresses (the
    /// local stack only).
    pub allow_private_smtp: bool,
    /// `SENDREADY_SMTP_EXTRA_CA`: a PEM file of extra trusted roots.
    pub smtp_extra_ca: Option<PathBuf>,
    /// The claim that names the tenant: `SENDREADY_TENANT_CLAIM` (default `tenant`).
    pub tenant_claim: String,
    /// Ports SMTP checks may use beside the submission ports: `SENDREADY_SMTP_EXTRA_PORTS`
    /// (comma-separated).
    pub smtp_extra_ports: Vec<u16>,
    /// `SENDREADY_TEST_MAIL_ANY_RECIPIENT=1` lets SES test mail go to any address (the
    /// platform's choice); by default only to the tenant's active users, its verified
    /// identities and the mailbox simulator.
    pub test_mail_any_recipient: bool,
    /// Per-tenant limits: `SENDREADY_LIMIT_TEST_MAIL_PER_HOUR` (20), `..._PER_DAY` (100),
    /// `SENDREADY_LIMIT_VERIFICATION_RESENDS_PER_DAY` (5 per identity),
    /// `SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE` (10),
    /// `SENDREADY_LIMIT_SMTP_AUTH_FAILURES_PER_HOUR` (5 per host),
    /// `SENDREADY_LIMIT_MESSAGES_PER_HOUR` (1000, the send route).
    pub limits: Limits,
    /// The prefix of every BYODKIM selector: `SENDREADY_DKIM_SELECTOR_PREFIX` (default
    /// `sendready`; a DNS label).
    pub selector_prefix: String,
    /// The whole-request deadline: `SENDREADY_REQUEST_DEADLINE_MS` (default 25000, under
    /// the functions' 30 s timeout; kept between 1000 and 60000).
    pub request_deadline: Duration,
    /// The KMS key that seals the tenants' SMTP secrets: `SENDREADY_SETTINGS_KEY_ID`
    /// (a key id, ARN or alias; default `alias/sendready-settings`).
    pub settings_key: String,
    /// The platform's own sender for tenants on the default server:
    /// `SENDREADY_PLATFORM_FROM` (an address a verified SES identity of the platform
    /// covers; unset: that route answers 503 `message-route-unavailable`).
    pub platform_from: Option<String>,
    /// The EventBridge bus verification changes are announced on:
    /// `SENDREADY_ANNOUNCE_BUS` (a name or ARN; unset: not announced on EventBridge).
    pub announce_bus: Option<String>,
    /// The platform's webhook for verification changes: `SENDREADY_WEBHOOK_URL` (HTTPS,
    /// or HTTP to 127.0.0.1 or localhost) with `SENDREADY_WEBHOOK_SECRET` (at least 32
    /// characters), both or neither.
    pub webhook: Option<WebhookConfig>,
    /// Verification tracking's times divided by this: `SENDREADY_TRACK_TIME_SCALE`
    /// (default 1, SES's own; the local stack compresses the 72 hours with it).
    pub track_time_scale: u64,
    /// The most identities one tracking run looks at: `SENDREADY_TRACK_BATCH` (default
    /// 100; the rest are looked at in the next run).
    pub track_batch: usize,
    /// The queues, by URL: `SENDREADY_SEND_QUEUE_URL` (the SQS fair queue `Prefer:
    /// respond-async` sends go through; unset: every send answers synchronously),
    /// `SENDREADY_SEND_DLQ_URL`, `SENDREADY_EVENTS_QUEUE_URL` and
    /// `SENDREADY_EVENTS_DLQ_URL` (their depths in the platform view).
    pub queues: QueueUrls,
}

/// The queues' URLs (each unset where the deployment has none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueUrls {
    /// The send queue.
    pub send: Option<String>,
    /// The send queue's dead-letter queue.
    pub send_dlq: Option<String>,
    /// The SES events queue.
    pub events: Option<String>,
    /// The SES events queue's dead-letter queue.
    pub events_dlq: Option<String>,
}

/// The platform's webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Where announcements are posted.
    pub url: String,
    /// The HMAC key.
    pub secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"***")
            .finish()
    }
}

/// The positive whole number `name` holds, or `default` when it is unset.
fn positive<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + Default,
{
    match var(name) {
        Some(v) => v
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::default())
            .ok_or(ConfigError::Limit(name, v)),
        None => Ok(default),
    }
}

fn webhook(
    url: Option<String>,
    secret: Option<String>,
) -> Result<Option<WebhookConfig>, ConfigError> {
    let bad = |m: &str| Err(ConfigError::Webhook(m.to_owned()));
    match (
        url.filter(|u| !u.is_empty()),
        secret.filter(|s| !s.is_empty()),
    ) {
        (None, None) => Ok(None),
        (Some(_), None) | (None, Some(_)) => {
            bad("set both SENDREADY_WEBHOOK_URL and SENDREADY_WEBHOOK_SECRET, or neither")
        }
        (Some(url), Some(secret)) => {
            let Ok(uri) = url.parse::<axum::http::Uri>() else {
                return bad("SENDREADY_WEBHOOK_URL is not a URL");
            };
            let loopback = matches!(uri.host(), Some("127.0.0.1" | "localhost"));
            match uri.scheme_str() {
                Some("https") => {}
                Some("http") if loopback => {}
                _ => {
                    return bad(
                        "SENDREADY_WEBHOOK_URL must be https:// (http:// only to 127.0.0.1 or localhost)",
                    );
                }
            }
            if secret.len() < 32 {
                return bad("SENDREADY_WEBHOOK_SECRET must be at least 32 characters");
            }
            Ok(Some(WebhookConfig { url, secret }))
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `var` (the environment, or a table in tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let dns_server = match var("SENDREADY_DNS_SERVER") {
            Some(addr) => Some(addr.parse().map_err(|_| ConfigError::DnsServer(addr))?),
            None => None,
        };
        let smtp_step_timeout = match var("SENDREADY_SMTP_STEP_TIMEOUT_MS") {
            Some(ms) => {
                let n: u64 = ms.parse().map_err(|_| ConfigError::StepTimeout(ms))?;
                Duration::from_millis(n.clamp(100, 30_000))
            }
            None => Duration::from_secs(5),
        };
        let request_deadline = match var("SENDREADY_REQUEST_DEADLINE_MS") {
            Some(ms) => {
                let n: u64 = ms.parse().map_err(|_| ConfigError::RequestDeadline(ms))?;
                Duration::from_millis(n.clamp(1000, 60_000))
            }
            None => Duration::from_secs(25),
        };
        let smtp_extra_ports = var("SENDREADY_SMTP_EXTRA_PORTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| ConfigError::ExtraPorts(p.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let limit = |name: &'static str, default: u32| positive(&var, name, default);
        let defaults = Limits::default();
        let limits = Limits::new(
            limit(
                "SENDREADY_LIMIT_TEST_MAIL_PER_HOUR",
                defaults.test_mail_hour.max,
            )?,
            limit(
                "SENDREADY_LIMIT_TEST_MAIL_PER_DAY",
                defaults.test_mail_day.max,
            )?,
            limit(
                "SENDREADY_LIMIT_VERIFICATION_RESENDS_PER_DAY",
                defaults.verification_resends.max,
            )?,
            limit(
                "SENDREADY_LIMIT_SMTP_CHECKS_PER_MINUTE",
                defaults.smtp_checks.max,
            )?,
            limit(
                "SENDREADY_LIMIT_SMTP_AUTH_FAILURES_PER_HOUR",
                defaults.smtp_auth_failures.max,
            )?,
        );
        let mut limits = limits.with_tenant_share(limit(
            "SENDREADY_TENANT_CONCURRENCY",
            defaults.smtp_share.max,
        )?);
        limits.messages_hour.max = limit(
            "SENDREADY_LIMIT_MESSAGES_PER_HOUR",
            defaults.messages_hour.max,
        )?;
        limits.dns_budget.lookups = limit("SENDREADY_DNS_LOOKUPS", defaults.dns_budget.lookups)?;
        limits.dns_budget.time = Duration::from_millis(positive(
            &var,
            "SENDREADY_DNS_BUDGET_MS",
            u64::try_from(defaults.dns_budget.time.as_millis()).unwrap_or(u64::MAX),
        )?);
        let selector_prefix =
            var("SENDREADY_DKIM_SELECTOR_PREFIX").unwrap_or_else(|| "sendready".to_owned());
        if selector_prefix.is_empty()
            || selector_prefix.len() > 40
            || !selector_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ConfigError::SelectorPrefix(selector_prefix));
        }
        let url = |name: &str| var(name).filter(|u| !u.is_empty());
        let queues = QueueUrls {
            send: url("SENDREADY_SEND_QUEUE_URL"),
            send_dlq: url("SENDREADY_SEND_DLQ_URL"),
            events: url("SENDREADY_EVENTS_QUEUE_URL"),
            events_dlq: url("SENDREADY_EVENTS_DLQ_URL"),
        };
        Ok(Config {
            queues,
            announce_bus: var("SENDREADY_ANNOUNCE_BUS").filter(|b| !b.is_empty()),
            webhook: webhook(
                var("SENDREADY_WEBHOOK_URL"),
                var("SENDREADY_WEBHOOK_SECRET"),
            )?,
            track_time_scale: positive(&var, "SENDREADY_TRACK_TIME_SCALE", 1)?,
            track_batch: positive(&var, "SENDREADY_TRACK_BATCH", 100)?,
            selector_prefix,
            limits,
            request_deadline,
            smtp_extra_ports,
            test_mail_any_recipient: var("SENDREADY_TEST_MAIL_ANY_RECIPIENT")
                .is_some_and(|v| v == "1"),
            table: var("SENDREADY_TABLE").unwrap_or_else(|| "sendready-tenants".to_owned()),
            hosted_zones: var("SENDREADY_HOSTED_ZONE_IDS")
                .unwrap_or_default()
                .split(',')
                .map(bare_zone_id)
                .filter(|z| !z.is_empty())
                .map(str::to_owned)
                .collect(),
            dns_server,
            smtp_step_timeout,
            allow_private_smtp: var("SENDREADY_ALLOW_PRIVATE_SMTP").is_some_and(|v| v == "1"),
            smtp_extra_ca: var("SENDREADY_SMTP_EXTRA_CA").map(PathBuf::from),
            tenant_claim: var("SENDREADY_TENANT_CLAIM").unwrap_or_else(|| "tenant".to_owned()),
            settings_key: var("SENDREADY_SETTINGS_KEY_ID")
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| DEFAULT_SETTINGS_KEY.to_owned()),
            platform_from: var("SENDREADY_PLATFORM_FROM").filter(|f| !f.is_empty()),
        })
    }

    /// The extra trusted roots' PEM, read from `smtp_extra_ca`.
    pub fn extra_roots_pem(&self) -> Result<Vec<Vec<u8>>, ConfigError> {
        self.smtp_extra_ca
            .iter()
            .map(|path| {
                std::fs::read(path).map_err(|source| ConfigError::ExtraCa {
                    path: path.clone(),
                    source,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults_are_the_readmes() {
        let c = read(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.table, "sendready-tenants");
        assert_eq!(c.tenant_claim, "tenant");
        assert_eq!(c.smtp_step_timeout, Duration::from_secs(5));
        assert!(c.hosted_zones.is_empty() && c.dns_server.is_none() && !c.allow_private_smtp);
    }

    #[test]
    fn zone_ids_lose_their_prefix_and_bad_values_name_the_variable() {
        let c = read(&[("SENDREADY_HOSTED_ZONE_IDS", " /hostedzone/Z1, Z2,,")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.hosted_zones, ["Z1", "Z2"]);
        let e = read(&[("SENDREADY_DNS_SERVER", "localhost")]).err();
        assert!(e.is_some_and(|e| e.to_string().starts_with("SENDREADY_DNS_SERVER")));
        let e = read(&[("SENDREADY_SMTP_STEP_TIMEOUT_MS", "5s")]).err();
        assert!(matches!(e, Some(ConfigError::StepTimeout(_))));
        let c = read(&[("SENDREADY_SMTP_STEP_TIMEOUT_MS", "1")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.smtp_step_timeout, Duration::from_millis(100));
    }

    #[test]
    fn the_dns_budget_is_40_lookups_and_10_s_unless_set_and_a_bad_value_names_its_variable() {
        let c = read(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.limits.dns_budget.lookups, c.limits.dns_budget.time),
            (40, Duration::from_secs(10))
        );
        let c = read(&[
            ("SENDREADY_DNS_LOOKUPS", "12"),
            ("SENDREADY_DNS_BUDGET_MS", "2500"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.limits.dns_budget.lookups, c.limits.dns_budget.time),
            (12, Duration::from_millis(2500))
        );
        for (name, bad) in [
            ("SENDREADY_DNS_LOOKUPS", "0"),
            ("SENDREADY_DNS_BUDGET_MS", "10s"),
        ] {
            let e = read(&[(name, bad)])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.starts_with(name), "{name}={bad}: {e}");
        }
    }

    #[test]
    fn a_webhook_needs_https_and_a_long_secret_and_both_settings() {
        let secret = "s".repeat(32);
        let ok = read(&[
            (
                "SENDREADY_WEBHOOK_URL",
                "https://hooks.example.com/sendready",
            ),
            ("SENDREADY_WEBHOOK_SECRET", &secret),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ok.webhook.map(|w| w.url).as_deref(),
            Some("https://hooks.example.com/sendready")
        );
        let local = read(&[
            ("SENDREADY_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
            ("SENDREADY_WEBHOOK_SECRET", &secret),
        ]);
        assert!(local.is_ok());
        for (url, sec, says) in [
            (
                "http://hooks.example.com/",
                secret.as_str(),
                "must be https://",
            ),
            ("https://hooks.example.com/", "short", "at least 32"),
            ("https://hooks.example.com/", "", "both"),
            ("not a url at all", secret.as_str(), "not a URL"),
        ] {
            let e = read(&[
                ("SENDREADY_WEBHOOK_URL", url),
                ("SENDREADY_WEBHOOK_SECRET", sec),
            ])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(e.contains(says), "{url} {sec}: {e}");
        }
        let c = read(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.webhook, c.track_time_scale, c.track_batch),
            (None, 1, 100)
        );
        assert!(matches!(
            read(&[("SENDREADY_TRACK_TIME_SCALE", "0")]),
            Err(ConfigError::Limit("SENDREADY_TRACK_TIME_SCALE", _))
        ));
        for bad in ["0", "-1", "ten", ""] {
            assert!(matches!(
                read(&[("SENDREADY_LIMIT_MESSAGES_PER_HOUR", bad)]),
                Err(ConfigError::Limit("SENDREADY_LIMIT_MESSAGES_PER_HOUR", _))
            ));
        }
        let c = read(&[("SENDREADY_TRACK_BATCH", "7")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.track_batch, 7);
    }
}
