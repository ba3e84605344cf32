//! The tenant's email settings (issue 14): read, saved only under the version the writer
//! read (`If-Match`), with secrets sealed per tenant and never returned, each change kept
//! in a short history, and "Test connection and save" that saves only when the real
//! connection check passes (Zuora). The core's rules run on every write, as the browser
//! runs them first.
//!
//! What the seeds ask of a write:
//! - FusionAuth: without "Change password" a stored password is kept; with it, the new
//!   one replaces it.
//! - Zuora: "Deliver E-Mail Notifications Using" the default server (from the tenant
//!   profile's email address), the external SMTP server (its settings saved only through
//!   "Test Connection And Save") or the advanced SMTP server (SES, from an address a
//!   verified identity covers).

use super::identities::{record_of, sender_decision};
use super::secrets::{
    PASSWORD_FIELD, Secrets, TOKEN_FIELD, Which, bound_to, settings_binding, unbound,
};
use super::smtp::Smtp;
use crate::error::Problem;
use crate::ports::registry::now_secs;
use crate::ports::settings::{Binding, SaveError, Sealer, SettingsStore, StoredSettings};
use crate::ports::{Registry, Ses};
use axum::http::StatusCode;
use sendready_core::api::{
    DeliveryRoute, EmailSettings, SettingsChange, SettingsView, SmtpRequest, SmtpTranscript,
    TestedSettings, TranscriptSource,
};
use sendready_core::settings::check_email_settings;
use sendready_core::{Code, Issues, Severity};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How many changes `GET /v1/settings/history` returns.
pub const HISTORY_SHOWN: usize = 20;
/// How many transcripts `GET /v1/settings/smtp-debug` returns.
pub const TRANSCRIPTS_SHOWN: usize = 20;

/// The settings service.
pub struct Settings {
    /// Where settings live.
    pub store: Arc<dyn SettingsStore>,
    /// Seals secrets per tenant.
    pub sealer: Arc<dyn Sealer>,
    /// The tenant registry (identities, for the SES sender's authorization).
    pub registry: Arc<dyn Registry>,
    /// SES (which identities are verified).
    pub ses: Arc<dyn Ses>,
    /// The SMTP connection check, for "Test connection and save".
    pub smtp: Arc<Smtp>,
}

/// A write: the body, the version it read, whether to test first, and who writes.
pub struct Write<'a> {
    /// The settings to save.
    pub settings: EmailSettings,
    /// The version from `If-Match`.
    pub if_match: u64,
    /// "Test connection and save".
    pub test: bool,
    /// The token's subject.
    pub by: &'a str,
}

/// What a write did.
pub enum Written {
    /// Saved (or nothing to change): the settings as they now stand.
    Saved(SettingsView),
    /// "Test connection and save": the test's steps, and whether it saved.
    Tested(TestedSettings),
}

/// The settings with every secret and per-request flag left out (the password, "Change
/// password", `passwordStored`, the OAuth token): what is shown, compared and remembered.
fn without_secrets(s: &EmailSettings) -> EmailSettings {
    let mut s = s.clone();
    s.smtp.password = None;
    s.smtp.change_password = None;
    s.smtp.password_stored = false;
    s.smtp_token = None;
    s
}

/// 400 `settings-secret-unbound` when the new settings would sign in with a stored secret
/// (one not typed again) somewhere other than where it was saved for.
fn refuse_moved_secret(
    stored: &StoredSettings,
    new: &EmailSettings,
    target: &Binding,
    replace_password: bool,
    token_typed: bool,
) -> Result<(), Problem> {
    if new.smtp.host.trim().is_empty() {
        return Ok(());
    }
    let kept = match Which::for_auth(new.smtp.authentication) {
        Some(Which::Password) if !replace_password => Which::Password,
        Some(Which::Token) if !token_typed => Which::Token,
        _ => return Ok(()),
    };
    match bound_to(stored, kept) {
        Some(saved_for) if saved_for != *target => Err(unbound(kept, &saved_for, target)),
        _ => Ok(()),
    }
}

/// The view of stored settings: secrets flagged, never returned.
pub fn view(s: &StoredSettings) -> SettingsView {
    let mut smtp = without_secrets(&s.settings).smtp;
    smtp.password_stored = s.password.is_some();
    SettingsView {
        delivery: s.settings.delivery,
        profile_email: s.settings.profile_email.clone(),
        smtp,
        password_set: s.password.is_some(),
        smtp_token_set: s.token.is_some(),
        ses: s.settings.ses.clone(),
        version: s.version,
        updated_at: s.updated_at,
        updated_by: s.updated_by.clone(),
        smtp_tested_at: s.tested_at.filter(|_| s.tested.is_some()),
    }
}

/// The SMTP settings with every secret and per-request flag left out, as JSON: what a
/// passing test is remembered by. Debug is left out too: turning the transcript on or off
/// changes nothing in the connection, and must not need a new test.
fn smtp_fingerprint(s: &EmailSettings) -> String {
    let mut smtp = without_secrets(s).smtp;
    smtp.debug = false;
    serde_json::to_string(&smtp).unwrap_or_default()
}

/// The paths of the fields that differ (`delivery`, `smtp.host`, `ses.fromAddress`).
fn changed_fields(old: &EmailSettings, new: &EmailSettings) -> BTreeSet<String> {
    fn walk(
        prefix: &str,
        a: &serde_json::Value,
        b: &serde_json::Value,
        out: &mut BTreeSet<String>,
    ) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                for k in x.keys().chain(y.keys()) {
                    let null = serde_json::Value::Null;
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(
                        &path,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => {
                out.insert(prefix.to_owned());
            }
            _ => {}
        }
    }
    let strip = |s: &EmailSettings| serde_json::to_value(without_secrets(s)).unwrap_or_default();
    let mut out = BTreeSet::new();
    walk("", &strip(old), &strip(new), &mut out);
    out
}

impl Settings {
    /// The stored secrets, opened only for the server each was saved for.
    fn secrets(&self) -> Secrets {
        Secrets {
            store: self.store.clone(),
            sealer: self.sealer.clone(),
        }
    }

    /// The tenant's settings.
    pub async fn get(&self, tenant: &str) -> Result<SettingsView, Problem> {
        Ok(view(&self.store.load(tenant).await?))
    }

    /// The latest SMTP debug transcripts, newest first.
    pub async fn transcripts(&self, tenant: &str) -> Result<Vec<SmtpTranscript>, Problem> {
        Ok(self.store.transcripts(tenant, TRANSCRIPTS_SHOWN).await?)
    }

    /// Keeps a debug transcript; a failure to keep it is logged, never the write's.
    async fn keep(&self, tenant: &str, t: &SmtpTranscript) {
        if let Err(e) = self.store.keep_transcript(tenant, t).await {
            tracing::warn!(tenant = %tenant, error = %e, "the SMTP debug transcript could not be kept");
        }
    }

    /// The latest changes, newest first.
    pub async fn history(&self, tenant: &str) -> Result<Vec<SettingsChange>, Problem> {
        Ok(self.store.history(tenant, HISTORY_SHOWN).await?)
    }

    /// Saves a write after the core's rules, under the version it read; with `test`, only
    /// when the connection check of the settings being saved passes.
    pub async fn put(&self, tenant: &str, w: Write<'_>) -> Result<Written, Problem> {
        let stored = self.store.load(tenant).await?;
        if stored.version != w.if_match {
            return Err(self.stale(tenant, w.if_match, stored.version).await);
        }
        let mut new = w.settings;
        // The secrets as they will be after this write: FusionAuth's "Change password".
        let typed = new.smtp.password.clone().filter(|p| !p.is_empty());
        let typed_token = new.smtp_token.clone().filter(|t| !t.is_empty());
        new.smtp.password_stored = stored.password.is_some();
        // Where these settings sign in: a stored secret they would use must have been
        // saved for exactly there, or be typed again.
        let target = settings_binding(&new.smtp);
        let moved = |which| bound_to(&stored, which).filter(|b| *b != target);
        // A password typed for another server replaces the stored one, "Change password"
        // or not: the stored one cannot go there.
        let replace_password = typed.is_some()
            && (stored.password.is_none()
                || new.smtp.change_password != Some(false)
                || moved(Which::Password).is_some());
        self.check(tenant, &new, stored.password.is_some() || typed.is_some())
            .await?;
        refuse_moved_secret(
            &stored,
            &new,
            &target,
            replace_password,
            typed_token.is_some(),
        )?;

        let fingerprint = smtp_fingerprint(&new);
        let secrets_changed = replace_password || typed_token.is_some();
        let mut tested = stored
            .tested
            .clone()
            .filter(|t| *t == fingerprint && !secrets_changed);
        let mut tested_at = stored.tested_at.filter(|_| tested.is_some());
        let mut outcome = None;
        if w.test {
            let typed_password = typed.as_ref().filter(|_| replace_password);
            let secrets = self.secrets();
            let password = secrets
                .typed_or_saved(tenant, &stored, Which::Password, typed_password, &target)
                .await?;
            let token = secrets
                .typed_or_saved(tenant, &stored, Which::Token, typed_token.as_ref(), &target)
                .await?;
            let mut settings = new.smtp.clone();
            settings.password = password;
            settings.change_password = Some(true);
            settings.password_stored = false;
            let (out, transcript) = self
                .smtp
                .check_debug(
                    tenant,
                    SmtpRequest {
                        settings,
                        access_token: token,
                        to: None,
                    },
                    TranscriptSource::TestAndSave,
                )
                .await?;
            if let Some(t) = transcript {
                self.keep(tenant, &t).await;
            }
            if !out.ok {
                return Ok(Written::Tested(TestedSettings {
                    saved: false,
                    test: out,
                    settings: view(&stored),
                }));
            }
            tested = Some(fingerprint);
            tested_at = Some(now_secs());
            outcome = Some(out);
        }
        if new.delivery == DeliveryRoute::ExternalSmtp && tested.is_none() {
            return Err(Problem::field(
                "delivery",
                Code::SettingsSmtpUntested,
                "Delivering through your SMTP server needs a passing connection test of these settings: use \"Test connection and save\".",
            ));
        }

        let mut fields = changed_fields(&stored.settings, &new);
        if replace_password {
            fields.insert(PASSWORD_FIELD.to_owned());
        }
        if typed_token.is_some() {
            fields.insert(TOKEN_FIELD.to_owned());
        }
        let tested_changed = tested != stored.tested;
        if fields.is_empty() && !tested_changed {
            // Nothing to save: the same settings again are not a new version.
            let settings = view(&stored);
            return Ok(match outcome {
                Some(test) => Written::Tested(TestedSettings {
                    saved: true,
                    test,
                    settings,
                }),
                None => Written::Saved(settings),
            });
        }
        let secrets = self.secrets();
        let (password, password_for) = match typed.filter(|_| replace_password) {
            Some(p) => {
                secrets
                    .seal_for(tenant, Which::Password, &target, &p)
                    .await?
            }
            None => (stored.password.clone(), stored.password_for.clone()),
        };
        let (token, token_for) = match typed_token {
            Some(t) => secrets.seal_for(tenant, Which::Token, &target, &t).await?,
            None => (stored.token.clone(), stored.token_for.clone()),
        };
        new.smtp.password = None;
        new.smtp.change_password = None;
        new.smtp.password_stored = false;
        new.smtp_token = None;
        let now = now_secs();
        let next = StoredSettings {
            settings: new,
            password,
            password_for,
            token,
            token_for,
            version: stored.version + 1,
            updated_at: Some(now),
            updated_by: Some(w.by.to_owned()),
            tested,
            tested_at,
        };
        let change = SettingsChange {
            version: next.version,
            at: now,
            by: w.by.to_owned(),
            fields: if fields.is_empty() {
                vec!["smtp.tested".to_owned()]
            } else {
                fields.into_iter().collect()
            },
        };
        match self
            .store
            .save(tenant, stored.version, &next, &change)
            .await
        {
            Ok(()) => {}
            Err(SaveError::Stale { current }) => {
                return Err(self.stale(tenant, w.if_match, current).await);
            }
            Err(SaveError::Aws(e)) => return Err(e.into()),
        }
        tracing::info!(tenant = %tenant, version = next.version, by = %w.by, fields = ?change.fields, "settings saved");
        let settings = view(&next);
        Ok(match outcome {
            Some(test) => Written::Tested(TestedSettings {
                saved: true,
                test,
                settings,
            }),
            None => Written::Saved(settings),
        })
    }

    /// The core's rules on a write, as the browser runs them, then whether a verified
    /// identity authorizes the SES From (400 with every issue).
    async fn check(
        &self,
        tenant: &str,
        s: &EmailSettings,
        password_known: bool,
    ) -> Result<(), Problem> {
        let report = check_email_settings(s, password_known);
        let mut issues = Issues::new();
        for i in &report.issues {
            issues.push(&i.field, i.code, i.severity, i.message.clone());
        }
        let from_ok = !report
            .issues
            .iter()
            .any(|i| i.field == "ses.fromAddress" && i.severity == Severity::Error);
        if from_ok && (s.delivery == DeliveryRoute::Ses || !s.ses.from_address.is_empty()) {
            let rec = record_of(self.registry.as_ref(), tenant).await?;
            let report = sender_decision(self.ses.as_ref(), &rec, &s.ses.from_address).await?;
            for i in report.issues {
                issues.push("ses.fromAddress", i.code, i.severity, i.message);
            }
        }
        if issues.has_errors() {
            return Err(Problem::invalid(issues.into_vec()));
        }
        Ok(())
    }

    /// 412 for a write under a version that is no longer the stored one: who changed
    /// what since.
    async fn stale(&self, tenant: &str, read: u64, current: u64) -> Problem {
        let since: Vec<SettingsChange> = self
            .store
            .history(tenant, HISTORY_SHOWN)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.version > read)
            .collect();
        let fields: BTreeSet<&str> = since
            .iter()
            .flat_map(|c| c.fields.iter().map(String::as_str))
            .collect();
        let who: BTreeSet<&str> = since.iter().map(|c| c.by.as_str()).collect();
        let what = if fields.is_empty() {
            String::new()
        } else {
            format!(
                " ({} changed by {})",
                fields.into_iter().collect::<Vec<_>>().join(", "),
                who.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        Problem::new(
            StatusCode::PRECONDITION_FAILED,
            Code::SettingsStale,
            format!(
                "These settings were saved as version {current} since you read version {read}{what}. Reload them, make your change again, and save with If-Match: \"{current}\"."
            ),
        )
    }
}
