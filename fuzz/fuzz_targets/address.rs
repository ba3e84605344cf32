//! Addresses and mailboxes. Oracle: a normalized address re-checks to itself, and no
//! accepted address holds a character a reader cannot see (text.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::address::{AddressOptions, check_address, parse_mailbox};
use sendready_core::text::{TextKind, find_unsafe};

fuzz_target!(|s: &str| {
    let all = AddressOptions {
        allow_quoted_local: true,
        allow_domain_literal: true,
        allow_smtputf8: true,
        allow_dotless: true,
        allow_special_use: true,
    };
    for opts in [AddressOptions::default(), all] {
        let r = check_address(s, opts);
        assert_eq!(r.valid, r.value.is_some(), "{s:?}");
        if let Some(a) = r.value {
            assert_eq!(find_unsafe(&a.address, TextKind::Address), None, "{s:?}");
            let again = check_address(&a.address, opts);
            assert_eq!(
                again.value.as_ref(),
                Some(&a),
                "{s:?} -> {:?}: {:?}",
                a.address,
                again.issues
            );
        }
    }
    let m = parse_mailbox(s, AddressOptions::default());
    if let Some(m) = m.value {
        let again = parse_mailbox(&m.formatted, AddressOptions::default());
        assert_eq!(
            again.value.map(|x| x.address),
            Some(m.address),
            "{s:?} -> {:?}",
            m.formatted
        );
    }
});
