//! Presets and rules for the SMTP providers in the FusionAuth seed ("How To Configure
//! SMTP Providers In FusionAuth"): AWS SES (per region), Brevo, Gmail, Mailchimp
//! (Mandrill), MailerSend, Mailgun, Postmark, Resend and SendGrid.

use crate::report::{Code, Issues};
use crate::transport::{AuthMethod, Security};
use serde::{Deserialize, Serialize};

/// A known SMTP provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum ProviderId {
    /// Amazon Simple Email Service.
    AwsSes,
    /// Brevo (previously Sendinblue).
    Brevo,
    /// Gmail / Google Workspace.
    Gmail,
    /// Mailchimp Transactional (Mandrill).
    Mandrill,
    /// MailerSend.
    Mailersend,
    /// Mailgun (Sinch).
    Mailgun,
    /// Postmark.
    Postmark,
    /// Resend.
    Resend,
    /// SendGrid (Twilio).
    Sendgrid,
}

/// What a provider expects in the Username field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
pub enum UsernameRule {
    /// Exactly this string.
    Fixed(&'static str),
    /// The account's full email address.
    EmailAddress,
    /// Whatever the provider's settings page shows.
    FromSettingsPage,
    /// Anything; it is not checked.
    Anything,
}

/// A provider preset: the values the seed tells a user to type, and what to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    /// Identifier.
    pub id: ProviderId,
    /// Display name.
    pub name: &'static str,
    /// SMTP host (for SES, the `us-east-1` host; see [`crate::ses::smtp_host`]).
    pub host: &'static str,
    /// The recommended port.
    pub port: u16,
    /// Security for the recommended port.
    pub security: Security,
    /// Every port the provider offers, with its security.
    pub ports: &'static [(u16, Security)],
    /// What the username is.
    pub username: UsernameRule,
    /// What the password is.
    pub password_hint: &'static str,
    /// What the default from address must be.
    pub from_hint: &'static str,
    /// What to know: verification, sandbox, activation (from the seed).
    pub notes: &'static [&'static str],
}

const STARTTLS: Security = Security::Starttls;
const TLS: Security = Security::Tls;

/// The seed's note that SES credentials and identities are per region.
const SES_REGION_NOTE: &str = "SMTP credentials and verified identities belong to one region: use the host of the region where you verified your domain.";
/// The seed's note on the SES sandbox (shown as `provider-ses-sandbox`).
const SES_SANDBOX_NOTE: &str = "While the account is in the SES sandbox, you can send only to verified addresses: send the test email to the address you verified.";
/// The seed's note on Brevo's account activation.
const BREVO_ACTIVATION_NOTE: &str = "Brevo may disable new accounts until support activates them (502 5.7.0 \"not yet activated\").";
/// The seed's note that Gmail is not for production (shown as
/// `provider-gmail-not-production`).
const GMAIL_NOT_PRODUCTION_NOTE: &str =
    "Gmail is for small tests, not production: it has low sending limits.";

/// Every preset, in the seed's alphabetical order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: ProviderId::AwsSes,
        name: "Amazon SES",
        host: "email-smtp.us-east-1.amazonaws.com",
        port: 587,
        security: STARTTLS,
        ports: &[
            (25, STARTTLS),
            (587, STARTTLS),
            (2587, STARTTLS),
            (465, TLS),
            (2465, TLS),
        ],
        username: UsernameRule::FromSettingsPage,
        password_hint: "The SMTP password from \"Create SMTP credentials\"; it is not your AWS secret access key.",
        from_hint: "An address at your verified domain, or a verified address.",
        notes: &[SES_REGION_NOTE, SES_SANDBOX_NOTE],
    },
    Preset {
        id: ProviderId::Brevo,
        name: "Brevo",
        host: "smtp-relay.brevo.com",
        port: 587,
        security: STARTTLS,
        ports: &[(587, STARTTLS), (2525, STARTTLS), (465, TLS)],
        username: UsernameRule::FromSettingsPage,
        password_hint: "Your SMTP key from the SMTP & API settings page (not an API key).",
        from_hint: "Any address is allowed once your domain is authenticated.",
        notes: &[BREVO_ACTIVATION_NOTE],
    },
    Preset {
        id: ProviderId::Gmail,
        name: "Gmail",
        host: "smtp.gmail.com",
        port: 587,
        security: STARTTLS,
        ports: &[(587, STARTTLS), (465, TLS), (25, STARTTLS)],
        username: UsernameRule::EmailAddress,
        password_hint: "An app password (16 letters, spaces allowed) from myaccount.google.com/apppasswords; needs two-factor authentication.",
        from_hint: "The address you sign in with; Gmail rewrites any other From to it.",
        notes: &[GMAIL_NOT_PRODUCTION_NOTE],
    },
    Preset {
        id: ProviderId::Mandrill,
        name: "Mailchimp Transactional (Mandrill)",
        host: "smtp.mandrillapp.com",
        port: 587,
        security: STARTTLS,
        ports: &[
            (587, STARTTLS),
            (2525, STARTTLS),
            (25, STARTTLS),
            (465, TLS),
        ],
        username: UsernameRule::Anything,
        password_hint: "A Mandrill API key.",
        from_hint: "An address at your verified sending domain.",
        notes: &[
            "Mailchimp may suspend new accounts; resolve the issue with its support before testing.",
        ],
    },
    Preset {
        id: ProviderId::Mailersend,
        name: "MailerSend",
        host: "smtp.mailersend.net",
        port: 587,
        security: STARTTLS,
        ports: &[(587, STARTTLS), (2525, STARTTLS)],
        username: UsernameRule::FromSettingsPage,
        password_hint: "The password MailerSend generated for the SMTP user.",
        from_hint: "An address at your trial domain (such as fa@trial-xxxx.mlsender.net) or your verified domain.",
        notes: &[],
    },
    Preset {
        id: ProviderId::Mailgun,
        name: "Mailgun",
        host: "smtp.mailgun.org",
        port: 587,
        security: STARTTLS,
        ports: &[
            (587, STARTTLS),
            (2525, STARTTLS),
            (25, STARTTLS),
            (465, TLS),
        ],
        username: UsernameRule::EmailAddress,
        password_hint: "The SMTP password from Reset password on the domain's SMTP credentials tab.",
        from_hint: "Your username (login) address.",
        notes: &[
            "On an unpaid account you must use the sandbox domain and may send only to authorized recipients (421 \"Free accounts are for test purposes only\").",
        ],
    },
    Preset {
        id: ProviderId::Postmark,
        name: "Postmark",
        host: "smtp.postmarkapp.com",
        port: 587,
        security: STARTTLS,
        ports: &[(587, STARTTLS), (2525, STARTTLS), (25, STARTTLS)],
        username: UsernameRule::FromSettingsPage,
        password_hint: "The password from the server's SMTP setup instructions.",
        from_hint: "Any address is allowed.",
        notes: &["Before account approval, Postmark sends only to addresses at your own domain."],
    },
    Preset {
        id: ProviderId::Resend,
        name: "Resend",
        host: "smtp.resend.com",
        port: 587,
        security: STARTTLS,
        ports: &[
            (587, STARTTLS),
            (2587, STARTTLS),
            (25, STARTTLS),
            (465, TLS),
            (2465, TLS),
        ],
        username: UsernameRule::Fixed("resend"),
        password_hint: "A Resend API key with sending access.",
        from_hint: "An address at your verified domain.",
        notes: &["Verify your domain first, or Resend answers 450 \"domain is not verified\"."],
    },
    Preset {
        id: ProviderId::Sendgrid,
        name: "SendGrid",
        host: "smtp.sendgrid.net",
        port: 587,
        security: STARTTLS,
        ports: &[
            (587, STARTTLS),
            (25, STARTTLS),
            (2525, STARTTLS),
            (465, TLS),
        ],
        username: UsernameRule::Fixed("apikey"),
        password_hint: "A SendGrid API key.",
        from_hint: "Your verified sender address.",
        notes: &[
            "SendGrid requires a verified sender (or authenticated domain) for every From address.",
        ],
    },
];

// `PRESETS` holds one preset per `ProviderId`, at the index of its variant, so `preset`
// needs no fallback; a preset out of place or missing fails the build.
const _: () = {
    assert!(PRESETS.len() == ProviderId::Sendgrid as usize + 1);
    let mut i = 0;
    while i < PRESETS.len() {
        assert!(PRESETS[i].id as usize == i);
        i += 1;
    }
};

/// The preset of a provider.
pub fn preset(id: ProviderId) -> &'static Preset {
    &PRESETS[id as usize]
}

/// A provider recognized from a host name, with the SES region when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Detected {
    /// The provider.
    pub id: ProviderId,
    /// The SES region of `email-smtp.<region>.amazonaws.com` (or the FIPS host).
    pub region: Option<String>,
}

/// Recognizes a provider from the (ASCII, lowercase) SMTP host.
pub fn detect(host: &str) -> Option<Detected> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = host
        .strip_prefix("email-smtp.")
        .or_else(|| host.strip_prefix("email-smtp-fips."))
        && let Some(region) = rest.strip_suffix(".amazonaws.com")
    {
        return Some(Detected {
            id: ProviderId::AwsSes,
            region: Some(region.to_owned()),
        });
    }
    let id = match host.as_str() {
        "smtp-relay.brevo.com" | "smtp-relay.sendinblue.com" => ProviderId::Brevo,
        "smtp.gmail.com" | "smtp.googlemail.com" | "smtp-relay.gmail.com" => ProviderId::Gmail,
        "smtp.mandrillapp.com" => ProviderId::Mandrill,
        "smtp.mailersend.net" => ProviderId::Mailersend,
        "smtp.mailgun.org" | "smtp.eu.mailgun.org" => ProviderId::Mailgun,
        "smtp.postmarkapp.com" | "smtp-broadcasts.postmarkapp.com" => ProviderId::Postmark,
        "smtp.resend.com" => ProviderId::Resend,
        "smtp.sendgrid.net" => ProviderId::Sendgrid,
        _ => return None,
    };
    Some(Detected { id, region: None })
}

/// The parts of a settings form that provider rules look at.
#[derive(Clone, Copy, Debug)]
pub struct ProviderInput<'a> {
    /// Port, when valid.
    pub port: Option<u16>,
    /// Security mode.
    pub security: Security,
    /// Authentication.
    pub authentication: AuthMethod,
    /// Trimmed username.
    pub username: &'a str,
    /// The new password, when one is typed.
    pub password: Option<&'a str>,
    /// The from address's normal form, when valid.
    pub from_address: Option<&'a str>,
}

/// A Gmail app password: 16 letters, shown by Google in four groups of four.
fn looks_like_app_password(p: &str) -> bool {
    let letters: String = p.chars().filter(|c| *c != ' ').collect();
    letters.len() == 16 && letters.chars().all(|c| c.is_ascii_alphabetic())
}

/// Applies the rules the seed states for the detected provider.
pub fn check_provider_rules(found: &Detected, input: &ProviderInput<'_>, issues: &mut Issues) {
    let p = preset(found.id);
    if let Some(port) = input.port
        && !p.ports.iter().any(|(n, _)| *n == port)
    {
        let list: Vec<String> = p.ports.iter().map(|(n, _)| n.to_string()).collect();
        issues.warning(
                "port",
                Code::ProviderPortUnsupported,
                format!("{} does not offer SMTP on port {port}; use one of {} (587 with STARTTLS is usual).", p.name, list.join(", ")),
            );
    }
    if input.authentication == AuthMethod::Password {
        match p.username {
            UsernameRule::Fixed(u) if !input.username.is_empty() && input.username != u => {
                issues.error(
                    "username",
                    Code::ProviderUsernameFixed,
                    format!("{} expects the username \"{u}\" (literally), with your API key as the password.", p.name),
                );
            }
            UsernameRule::EmailAddress
                if !input.username.is_empty() && !input.username.contains('@') =>
            {
                issues.warning(
                    "username",
                    Code::ProviderUsernameEmail,
                    format!("{} expects your full email address as the username (for Gmail, including @gmail.com).", p.name),
                );
            }
            _ => {}
        }
    }
    let password = input.password.unwrap_or_default();
    match found.id {
        ProviderId::Gmail => {
            issues.hint(
                "host",
                Code::ProviderGmailNotProduction,
                GMAIL_NOT_PRODUCTION_NOTE,
            );
            if !password.is_empty() && !looks_like_app_password(password) {
                issues.warning(
                    "password",
                    Code::ProviderGmailAppPassword,
                    "This does not look like a Gmail app password (16 letters). Gmail refuses account passwords with 535-5.7.8: create an app password at myaccount.google.com/apppasswords.",
                );
            }
            if let Some(from) = input.from_address
                && input.username.contains('@')
                && !from.eq_ignore_ascii_case(input.username)
            {
                issues.warning(
                        "fromAddress",
                        Code::ProviderGmailFromMismatch,
                        "Gmail replaces a From address that is not your account's own (or a verified alias): use your full Gmail address.",
                    );
            }
        }
        ProviderId::AwsSes => {
            let region = found.region.as_deref().unwrap_or("us-east-1");
            issues.hint(
                "host",
                Code::ProviderSesRegion,
                format!("SES SMTP credentials and verified identities belong to {region}: create the SMTP credentials and verify your domain in that region."),
            );
            issues.hint("host", Code::ProviderSesSandbox, SES_SANDBOX_NOTE);
            // SES SMTP passwords are 44 characters (a version byte and an HMAC, base64);
            // an AWS secret access key is 40.
            if password.len() == 40
                && password
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
            {
                issues.warning(
                    "password",
                    Code::ProviderSesSecretKey,
                    "This looks like an AWS secret access key. SES SMTP needs SMTP credentials: create them under SMTP settings in the SES console.",
                );
            }
        }
        ProviderId::Brevo => {
            if password.starts_with("xkeysib-") {
                issues.error(
                    "password",
                    Code::ProviderBrevoApiKey,
                    "This is a Brevo API key (xkeysib-...); SMTP needs the SMTP key (xsmtpsib-...) from SMTP & API settings.",
                );
            }
            issues.hint("host", Code::ProviderNote, BREVO_ACTIVATION_NOTE);
        }
        _ => {
            for note in p.notes {
                issues.hint("host", Code::ProviderNote, *note);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_provider_is_detected_from_its_preset_host() {
        assert_eq!(PRESETS.len(), 9);
        for p in PRESETS {
            assert_eq!(detect(p.host).map(|d| d.id), Some(p.id), "{}", p.host);
            assert!(
                p.ports.contains(&(p.port, p.security)),
                "{} recommended port is offered",
                p.name
            );
        }
    }

    #[test]
    fn ses_hosts_carry_their_region() {
        let d = detect("email-smtp.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(d.id, ProviderId::AwsSes);
        assert_eq!(d.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            crate::ses::smtp_host("ap-southeast-2"),
            "email-smtp.ap-southeast-2.amazonaws.com"
        );
        for r in crate::ses::REGIONS {
            assert_eq!(
                detect(&crate::ses::smtp_host(r)).unwrap().region.as_deref(),
                Some(*r)
            );
        }
        assert_eq!(detect("smtp.example.com"), None);
    }

    #[test]
    fn gmail_app_passwords_are_recognized_with_spaces() {
        assert!(looks_like_app_password("abcd efgh ijkl mnop"));
        assert!(looks_like_app_password("abcdefghijklmnop"));
        assert!(!looks_like_app_password("hunter2"));
    }
}
