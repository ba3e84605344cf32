//! The package's exports called through the wasm boundary, as JavaScript calls them:
//! arguments are JS values, results are JS objects. Run by `scripts/test` with
//! `wasm-bindgen-test-runner` (in Node).
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use js_sys::{Array, JSON, Object, Reflect};
use sendready_core::address::Address;
use sendready_core::diagnose::Diagnosis;
use sendready_core::dns::DnsRecord;
use sendready_core::smtp::SmtpConfig;
use sendready_core::{Code, Report};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// Reads a result object back into the core's type, the way a JS caller sees it.
fn report<T: DeserializeOwned>(v: &JsValue) -> Report<T> {
    let text = JSON::stringify(v).unwrap().as_string().unwrap();
    sendready_wasm::json::from_str(&text).unwrap()
}

fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn only_issue(r: &Report<()>) -> (&str, Code) {
    assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
    (r.issues[0].field.as_str(), r.issues[0].code)
}

#[wasm_bindgen_test]
fn check_address_normalizes_an_idna_domain() {
    let r: Report<Address> = report(&sendready_wasm::check_address(
        &"Info@Bücher.Example.com".into(),
        &JsValue::UNDEFINED,
    ));
    assert!(r.valid, "{:?}", r.issues);
    let a = r.value.unwrap();
    assert_eq!(a.address, "Info@xn--bcher-kva.example.com");
    assert_eq!(a.unicode_domain, "bücher.example.com");
}

#[wasm_bindgen_test]
fn check_address_reports_a_missing_at() {
    let r: Report<Address> = report(&sendready_wasm::check_address(
        &"billing.example.com".into(),
        &JsValue::UNDEFINED,
    ));
    assert!(!r.valid);
    assert!(r.has(Code::AddressMissingAt));
}

#[wasm_bindgen_test]
fn a_number_where_a_string_belongs_is_a_report_naming_the_argument() {
    let r: Report<()> = report(&sendready_wasm::check_address(
        &JsValue::from_f64(42.0),
        &JsValue::UNDEFINED,
    ));
    assert!(!r.valid);
    assert_eq!(only_issue(&r), ("address", Code::InputInvalid));
    assert!(
        r.issues[0]
            .message
            .contains("must be a string, but number was passed")
    );
}

#[wasm_bindgen_test]
fn a_mistyped_settings_field_is_named_by_its_form_path() {
    let r: Report<()> = report(&sendready_wasm::check_smtp_settings(&obj(
        r#"{"host":"smtp.example.com","port":"587"}"#,
    )));
    assert_eq!(only_issue(&r), ("port", Code::InputInvalid));
    let r: Report<()> = report(&sendready_wasm::check_smtp_settings(&obj(
        r#"{"host":"smtp.example.com","zuora":{"socketFactoryPort":true}}"#,
    )));
    assert_eq!(
        only_issue(&r),
        ("zuora.socketFactoryPort", Code::InputInvalid)
    );
}

#[wasm_bindgen_test]
fn values_json_cannot_hold_are_reports_not_exceptions() {
    // A cycle makes JSON.stringify throw; the export still returns a report.
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let r: Report<()> = report(&sendready_wasm::check_smtp_settings(&cyclic));
    assert_eq!(only_issue(&r), ("settings", Code::InputInvalid));
    // undefined is not an object.
    let r: Report<()> = report(&sendready_wasm::check_smtp_settings(&JsValue::UNDEFINED));
    assert_eq!(only_issue(&r), ("settings", Code::InputInvalid));
}

#[wasm_bindgen_test]
fn check_smtp_settings_catches_implicit_tls_on_the_starttls_port() {
    let r: Report<SmtpConfig> = report(&sendready_wasm::check_smtp_settings(&obj(
        r#"{"host":"smtp.gmail.com","port":587,"security":"tls","username":"ops@gmail.com","password":"abcdefghijklmnop","fromAddress":"ops@gmail.com"}"#,
    )));
    assert!(
        r.issues
            .iter()
            .any(|i| i.field == "security" || i.field == "port"),
        "{:?}",
        r.issues
    );
}

#[wasm_bindgen_test]
fn check_smtp_field_keeps_only_that_fields_issues() {
    let settings = obj(r#"{"host":"http://smtp.example.com","port":0,"fromAddress":"x"}"#);
    let r: Report<()> = report(&sendready_wasm::check_smtp_field(&settings, &"host".into()));
    assert!(!r.issues.is_empty());
    assert!(r.issues.iter().all(|i| i.field == "host"), "{:?}", r.issues);
}

#[wasm_bindgen_test]
fn easy_dkim_records_use_the_signing_hosted_zone() {
    let tokens: JsValue = Array::of3(&"tok1".into(), &"tok2".into(), &"tok3".into()).into();
    let r: Report<Vec<DnsRecord>> = report(&sendready_wasm::easy_dkim_records(
        &"example.com".into(),
        &tokens,
        &"dkim.amazonses.com".into(),
        &JsValue::UNDEFINED,
    ));
    assert!(r.valid, "{:?}", r.issues);
    let recs = r.value.unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0].name, "tok1._domainkey.example.com");
    assert_eq!(recs[0].value, "tok1.dkim.amazonses.com");
}

#[wasm_bindgen_test]
fn diagnose_explains_gmails_refused_password() {
    let r: Report<Diagnosis> = report(&sendready_wasm::diagnose(&obj(
        r#"{"kind":"reply","code":535,"text":"5.7.8 Username and Password not accepted"}"#,
    )));
    assert!(r.valid);
    let d = r.value.unwrap();
    assert_eq!(d.code, Code::SmtpGmailAppPassword);
    assert!(d.action.contains("app password"), "{}", d.action);
}

#[wasm_bindgen_test]
fn explain_an_unknown_code_is_an_input_issue() {
    let r: Report<()> = report(&sendready_wasm::explain(&"no-such-code".into()));
    assert_eq!(only_issue(&r), ("code", Code::InputInvalid));
}

#[wasm_bindgen_test]
fn providers_and_detection_cross_the_boundary() {
    let list = Array::from(&sendready_wasm::providers());
    assert_eq!(list.length(), 9);
    let d = sendready_wasm::detect_provider(&"email-smtp.eu-west-1.amazonaws.com".into());
    let region = Reflect::get(&d, &"region".into()).unwrap();
    assert_eq!(region.as_string().as_deref(), Some("eu-west-1"));
    assert!(sendready_wasm::detect_provider(&JsValue::from_f64(1.0)).is_null());
}
