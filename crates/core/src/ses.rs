//! Amazon SES facts in one place: the regions, each region's SMTP host, Easy DKIM signing
//! zone and MAIL FROM feedback host, the SPF include, and the mailbox simulator. Sources:
//! AWS General Reference, "Amazon SES endpoints and quotas"; SES developer guide,
//! "Using a custom MAIL FROM domain" and "Using the mailbox simulator".

use serde::{Deserialize, Serialize};

/// SES regions that offer the SMTP interface (AWS General Reference, "Amazon SES
/// endpoints and quotas").
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// The SES SMTP host of a region: `email-smtp.<region>.amazonaws.com`.
pub fn smtp_host(region: &str) -> String {
    format!("email-smtp.{region}.amazonaws.com")
}

/// True when SES runs in `region`.
pub fn is_region(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// Regions whose Easy DKIM records point at `dkim.<region>.amazonses.com`; every other
/// region uses `dkim.amazonses.com` (AWS General Reference, "Amazon SES endpoints and
/// quotas", DKIM domains). SES also returns the zone as `SigningHostedZone`, which wins.
pub const REGIONAL_DKIM_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-northeast-3",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "il-central-1",
    "me-central-1",
    "us-gov-east-1",
];

/// The Easy DKIM signing hosted zone of an SES region.
pub fn dkim_domain(region: &str) -> String {
    if REGIONAL_DKIM_REGIONS.contains(&region) {
        format!("dkim.{region}.amazonses.com")
    } else {
        "dkim.amazonses.com".to_owned()
    }
}

/// The MX target of a custom MAIL FROM domain in `region`:
/// `feedback-smtp.<region>.amazonses.com`.
pub fn mail_from_mx(region: &str) -> String {
    format!("feedback-smtp.{region}.amazonses.com")
}

/// The domain an SPF record includes to let SES send (`include:amazonses.com`).
pub const SPF_INCLUDE: &str = "amazonses.com";

/// A mailbox-simulator scenario: SES accepts mail to these addresses without harming the
/// account's reputation, and answers as the scenario says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Simulator {
    /// Accepted and delivered.
    Success,
    /// A hard bounce.
    Bounce,
    /// A complaint from the recipient.
    Complaint,
    /// An out-of-office auto-reply.
    Ooto,
    /// The recipient is on SES's suppression list (a bounce).
    Suppressionlist,
}

impl Simulator {
    /// Every scenario.
    pub const ALL: [Simulator; 5] = [
        Simulator::Success,
        Simulator::Bounce,
        Simulator::Complaint,
        Simulator::Ooto,
        Simulator::Suppressionlist,
    ];

    /// The scenario's address at `simulator.amazonses.com`.
    pub const fn address(self) -> &'static str {
        match self {
            Simulator::Success => "success@simulator.amazonses.com",
            Simulator::Bounce => "bounce@simulator.amazonses.com",
            Simulator::Complaint => "complaint@simulator.amazonses.com",
            Simulator::Ooto => "ooto@simulator.amazonses.com",
            Simulator::Suppressionlist => "suppressionlist@simulator.amazonses.com",
        }
    }

    /// The scenario an address is, if it is one (case-insensitive).
    pub fn from_address(address: &str) -> Option<Simulator> {
        Simulator::ALL
            .into_iter()
            .find(|s| s.address().eq_ignore_ascii_case(address.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_dkim_regions_are_ses_regions_and_hosts_follow_the_region() {
        assert!(REGIONAL_DKIM_REGIONS.iter().all(|r| is_region(r)));
        assert_eq!(dkim_domain("eu-west-1"), "dkim.amazonses.com");
        assert_eq!(
            dkim_domain("il-central-1"),
            "dkim.il-central-1.amazonses.com"
        );
        assert_eq!(smtp_host("eu-west-1"), "email-smtp.eu-west-1.amazonaws.com");
        assert_eq!(
            mail_from_mx("eu-west-1"),
            "feedback-smtp.eu-west-1.amazonses.com"
        );
        assert!(!is_region("eu-west-9"));
    }

    #[test]
    fn each_simulator_scenario_has_its_address() {
        for s in Simulator::ALL {
            assert_eq!(Simulator::from_address(s.address()), Some(s));
        }
        assert_eq!(
            Simulator::from_address("Bounce@Simulator.AmazonSES.com"),
            Some(Simulator::Bounce)
        );
        assert_eq!(Simulator::from_address("ops@example.com"), None);
    }
}
