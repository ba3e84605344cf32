//! How a client reaches an SMTP server: the connection's security and the way it signs
//! in. A leaf module: the settings form (`smtp`) and the provider presets
//! (`provider`) both use these types, and neither imports the other for them.

use serde::{Deserialize, Serialize};

/// How the connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// No encryption (FusionAuth "None").
    #[default]
    None,
    /// Implicit TLS from the first byte (FusionAuth "SSL"), usually port 465.
    #[serde(alias = "ssl")]
    Tls,
    /// Plaintext, upgraded with STARTTLS (FusionAuth "TLS"), usually port 587.
    Starttls,
}

impl Security {
    /// Maps FusionAuth's labels: `None`, `SSL` (implicit TLS), `TLS` (STARTTLS).
    pub fn from_fusionauth(label: &str) -> Option<Security> {
        match label.to_ascii_uppercase().as_str() {
            "NONE" => Some(Security::None),
            "SSL" => Some(Security::Tls),
            "TLS" => Some(Security::Starttls),
            _ => None,
        }
    }

    /// A label for messages.
    pub const fn label(self) -> &'static str {
        match self {
            Security::None => "None",
            Security::Tls => "SSL/TLS (implicit)",
            Security::Starttls => "STARTTLS",
        }
    }
}

/// How the client authenticates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// No authentication (FusionAuth with an empty username; an open relay on port 25).
    None,
    /// Username and password (AUTH PLAIN / LOGIN).
    #[default]
    Password,
    /// OAuth 2.0 (XOAUTH2) through a configured provider (Zuora).
    Oauth2,
}
