use super::*;

fn tenant() -> Tenant {
    Tenant {
        active_user_emails: vec!["employee@yourcompany.com".into()],
        identities: vec![],
    }
}

fn ident(id: &str, verified: bool) -> ExistingIdentity {
    ExistingIdentity {
        identity: id.into(),
        kind: None,
        verified,
    }
}

#[test]
fn seed_examples_of_valid_identities() {
    let t = tenant();
    for (input, kind) in [
        ("yourcompany.com", IdentityKind::Domain),
        ("en.yourcompany.com", IdentityKind::Domain),
        ("contact@yourcompany.com", IdentityKind::Email),
        ("employee@yourcompany.com", IdentityKind::Email),
        ("noreply@en.yourcompany.com", IdentityKind::Email),
    ] {
        let r = check_new_identity(&t, input, None);
        assert!(r.valid, "{input}: {:?}", r.issues);
        let v = r.value.unwrap();
        assert_eq!(v.kind, kind);
        assert_eq!(v.allowed_by, "yourcompany.com");
    }
}

#[test]
fn identities_outside_active_user_domains_are_refused() {
    let t = tenant();
    for input in [
        "othercompany.com",
        "notyourcompany.com",
        "contact@othercompany.com",
        "com",
    ] {
        let r = check_new_identity(&t, input, None);
        assert!(!r.valid, "{input}");
    }
    assert!(check_new_identity(&t, "notyourcompany.com", None).has(Code::IdentityNotActiveDomain));
    assert!(
        check_new_identity(&Tenant::default(), "yourcompany.com", None)
            .has(Code::IdentityNotActiveDomain)
    );
    assert!(check_new_identity(&t, "", None).has(Code::IdentityEmpty));
    assert!(
        check_new_identity(&t, "a@yourcompany.com", Some(IdentityKind::Domain))
            .has(Code::DomainInvalidChar)
    );
}

#[test]
fn limits_one_domain_three_emails_and_no_shared_domain() {
    let mut t = tenant();
    t.identities.push(ident("yourcompany.com", false));
    assert!(check_new_identity(&t, "en.yourcompany.com", None).has(Code::IdentityDomainLimit));
    assert!(check_new_identity(&t, "yourcompany.com", None).has(Code::IdentityDuplicate));
    assert!(check_new_identity(&t, "contact@yourcompany.com", None).has(Code::IdentityOverlap));
    let covered = check_new_identity(&t, "noreply@en.yourcompany.com", None);
    assert!(covered.valid && covered.has(Code::IdentityCovered));

    let mut t = tenant();
    t.active_user_emails.push("boss@othercompany.com".into());
    for e in [
        "a@othercompany.com",
        "b@othercompany.com",
        "c@othercompany.com",
    ] {
        t.identities.push(ident(e, true));
    }
    assert!(check_new_identity(&t, "d@othercompany.com", None).has(Code::IdentityEmailLimit));
    assert!(check_new_identity(&t, "othercompany.com", None).has(Code::IdentityOverlap));
    assert!(check_new_identity(&t, "yourcompany.com", None).valid);
}

#[test]
fn sender_authorization_follows_the_seed() {
    let mut t = tenant();
    t.identities.push(ident("contact@yourcompany.com", true));
    assert!(
        check_sender(&t, "contact@yourcompany.com")
            .value
            .unwrap()
            .allowed
    );
    assert!(
        check_sender(&t, "Contact@YourCompany.com")
            .value
            .unwrap()
            .allowed
    );
    let r = check_sender(&t, "employee@yourcompany.com");
    assert!(r.has(Code::SenderNotAuthorized));
    assert!(!r.value.unwrap().allowed);

    let mut t = tenant();
    t.identities.push(ident("yourcompany.com", true));
    for from in [
        "contact@yourcompany.com",
        "employee@yourcompany.com",
        "noreply@en.yourcompany.com",
    ] {
        assert!(check_sender(&t, from).value.unwrap().allowed, "{from}");
    }
    assert!(
        !check_sender(&t, "x@notyourcompany.com")
            .value
            .unwrap()
            .allowed
    );

    let mut t = tenant();
    t.identities.push(ident("yourcompany.com", false));
    assert!(check_sender(&t, "a@yourcompany.com").has(Code::SenderNotVerified));
    assert!(!check_sender(&t, "not an address").valid);
}

#[test]
fn production_and_api_sandbox_share_verification() {
    use Environment::*;
    assert_eq!(dkim_records_needed(&[Production, ApiSandbox]), 3);
    assert_eq!(dkim_records_needed(&[DeveloperSandbox, CentralSandbox]), 3);
    assert_eq!(
        dkim_records_needed(&[ApiSandbox, DeveloperSandbox, CentralSandbox, Production]),
        6
    );
    assert_eq!(dkim_records_needed(&[]), 0);
}

#[test]
fn subdomain_matching_is_label_wise() {
    assert!(is_same_or_subdomain(
        "en.yourcompany.com",
        "yourcompany.com"
    ));
    assert!(is_same_or_subdomain("YourCompany.com.", "yourcompany.com"));
    assert!(!is_same_or_subdomain(
        "notyourcompany.com",
        "yourcompany.com"
    ));
    assert!(!is_same_or_subdomain("yourcompany.com", ""));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_input_panics(users in proptest::collection::vec("(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,30}", 0..4), ids in proptest::collection::vec(("(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,30}", any::<bool>()), 0..5), input in "(?:\\PC|[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{2028}\\u{2029}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}]){0,40}") {
            let t = Tenant {
                active_user_emails: users,
                identities: ids.into_iter().map(|(identity, verified)| ExistingIdentity { identity, kind: None, verified }).collect(),
            };
            let _ = check_new_identity(&t, &input, None);
            let _ = check_new_identity(&t, &input, Some(IdentityKind::Domain));
            let _ = check_sender(&t, &input);
        }

        #[test]
        fn an_accepted_identity_is_accepted_again_in_normal_form(sub in "[a-z]{1,8}", local in "[a-z]{1,8}", email in any::<bool>()) {
            let t = tenant();
            let input = if email { format!("{local}@{sub}.YourCompany.com") } else { format!("{sub}.YourCompany.com") };
            let first = check_new_identity(&t, &input, None).value.unwrap();
            let again = check_new_identity(&t, &first.identity, None).value.unwrap();
            prop_assert_eq!(again.identity, first.identity);
        }
    }
}
