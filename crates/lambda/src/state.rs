//! What the handlers share, built once per binary: each service over its ports, and the
//! state of each Lambda function and of the local server. No client is optional: a
//! function is given exactly the services its routes use, so a missing one is a compile
//! error, not a 500.

use crate::adapters::dynamodb::{DynamoRegistry, TableError};
use crate::adapters::eventbridge::EventBridge;
use crate::adapters::hickory::{Dns, DnsSetupError};
use crate::adapters::kms::Kms;
use crate::adapters::lettre::{Lettre, SmtpOptions};
use crate::adapters::route53::Route53Sdk;
use crate::adapters::sesv2::SesV2;
use crate::adapters::sqs::Sqs;
use crate::adapters::webhook::Webhook;
use crate::config::{Config, ConfigError, DEFAULT_SETTINGS_KEY, QueueUrls};
use crate::ports::limits::Remembering;
use crate::ports::route53::bare_zone_id;
use crate::ports::sendlog::SendLog;
use crate::ports::settings::{Sealer, SettingsStore};
use crate::ports::{
    Announcer, EventStore, Limiter, Limits, Queues, Registry, Resolver, Route53, Ses, TrackingStore,
};
use crate::service::events::Events;
use crate::service::identities::Identities;
use crate::service::messages::{Messages, SendQueue};
use crate::service::reconcile::Reconciler;
use crate::service::secrets::Secrets;
use crate::service::settings::Settings;
use crate::service::smtp::Smtp;
use crate::service::test_mail::TestMail;
use crate::service::track::Tracker;
use axum::extract::FromRef;
use sendready_core::tracking::Schedule;
use std::sync::Arc;
use std::time::Duration;

/// Why a binary could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The DNS resolver could not be built.
    #[error(transparent)]
    Dns(#[from] DnsSetupError),
    /// The tenant table could not be made (local stack).
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The AWS adapters over one SDK configuration.
#[derive(Clone)]
pub struct Aws {
    /// SES v2.
    pub ses: Arc<dyn Ses>,
    /// The tenant registry.
    pub registry: Arc<dyn Registry>,
    /// Route 53.
    pub route53: Arc<dyn Route53>,
    /// The region SES runs in.
    pub region: Option<String>,
    /// Where uses are counted (the tenant table).
    pub limiter: Arc<dyn Limiter>,
    /// The limits the services apply.
    pub limits: Limits,
    /// The prefix of every BYODKIM selector.
    pub selector_prefix: String,
    /// Where the tenants' settings live (the tenant table).
    pub settings: Arc<dyn SettingsStore>,
    /// Seals the tenants' secrets (KMS).
    pub sealer: Arc<dyn Sealer>,
    /// The send route's Idempotency-Keys (the tenant table).
    pub sendlog: Arc<dyn SendLog>,
    /// The platform's own sender for `platformDefault` messages.
    pub platform_from: Option<String>,
    /// SES's events per tenant (the tenant table).
    pub events: Arc<dyn EventStore>,
    /// Verification tracking (the tenant table).
    pub tracking: Arc<dyn TrackingStore>,
    /// The tracker's times.
    pub schedule: Schedule,
    /// Where verification changes are announced.
    pub announcers: Vec<Arc<dyn Announcer>>,
    /// The most identities one tracking run looks at.
    pub track_batch: usize,
    /// SQS.
    pub queues: Arc<dyn Queues>,
    /// The queues' URLs.
    pub queue_urls: QueueUrls,
}

impl Aws {
    /// The adapters over `conf`, with the registry on `table`.
    pub fn from_sdk(conf: &aws_config::SdkConfig, table: &str) -> Aws {
        let registry = Arc::new(DynamoRegistry::from_conf(conf, table));
        Aws {
            ses: Arc::new(SesV2::from_conf(conf)),
            registry: registry.clone(),
            route53: Arc::new(Route53Sdk::from_conf(conf)),
            region: conf.region().map(ToString::to_string),
            // A tenant refused a place is refused again from memory for a second.
            limiter: Arc::new(Remembering::new(registry.clone())),
            limits: Limits::default(),
            selector_prefix: "sendready".to_owned(),
            settings: registry.clone(),
            events: registry.clone(),
            tracking: registry.clone(),
            schedule: Schedule::default(),
            announcers: Vec::new(),
            track_batch: 100,
            queues: Arc::new(Sqs::from_conf(conf)),
            queue_urls: QueueUrls::default(),
            sendlog: registry,
            platform_from: None,
            sealer: Arc::new(Kms::from_conf(conf, DEFAULT_SETTINGS_KEY)),
        }
    }

    /// The adapters over `conf` as the configuration sets them: its table, its limits and
    /// its BYODKIM selector prefix.
    pub fn from_config(conf: &aws_config::SdkConfig, config: &Config) -> Aws {
        let mut announcers: Vec<Arc<dyn Announcer>> = Vec::new();
        if let Some(bus) = &config.announce_bus {
            announcers.push(Arc::new(EventBridge::from_conf(conf, bus)));
        }
        if let Some(w) = &config.webhook {
            // The configuration checked the URL; rustls's ring defaults always build.
            match w
                .url
                .parse()
                .map_err(|e: axum::http::uri::InvalidUri| e.to_string())
                .and_then(|url| Webhook::new(url, w.secret.as_bytes()).map_err(|e| e.to_string()))
            {
                Ok(hook) => announcers.push(Arc::new(hook)),
                Err(e) => tracing::error!(error = %e, "the webhook cannot be used"),
            }
        }
        Aws {
            schedule: Schedule::scaled(config.track_time_scale),
            announcers,
            track_batch: config.track_batch,
            limits: config.limits,
            selector_prefix: config.selector_prefix.clone(),
            sealer: Arc::new(Kms::from_conf(conf, &config.settings_key)),
            platform_from: config.platform_from.clone(),
            queue_urls: config.queues.clone(),
            ..Aws::from_sdk(conf, &config.table)
        }
    }

    /// The identity service over these adapters, live DNS through `resolver`, allowed to
    /// change `hosted_zones` (ids with or without `/hostedzone/`; empty: any the role
    /// allows).
    pub fn identities(&self, resolver: Arc<dyn Resolver>, hosted_zones: &[String]) -> Identities {
        Identities {
            ses: self.ses.clone(),
            registry: self.registry.clone(),
            route53: self.route53.clone(),
            resolver,
            hosted_zones: hosted_zones
                .iter()
                .map(|z| bare_zone_id(z).to_owned())
                .collect(),
            region: self.region.clone(),
            stale_after: std::time::Duration::from_secs(30),
            limiter: self.limiter.clone(),
            limits: self.limits,
            selector_prefix: self.selector_prefix.clone(),
            events: self.events_service(),
            tracking: self.tracking.clone(),
            schedule: self.schedule,
            announcers: self.announcers.clone(),
            queues: self.queues.clone(),
            queue_urls: self.queue_urls.clone(),
        }
    }

    /// The events service (the consumer behind `sendready-events`, the rates).
    pub fn events_service(&self) -> Events {
        Events {
            store: self.events.clone(),
        }
    }

    /// The tenant's stored secrets (the settings store and KMS).
    pub fn secrets(&self) -> Secrets {
        Secrets {
            store: self.settings.clone(),
            sealer: self.sealer.clone(),
        }
    }

    /// `smtp` able to use a tenant's saved secret for the server it was saved for when a
    /// check or test message comes with none typed.
    #[must_use]
    pub fn with_saved_secrets(&self, mut smtp: Smtp) -> Smtp {
        smtp.saved = Some(self.secrets());
        smtp
    }

    /// The settings service over these adapters, testing SMTP settings with `smtp`.
    pub fn settings(&self, smtp: Arc<Smtp>) -> Settings {
        Settings {
            store: self.settings.clone(),
            sealer: self.sealer.clone(),
            registry: self.registry.clone(),
            ses: self.ses.clone(),
            smtp,
        }
    }

    /// The send service over these adapters, sending over SMTP with `smtp`.
    pub fn messages(&self, smtp: Arc<Smtp>) -> Messages {
        Messages {
            settings: self.settings.clone(),
            sealer: self.sealer.clone(),
            registry: self.registry.clone(),
            ses: self.ses.clone(),
            smtp,
            log: self.sendlog.clone(),
            limiter: self.limiter.clone(),
            limits: self.limits,
            platform_from: self.platform_from.clone(),
            queue: self.queue_urls.send.clone().map(|url| SendQueue {
                queues: self.queues.clone(),
                url,
            }),
        }
    }

    /// The verification tracker (`sendready-track`), live DNS through `resolver`.
    pub fn tracker(&self, resolver: Arc<dyn Resolver>) -> Tracker {
        Tracker {
            identities: self.identities(resolver, &[]),
            store: self.tracking.clone(),
            announcers: self.announcers.clone(),
            batch: self.track_batch,
            concurrency: 8,
            // A look started then may still wait on DNS (2 s a lookup) and the webhook
            // (5 s) before the function's 30 s timeout.
            deadline: Duration::from_secs(10),
            // SES and each record's lookup (2 s each, a few at a time) and the webhook
            // (5 s): a look still under way at 10 s ends by 22 s.
            look_deadline: Duration::from_secs(12),
        }
    }

    /// The reconciler over these adapters.
    pub fn reconciler(&self) -> Reconciler {
        Reconciler {
            ses: self.ses.clone(),
            registry: self.registry.clone(),
            stale_after: std::time::Duration::from_secs(30),
            tracking: self.tracking.clone(),
            schedule: self.schedule,
            page_size: 100,
            // New pages for 15 s of the function's 30 s: the last page (100 names, 8 at
            // a time) ends well within the rest.
            budget: std::time::Duration::from_secs(15),
        }
    }

    /// The SES test-mail service over these adapters; `any_recipient` lifts the limit
    /// on recipients (the tenant's own and the simulator).
    pub fn test_mail(&self, any_recipient: bool) -> TestMail {
        TestMail {
            ses: self.ses.clone(),
            registry: self.registry.clone(),
            any_recipient,
            limiter: self.limiter.clone(),
            limits: self.limits,
        }
    }
}

/// The live-DNS resolver: the configured nameserver, or the system's.
pub fn resolver(config: &Config) -> Result<Arc<dyn Resolver>, DnsSetupError> {
    Ok(Arc::new(Dns::new(
        config.dns_server,
        Duration::from_secs(2),
    )?))
}

/// The SMTP service as configured: step timeout, private hosts, extra roots, host
/// resolution through the configured nameserver when there is one, the ports and the
/// limits (counted by `limiter`).
pub fn smtp(config: &Config, limiter: Arc<dyn Limiter>) -> Result<Smtp, StartError> {
    let resolver = match config.dns_server {
        Some(_) => Some(resolver(config)?),
        None => None,
    };
    let opts = SmtpOptions {
        step_timeout: config.smtp_step_timeout,
        allow_private: config.allow_private_smtp,
        extra_roots_pem: config.extra_roots_pem()?,
        resolver,
        ..SmtpOptions::default()
    };
    Ok(Smtp {
        client: Arc::new(Lettre { opts }),
        extra_ports: config.smtp_extra_ports.clone(),
        limiter,
        limits: config.limits,
        saved: None,
    })
}

/// The test-mail function's state: SMTP test messages and SES test mail.
#[derive(Clone)]
pub struct TestMailState {
    /// SMTP.
    pub smtp: Arc<Smtp>,
    /// SES test mail.
    pub test_mail: Arc<TestMail>,
}

/// The whole API's state (the local server and tests).
#[derive(Clone)]
pub struct AppState {
    /// SMTP.
    pub smtp: Arc<Smtp>,
    /// SES test mail.
    pub test_mail: Arc<TestMail>,
    /// Identities, DNS and the tenant.
    pub identities: Arc<Identities>,
    /// The tenant's email settings.
    pub settings: Arc<Settings>,
    /// The send route.
    pub messages: Arc<Messages>,
}

impl AppState {
    /// Every service: identities and test mail over `aws`, SMTP as given.
    pub fn new(
        aws: &Aws,
        smtp: Smtp,
        resolver: Arc<dyn Resolver>,
        hosted_zones: &[String],
    ) -> Self {
        let smtp = Arc::new(match smtp.saved {
            Some(_) => smtp,
            None => aws.with_saved_secrets(smtp),
        });
        AppState {
            settings: Arc::new(aws.settings(smtp.clone())),
            messages: Arc::new(aws.messages(smtp.clone())),
            smtp,
            test_mail: Arc::new(aws.test_mail(false)),
            identities: Arc::new(aws.identities(resolver, hosted_zones)),
        }
    }
}

impl FromRef<AppState> for Arc<Smtp> {
    fn from_ref(s: &AppState) -> Self {
        s.smtp.clone()
    }
}

impl FromRef<AppState> for Arc<TestMail> {
    fn from_ref(s: &AppState) -> Self {
        s.test_mail.clone()
    }
}

impl FromRef<AppState> for Arc<Settings> {
    fn from_ref(s: &AppState) -> Self {
        s.settings.clone()
    }
}

impl FromRef<AppState> for Arc<Messages> {
    fn from_ref(s: &AppState) -> Self {
        s.messages.clone()
    }
}

impl FromRef<AppState> for Arc<Identities> {
    fn from_ref(s: &AppState) -> Self {
        s.identities.clone()
    }
}

impl FromRef<TestMailState> for Arc<Smtp> {
    fn from_ref(s: &TestMailState) -> Self {
        s.smtp.clone()
    }
}

impl FromRef<TestMailState> for Arc<TestMail> {
    fn from_ref(s: &TestMailState) -> Self {
        s.test_mail.clone()
    }
}
