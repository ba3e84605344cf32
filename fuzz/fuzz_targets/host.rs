//! Host names, mail domains and DNS record names. Oracle: the ASCII normal form re-checks
//! to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sendready_core::host::{HostOptions, check_dns_name, check_domain, check_host};
use sendready_core::text::{TextKind, find_unsafe};

fuzz_target!(|s: &str| {
    for opts in [
        HostOptions::default(),
        HostOptions {
            allow_private: true,
            allow_dotless: true,
        },
    ] {
        let r = check_host(s, opts);
        if let (true, Some(h)) = (r.valid, r.value) {
            let again = check_host(&h.ascii, opts);
            assert_eq!(
                again.value.map(|x| x.ascii),
                Some(h.ascii.clone()),
                "{s:?} -> {:?}",
                h.ascii
            );
        }
    }
    for check in [check_domain, check_dns_name] {
        let r = check(s);
        assert_eq!(r.valid, r.value.is_some(), "{s:?}");
        if let Some(d) = r.value {
            assert_eq!(find_unsafe(&d.unicode, TextKind::Domain), None, "{s:?}");
            let again = check(&d.ascii);
            assert_eq!(
                again.value.as_ref(),
                Some(&d),
                "{s:?} -> {:?}: {:?}",
                d.ascii,
                again.issues
            );
        }
    }
});
