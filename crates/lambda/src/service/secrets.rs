//! Stored SMTP secrets bound to where they may go (issue 22). A password or token is
//! sealed for the SMTP server (host, port) and username it was saved with, in the KMS
//! encryption context, and opened only to sign in there: a test, a "Test connection and
//! save" or a send to any other server or username needs it typed again
//! (`settings-secret-unbound`). So a user who may change the host cannot point it at a
//! server of their own and read the saved password off the wire.

use crate::error::Problem;
use crate::ports::settings::{Binding, Sealer, SettingsStore, StoredSettings};
use crate::ports::smtp::Secret;
use sendready_core::Code;
use sendready_core::smtp::{AuthMethod, SmtpConfig};
use std::sync::Arc;

/// The field the SMTP password is sealed under (the KMS encryption context).
pub const PASSWORD_FIELD: &str = "smtp.password";
/// The field the OAuth 2.0 token is sealed under.
pub const TOKEN_FIELD: &str = "smtpToken";

/// Which stored secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The SMTP password.
    Password,
    /// The OAuth 2.0 access token.
    Token,
}

impl Which {
    /// The secret a sign-in with `auth` uses, if any.
    pub fn for_auth(auth: AuthMethod) -> Option<Which> {
        match auth {
            AuthMethod::None => None,
            AuthMethod::Password => Some(Which::Password),
            AuthMethod::Oauth2 => Some(Which::Token),
        }
    }

    /// The field it is sealed under.
    pub fn field(self) -> &'static str {
        match self {
            Which::Password => PASSWORD_FIELD,
            Which::Token => TOKEN_FIELD,
        }
    }

    /// What it is called in a message.
    fn noun(self) -> &'static str {
        match self {
            Which::Password => "password",
            Which::Token => "OAuth 2.0 access token",
        }
    }

    /// The request field it is typed into.
    fn input(self) -> &'static str {
        match self {
            Which::Password => "password",
            Which::Token => "accessToken",
        }
    }
}

/// Where the checked settings sign in: their server, port and username.
pub fn binding(config: &SmtpConfig) -> Binding {
    Binding {
        host: config.host.ascii.to_ascii_lowercase(),
        port: config.port,
        username: config.username.clone(),
    }
}

/// Where settings as typed sign in: their checked server, port and username, or, when they
/// do not pass the core's check, the fields as typed (host lower-cased).
pub fn settings_binding(s: &sendready_core::smtp::SmtpSettings) -> Binding {
    let mut s = s.clone();
    s.allow_private_host = true;
    match sendready_core::smtp::check_smtp_settings(&s).value {
        Some(c) => binding(&c),
        None => Binding {
            host: s.host.trim().trim_end_matches('.').to_ascii_lowercase(),
            port: s.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
            username: s.username.trim().to_owned(),
        },
    }
}

/// Where the stored secret may be used: its binding, or for one sealed before bindings
/// the server it was saved with (the stored settings' own).
pub fn bound_to(stored: &StoredSettings, which: Which) -> Option<Binding> {
    let (sealed, bound) = match which {
        Which::Password => (&stored.password, &stored.password_for),
        Which::Token => (&stored.token, &stored.token_for),
    };
    sealed.as_ref()?;
    Some(
        bound
            .clone()
            .unwrap_or_else(|| settings_binding(&stored.settings.smtp)),
    )
}

/// 400 for a stored secret asked to sign in somewhere it was not saved for.
pub fn unbound(which: Which, saved_for: &Binding, to: &Binding) -> Problem {
    Problem::field(
        which.input(),
        Code::SettingsSecretUnbound,
        format!(
            "The saved {noun} was saved for {saved_for} and is used only there; type the {noun} again to use it with {to}.",
            noun = which.noun()
        ),
    )
}

/// Seals and opens the tenant's stored secrets, each only for its server.
#[derive(Clone)]
pub struct Secrets {
    /// Where the sealed secrets are stored.
    pub store: Arc<dyn SettingsStore>,
    /// KMS.
    pub sealer: Arc<dyn Sealer>,
}

impl Secrets {
    /// The tenant's stored settings.
    pub async fn stored(&self, tenant: &str) -> Result<StoredSettings, Problem> {
        Ok(self.store.load(tenant).await?)
    }

    /// The stored secret `which`, opened to sign in at `to`: `None` when none is stored,
    /// 400 `settings-secret-unbound` when it was saved for another server or username.
    pub async fn open_for(
        &self,
        tenant: &str,
        stored: &StoredSettings,
        which: Which,
        to: &Binding,
    ) -> Result<Option<Secret>, Problem> {
        let Some(saved_for) = bound_to(stored, which) else {
            return Ok(None);
        };
        if saved_for != *to {
            return Err(unbound(which, &saved_for, to));
        }
        let (sealed, bound) = match which {
            Which::Password => (&stored.password, &stored.password_for),
            Which::Token => (&stored.token, &stored.token_for),
        };
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        // The server connected to is the context KMS checks: a ciphertext sealed for
        // another one does not open, whatever this code compared above.
        let plain = self
            .sealer
            .open(tenant, which.field(), bound.as_ref().map(|_| to), sealed)
            .await?;
        Ok(Some(Secret::new(plain)))
    }

    /// The secret a sign-in at `to` uses: the one typed, else the stored one (only when it
    /// was saved for `to`).
    pub async fn typed_or_saved(
        &self,
        tenant: &str,
        stored: &StoredSettings,
        which: Which,
        typed: Option<&String>,
        to: &Binding,
    ) -> Result<Option<String>, Problem> {
        if let Some(t) = typed {
            return Ok(Some(t.clone()));
        }
        Ok(self
            .open_for(tenant, stored, which, to)
            .await?
            .map(|s| s.expose().to_owned()))
    }

    /// Seals `plain` as the secret `which`, usable only at `to`: the ciphertext and its
    /// binding, as stored.
    pub async fn seal_for(
        &self,
        tenant: &str,
        which: Which,
        to: &Binding,
        plain: &str,
    ) -> Result<(Option<Vec<u8>>, Option<Binding>), Problem> {
        let sealed = self.sealer.seal(tenant, which.field(), to, plain).await?;
        Ok((Some(sealed), Some(to.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sendready_core::api::EmailSettings;

    fn stored(host: &str, port: u16, user: &str) -> StoredSettings {
        let mut settings = EmailSettings::default();
        settings.smtp.host = host.to_owned();
        settings.smtp.port = Some(i64::from(port));
        settings.smtp.username = user.to_owned();
        settings.smtp.from_address = "ann@example.com".to_owned();
        StoredSettings {
            settings,
            password: Some(b"sealed".to_vec()),
            ..StoredSettings::default()
        }
    }

    fn at(host: &str, port: u16, user: &str) -> Binding {
        Binding {
            host: host.to_owned(),
            port,
            username: user.to_owned(),
        }
    }

    #[test]
    fn a_secret_sealed_before_bindings_is_bound_to_the_server_saved_with_it() {
        let s = stored("SMTP.Example.com", 587, "ann");
        assert_eq!(
            bound_to(&s, Which::Password),
            Some(at("smtp.example.com", 587, "ann"))
        );
        assert_eq!(bound_to(&s, Which::Token), None, "no token stored");
    }

    #[test]
    fn a_bound_secret_is_bound_where_it_was_sealed_whatever_the_settings_say() {
        let mut s = stored("smtp.example.com", 587, "ann");
        s.password_for = Some(at("mail.example.org", 465, "bob"));
        assert_eq!(
            bound_to(&s, Which::Password),
            Some(at("mail.example.org", 465, "bob"))
        );
    }

    #[test]
    fn the_refusal_names_both_servers_and_the_field_to_type_into() {
        let p = unbound(
            Which::Password,
            &at("smtp.example.com", 587, "ann"),
            &at("evil.example.net", 587, "ann"),
        );
        assert_eq!(p.code, Code::SettingsSecretUnbound);
        assert_eq!(p.issues[0].field, "password");
        assert_eq!(
            p.issues[0].message,
            "The saved password was saved for smtp.example.com:587 as ann and is used only there; type the password again to use it with evil.example.net:587 as ann."
        );
    }
}
