//! isemail (Dominic Sayers) conformance: `../shared/corpora/isemail/tests.xml`.
//!
//! Mapping (the corpus SOURCE.txt's, as python-email-validator uses it):
//! - `ISEMAIL_VALID_CATEGORY` and `ISEMAIL_DNSWARN` are accepted (Sendready does no DNS
//!   lookup in its syntax check).
//! - `ISEMAIL_RFC5321_QUOTEDSTRING` is accepted only with `allow_quoted_local`,
//!   `ISEMAIL_RFC5321_ADDRESSLITERAL` only with `allow_domain_literal`, and
//!   `ISEMAIL_RFC5321_TLD` (a dotless domain) only with `allow_dotless`; each is
//!   checked both with its option off (rejected) and on (accepted).
//! - Everything else (`*_ERR_*`, `*_TOOLONG`, `CFWS_*`, `DEPREC_*`, `RFC5322_*`,
//!   `RFC5321_TLDNUMERIC`) is rejected, with every option on as well as off.
//! - One documented exception: #5 `test@io` is `ISEMAIL_VALID` only because isemail's
//!   DNS lookup found an MX record on the top-level domain `io`. A syntax check cannot
//!   know that, so a VALID or DNSWARN address whose domain has no dot is checked like
//!   `ISEMAIL_RFC5321_TLD`: rejected by default, accepted with `allow_dotless`.
#![allow(clippy::unwrap_used, missing_docs)]

mod corpus;

use sendready_core::address::{AddressOptions, check_address};

fn all_on() -> AddressOptions {
    AddressOptions {
        allow_quoted_local: true,
        allow_domain_literal: true,
        allow_smtputf8: true,
        allow_dotless: true,
        allow_special_use: true,
    }
}

#[test]
fn isemail_tests_xml_agrees_100_percent() {
    let cases = corpus::isemail_cases();
    assert_eq!(cases.len(), 164, "tests.xml holds 164 cases");
    let mut failures = Vec::new();
    let mut option_checked = 0;
    let mut tld_by_design = 0;
    for case in &cases {
        let default = check_address(&case.address, AddressOptions::default()).valid;
        let everything = check_address(&case.address, all_on()).valid;
        let option = match case.diagnosis.as_str() {
            "ISEMAIL_RFC5321_QUOTEDSTRING" => Some(AddressOptions {
                allow_quoted_local: true,
                ..AddressOptions::default()
            }),
            "ISEMAIL_RFC5321_ADDRESSLITERAL" => Some(AddressOptions {
                allow_domain_literal: true,
                ..AddressOptions::default()
            }),
            "ISEMAIL_RFC5321_TLD" => Some(AddressOptions {
                allow_dotless: true,
                ..AddressOptions::default()
            }),
            "ISEMAIL_VALID" | "ISEMAIL_DNSWARN_NO_RECORD" | "ISEMAIL_DNSWARN_NO_MX_RECORD"
                if !case
                    .address
                    .rsplit('@')
                    .next()
                    .unwrap_or_default()
                    .contains('.') =>
            {
                Some(AddressOptions {
                    allow_dotless: true,
                    ..AddressOptions::default()
                })
            }
            _ => None,
        };
        let accept = matches!(
            case.category.as_str(),
            "ISEMAIL_VALID_CATEGORY" | "ISEMAIL_DNSWARN"
        );
        // Issue 16: a mail domain's top-level label is letters or an A-label, so
        // `test@iana.co-uk` (syntax the corpus accepts, with a DNS warning) is refused by
        // design with its own code.
        let tld = case.address.rsplit('.').next().unwrap_or_default();
        let tld_refused = accept
            && case
                .address
                .rsplit('@')
                .next()
                .unwrap_or_default()
                .contains('.')
            && !tld.starts_with("xn--")
            && !tld.bytes().all(|b| b.is_ascii_alphabetic())
            && !tld.bytes().all(|b| b.is_ascii_digit());
        let ok = if tld_refused {
            tld_by_design += 1;
            let r = check_address(&case.address, all_on());
            !default
                && r.issues
                    .iter()
                    .any(|i| i.code == sendready_core::Code::DomainTldInvalid)
        } else if let Some(opt) = option {
            option_checked += 1;
            let with = check_address(&case.address, opt).valid;
            !default && with && everything
        } else if accept {
            default && everything
        } else {
            !default && !everything
        };
        if !ok {
            failures.push(format!(
                "#{} {:?} {} ({}) default={default} all={everything}",
                case.id, case.address, case.diagnosis, case.category
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(tld_by_design, 1, "test@iana.co-uk");
    assert_eq!(
        option_checked, 15,
        "6 quoted-string, 7 address-literal and 2 dotless cases checked under their option"
    );
}
