//! SMTP checks and test messages through a customer's server: the core's rules first
//! (the server, not the request, decides whether private hosts are reachable), then a
//! real session through the SMTP port.

use super::secrets::{Secrets, Which, binding};
use crate::error::Problem;
use crate::ports::smtp::{Outcome, Secret};
use crate::ports::{LimitError, Limiter, Limits, SmtpClient};
use sendready_core::Code;
use sendready_core::address::{AddressOptions, check_address};
pub use sendready_core::api::SmtpRequest;
use sendready_core::api::{SmtpTranscript, TranscriptSource};
use sendready_core::smtp::{AuthMethod, SmtpConfig, SmtpSettings, check_smtp_settings};
use std::sync::Arc;

/// The ports an SMTP check may connect to: the submission ports servers use (and the
/// local stack's), so the API cannot be used to scan other services.
pub const SUBMISSION_PORTS: [u16; 6] = [25, 465, 587, 2465, 2525, 2587];

/// The SMTP service over one SMTP client.
#[derive(Clone)]
pub struct Smtp {
    /// How sessions are made.
    pub client: Arc<dyn SmtpClient>,
    /// Ports allowed beside [`SUBMISSION_PORTS`] (`SENDREADY_SMTP_EXTRA_PORTS`).
    pub extra_ports: Vec<u16>,
    /// Where uses are counted.
    pub limiter: Arc<dyn Limiter>,
    /// The limits: SMTP checks per minute, failed sign-ins per host, test mail.
    pub limits: Limits,
    /// The tenant's saved secrets, used when a check or test message is asked for with
    /// none typed, and only for the server each was saved for (`None`: a function
    /// without the settings key; a secret must then be typed).
    pub saved: Option<Secrets>,
}

/// The debug transcript of one session: its steps with every form of the secret the
/// session could have carried replaced by `***` (as typed; base64 as AUTH LOGIN sends
/// it; SASL PLAIN's `\0user\0secret`; XOAUTH2's `user=…\x01auth=Bearer …`), so a server
/// that echoes what it was sent does not put a password into the log.
pub fn transcript(
    source: TranscriptSource,
    config: &SmtpConfig,
    out: &Outcome,
    message_id: Option<String>,
    secret: Option<&Secret>,
) -> SmtpTranscript {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let forms: Vec<String> = secret
        .map(Secret::expose)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let user = &config.username;
            vec![
                b64(&format!("\0{user}\0{s}")),
                b64(&format!("user={user}\x01auth=Bearer {s}\x01\x01")),
                b64(s),
                s.to_owned(),
            ]
        })
        .unwrap_or_default();
    let hide = |text: &mut String| {
        for f in &forms {
            if text.contains(f.as_str()) {
                *text = text.replace(f.as_str(), "***");
            }
        }
    };
    let mut outcome = out.clone();
    for step in &mut outcome.steps {
        hide(&mut step.detail);
        if let Some(d) = &mut step.diagnosis {
            hide(&mut d.cause);
        }
    }
    if let Some(d) = &mut outcome.diagnosis {
        hide(&mut d.cause);
    }
    SmtpTranscript {
        at: crate::ports::registry::now_secs(),
        source,
        host: config.host.ascii.clone(),
        port: config.port,
        message_id,
        outcome,
    }
}

/// True for a diagnosis that says the server refused the sign-in.
fn auth_failed(out: &Outcome) -> bool {
    out.diagnosis.as_ref().is_some_and(|d| {
        matches!(
            d.code,
            Code::SmtpAuthFailed | Code::SmtpAuthBadCredentials | Code::SmtpGmailAppPassword
        )
    })
}

impl Smtp {
    /// The settings checked by the core, on a port checks may use; a 400 otherwise.
    pub fn config(&self, settings: &SmtpSettings) -> Result<SmtpConfig, Problem> {
        let mut settings = settings.clone();
        // The server decides whether private hosts are reachable, never the request.
        settings.allow_private_host = self.client.allows_private();
        let config = Problem::accepted(check_smtp_settings(&settings))?;
        if !SUBMISSION_PORTS.contains(&config.port) && !self.extra_ports.contains(&config.port) {
            return Err(Problem::field(
                "port",
                Code::SmtpPortNotAllowed,
                format!(
                    "Port {} is not an SMTP submission port; checks connect only to {} (587 with STARTTLS or 465 with SSL/TLS are the usual ones).",
                    config.port,
                    SUBMISSION_PORTS
                        .iter()
                        .chain(&self.extra_ports)
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(config)
    }

    /// The saved secret `which` for the server `config` signs in at: `None` when none
    /// is saved (or this function holds no settings key), 400 `settings-secret-unbound`
    /// when the saved one was saved for another server or username.
    async fn saved_secret(
        &self,
        tenant: &str,
        which: Which,
        config: &SmtpConfig,
    ) -> Result<Option<Secret>, Problem> {
        let Some(saved) = &self.saved else {
            return Ok(None);
        };
        let stored = saved.stored(tenant).await?;
        saved
            .open_for(tenant, &stored, which, &binding(config))
            .await
    }

    /// Checks the settings with the core and picks the secret: the one typed, else the
    /// one saved for this very server and username; a 400 problem otherwise.
    async fn prepare(
        &self,
        tenant: &str,
        req: SmtpRequest,
    ) -> Result<(SmtpConfig, Option<Secret>), Problem> {
        let mut settings = req.settings;
        if self.saved.is_some() && settings.password.as_deref().is_none_or(str::is_empty) {
            // A saved password may stand in for one not typed: the core need not ask for
            // it, and the lookup below says when there is none for this server.
            settings.password_stored = true;
            settings.change_password = Some(false);
        }
        let config = self.config(&settings)?;
        let secret = match config.authentication {
            AuthMethod::None => None,
            AuthMethod::Password => match settings.password {
                Some(p) if !p.is_empty() => Some(Secret::new(p)),
                _ => Some(
                    self.saved_secret(tenant, Which::Password, &config)
                        .await?
                        .ok_or_else(|| {
                            Problem::field(
                                "password",
                                Code::SmtpPasswordMissing,
                                "Type the password to test with: none is saved for this account yet.",
                            )
                        })?,
                ),
            },
            AuthMethod::Oauth2 => match req.access_token {
                Some(t) if !t.is_empty() => Some(Secret::new(t)),
                _ => Some(
                    self.saved_secret(tenant, Which::Token, &config)
                        .await?
                        .ok_or_else(|| {
                            Problem::field(
                                "accessToken",
                                Code::SmtpOauth2TokenMissing,
                                "Send the OAuth 2.0 access token the provider issued for this mailbox; the test signs in with XOAUTH2.",
                            )
                        })?,
                ),
            },
        };
        Ok((config, secret))
    }

    /// Counts an SMTP session against the tenant's limits before it starts: checks per
    /// minute, and the host's failed sign-ins this hour.
    async fn admit(&self, tenant: &str, config: &SmtpConfig) -> Result<(), Problem> {
        self.limiter
            .take(tenant, "", &self.limits.smtp_checks)
            .await?;
        self.limiter
            .check(tenant, &config.host.ascii, &self.limits.smtp_auth_failures)
            .await?;
        Ok(())
    }

    /// Counts a failed sign-in against the host (the limit applies from the next check).
    async fn count_auth_failure(&self, tenant: &str, config: &SmtpConfig, out: &Outcome) {
        if auth_failed(out)
            && let Err(LimitError::Aws(e)) = self
                .limiter
                .take(tenant, &config.host.ascii, &self.limits.smtp_auth_failures)
                .await
        {
            tracing::warn!(tenant = %tenant, error = %e, "counting a failed sign-in");
        }
    }

    /// The connection check, step by step.
    pub async fn check(&self, tenant: &str, req: SmtpRequest) -> Result<Outcome, Problem> {
        Ok(self
            .check_debug(tenant, req, TranscriptSource::TestAndSave)
            .await?
            .0)
    }

    /// The connection check, and its redacted transcript as `source` when the settings'
    /// debug is on.
    pub async fn check_debug(
        &self,
        tenant: &str,
        req: SmtpRequest,
        source: TranscriptSource,
    ) -> Result<(Outcome, Option<SmtpTranscript>), Problem> {
        let (config, secret) = self.prepare(tenant, req).await?;
        // The place first: a tenant past its share is refused before anything is counted
        // or written (from memory, while its refusal is fresh).
        let out = super::leased(&self.limiter, tenant, &self.limits.smtp_share, async {
            self.admit(tenant, &config).await?;
            tracing::info!(tenant = %tenant, host = %config.host.ascii, port = config.port, security = ?config.security, "smtp check");
            Ok::<_, Problem>(self.client.check(&config, secret.as_ref()).await)
        })
        .await?;
        self.count_auth_failure(tenant, &config, &out).await;
        tracing::info!(tenant = %tenant, ok = out.ok, code = ?out.diagnosis.as_ref().map(|d| d.code), "smtp check done");
        let kept = config
            .debug
            .then(|| transcript(source, &config, &out, None, secret.as_ref()));
        Ok((out, kept))
    }

    /// The test message to `req.to`, step by step.
    pub async fn test_email(&self, tenant: &str, req: SmtpRequest) -> Result<Outcome, Problem> {
        let to = Problem::accepted_as(
            "to",
            check_address(
                req.to.as_deref().unwrap_or_default(),
                AddressOptions::default(),
            ),
        )?;
        let (config, secret) = self.prepare(tenant, req).await?;
        if config.from.is_none() {
            return Err(Problem::field(
                "fromAddress",
                Code::SmtpFromMissing,
                "Enter the From address the test message is sent from.",
            ));
        }
        let out = super::leased(&self.limiter, tenant, &self.limits.smtp_share, async {
            self.admit(tenant, &config).await?;
            self.limits
                .take_test_mail(self.limiter.as_ref(), tenant)
                .await?;
            tracing::info!(tenant = %tenant, host = %config.host.ascii, port = config.port, "smtp test email");
            Ok::<_, Problem>(self.client.send_test(&config, secret.as_ref(), &to).await)
        })
        .await?;
        self.count_auth_failure(tenant, &config, &out).await;
        tracing::info!(tenant = %tenant, ok = out.ok, code = ?out.diagnosis.as_ref().map(|d| d.code), "smtp test email done");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sendready_core::api::{Step, StepKind};
    use sendready_core::smtp::SmtpSettings;

    #[test]
    fn a_transcript_hides_every_form_of_the_secret_a_server_could_echo() {
        let config = Problem::accepted(check_smtp_settings(&SmtpSettings {
            host: "smtp.example.com".to_owned(),
            port: Some(587),
            username: "ann".to_owned(),
            password: Some("hunter2".to_owned()),
            from_address: "ann@example.com".to_owned(),
            debug: true,
            ..SmtpSettings::default()
        }))
        .unwrap();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let echoes = [
            "535 bad password hunter2".to_owned(),
            format!("334 {}", b64("hunter2")),
            format!("535 {} refused", b64("\0ann\0hunter2")),
            format!("535 {}", b64("user=ann\x01auth=Bearer hunter2\x01\x01")),
        ];
        let out = Outcome {
            ok: false,
            steps: echoes
                .iter()
                .map(|detail| Step {
                    step: StepKind::Auth,
                    ok: false,
                    millis: 1,
                    detail: detail.clone(),
                    diagnosis: None,
                })
                .collect(),
            diagnosis: None,
        };
        let secret = Secret::new("hunter2".to_owned());
        let t = transcript(TranscriptSource::Send, &config, &out, None, Some(&secret));
        let details: Vec<&str> = t.outcome.steps.iter().map(|s| s.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "535 bad password ***",
                "334 ***",
                "535 *** refused",
                "535 ***"
            ]
        );
        assert_eq!((t.host.as_str(), t.port), ("smtp.example.com", 587));
    }
}
