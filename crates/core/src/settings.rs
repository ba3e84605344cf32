//! A tenant's email settings as a whole (issue 14): the rules `PUT /v1/settings` runs on
//! every write and the browser runs first (`checkEmailSettings`), so both say the same.
//! Whether a verified identity authorizes the SES From needs the tenant's identities and
//! is the caller's ([`crate::identity::check_sender`]).

use crate::address::{AddressOptions, check_address_into, check_display_name};
use crate::api::{DeliveryRoute, EmailSettings};
use crate::smtp::{AuthMethod, check_smtp_settings};
use crate::{Code, Issues, Report};

/// Checks the settings of a write. `password_known`: a password is stored for the SMTP
/// server, so one need not be typed (FusionAuth keeps it unless "Change password").
///
/// - `profileEmail`: empty (the platform's own default) or an address (Zuora: the default
///   server sends from the tenant profile's email address);
/// - `smtp.*`: the External SMTP rules, when that server is the route or has a host;
/// - `ses.*`: when SES is the route or a From is given, a From address (SES sends only
///   from a verified identity's address) and a From name a header can carry.
pub fn check_email_settings(s: &EmailSettings, password_known: bool) -> Report<()> {
    let mut issues = Issues::new();
    if !s.profile_email.is_empty() {
        check_address_into(
            &s.profile_email,
            "profileEmail",
            AddressOptions::default(),
            &mut issues,
        );
    }
    if s.delivery == DeliveryRoute::ExternalSmtp || !s.smtp.host.is_empty() {
        let mut smtp = s.smtp.clone();
        if smtp.authentication == AuthMethod::Password
            && password_known
            && smtp.password.as_deref().is_none_or(str::is_empty)
        {
            smtp.password_stored = true;
            smtp.change_password = Some(false);
        }
        for i in check_smtp_settings(&smtp).issues {
            issues.push(&format!("smtp.{}", i.field), i.code, i.severity, i.message);
        }
    }
    if s.delivery == DeliveryRoute::Ses || !s.ses.from_address.is_empty() {
        if s.ses.from_address.trim().is_empty() {
            issues.error(
                "ses.fromAddress",
                Code::SettingsSesFromMissing,
                "Enter the From address SES sends from: an address of one of your verified identities.",
            );
        } else {
            check_address_into(
                &s.ses.from_address,
                "ses.fromAddress",
                AddressOptions::default(),
                &mut issues,
            );
        }
        check_display_name(&s.ses.from_name, "ses.fromName", &mut issues);
    }
    let valid = !issues.has_errors();
    Report::new(valid.then_some(()), issues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::SesSender;

    fn codes(s: &EmailSettings) -> Vec<(String, &'static str)> {
        check_email_settings(s, false)
            .issues
            .iter()
            .map(|i| (i.field.clone(), i.code.as_str()))
            .collect()
    }

    #[test]
    fn each_route_checks_the_fields_it_sends_with() {
        let ses = |from: &str, name: &str| EmailSettings {
            delivery: DeliveryRoute::Ses,
            ses: SesSender {
                from_address: from.to_owned(),
                from_name: name.to_owned(),
            },
            ..EmailSettings::default()
        };
        let cases: Vec<(EmailSettings, Vec<(&str, &str)>)> = vec![
            (EmailSettings::default(), vec![]),
            (
                EmailSettings {
                    profile_email: "billing@".to_owned(),
                    ..EmailSettings::default()
                },
                vec![("profileEmail", "domain-empty")],
            ),
            (
                ses("", ""),
                vec![("ses.fromAddress", "settings-ses-from-missing")],
            ),
            (ses("billing@acme.example.com", "Acme Billing"), vec![]),
            (
                ses("billing@acme.example.com", "Acme\u{202E}gnilliB"),
                vec![("ses.fromName", "text-bidi-control")],
            ),
            (
                EmailSettings {
                    delivery: DeliveryRoute::ExternalSmtp,
                    ..EmailSettings::default()
                },
                vec![("smtp.host", "host-empty")],
            ),
        ];
        for (s, want) in cases {
            let got = codes(&s);
            for (field, code) in &want {
                assert!(
                    got.iter().any(|(f, c)| f == field && c == code),
                    "{s:?}: want {field} {code}, got {got:?}"
                );
            }
            if want.is_empty() {
                assert!(check_email_settings(&s, false).valid, "{s:?}: {got:?}");
            }
        }
    }

    #[test]
    fn a_stored_password_counts_as_given() {
        let s = EmailSettings {
            delivery: DeliveryRoute::ExternalSmtp,
            smtp: crate::smtp::SmtpSettings {
                host: "smtp.example.com".to_owned(),
                port: Some(587),
                username: "ann".to_owned(),
                from_address: "ann@example.com".to_owned(),
                ..Default::default()
            },
            ..EmailSettings::default()
        };
        assert!(
            codes(&s)
                .iter()
                .any(|(f, c)| f == "smtp.password" && *c == "smtp-password-missing")
        );
        assert!(check_email_settings(&s, true).valid);
    }
}
