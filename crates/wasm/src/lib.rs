//! `sendready-wasm`: the core's rules for JavaScript, published as the npm package
//! `sendready` (built by `scripts/build-wasm`).
//!
//! This crate only converts (DESIGN.md, "Conventions"). Every export takes plain JS values
//! and returns plain JS objects in camelCase whose TypeScript types are generated from the
//! core's Rust types (the core's `tsify` feature). Nothing here throws: a wrong argument
//! (a number where a string belongs, an object with a mistyped field) comes back as a
//! report with one `input-invalid` issue whose `field` names the bad value.
//!
//! One serializer carries every value across: JSON text, through the engine's own
//! `JSON.stringify`/`JSON.parse` on the JS side and [`json`] on this side.

pub mod json;

use js_sys::JSON;
use sendready_core::address::{self, AddressOptions};
use sendready_core::dns::{self, dkim, dmarc, spf};
use sendready_core::host::{self, HostOptions};
use sendready_core::identity::{self, Environment, IdentityKind, Tenant};
use sendready_core::smtp::{self, SmtpSettings};
use sendready_core::{Code, CodeInfo, Issue, Issues, Report, Severity, diagnose, provider};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// An argument that could not be read becomes this issue, and the call's report.
type Arg<T> = Result<T, Issue>;

fn bad(field: &str, message: String) -> Issue {
    Issue {
        field: field.to_owned(),
        code: Code::InputInvalid,
        severity: Severity::Error,
        message,
    }
}

fn js_type(v: &JsValue) -> String {
    if v.is_null() {
        "null".to_owned()
    } else if js_sys::Array::is_array(v) {
        "an array".to_owned()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// A required string argument.
fn string(v: &JsValue, name: &str) -> Arg<String> {
    v.as_string().ok_or_else(|| {
        bad(
            name,
            format!("`{name}` must be a string, but {} was passed.", js_type(v)),
        )
    })
}

/// An optional string argument: `undefined` and `null` mean absent.
fn opt_string(v: &JsValue, name: &str) -> Arg<Option<String>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        string(v, name).map(Some)
    }
}

/// An object argument, read through JSON. When `fields_are_form_fields`, an issue about
/// a nested value names it by its path alone (`port`, `identities[1].verified`), the way
/// the core names form fields; otherwise the argument's name comes first.
fn object<T: DeserializeOwned>(v: &JsValue, name: &str, fields_are_form_fields: bool) -> Arg<T> {
    let text = match JSON::stringify(v) {
        Ok(s) => s.as_string(),
        Err(_) => None,
    };
    let Some(text) = text else {
        return Err(bad(
            name,
            format!(
                "`{name}` must be a plain object that JSON can represent, but {} was passed.",
                js_type(v)
            ),
        ));
    };
    json::from_str(&text).map_err(|e| {
        let path = e.path();
        let field = match (path.as_str(), fields_are_form_fields) {
            ("", _) => name.to_owned(),
            (p, true) => p.to_owned(),
            (p, false) if p.starts_with('[') => format!("{name}{p}"),
            (p, false) => format!("{name}.{p}"),
        };
        bad(
            &field,
            format!(
                "`{field}` cannot be read: {}. Pass the type the TypeScript declaration names.",
                e.message()
            ),
        )
    })
}

/// An optional object argument: `undefined` and `null` mean the default.
fn opt_object<T: DeserializeOwned + Default>(v: &JsValue, name: &str) -> Arg<T> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        object(v, name, false)
    }
}

/// The one way out: a value as a plain JS object.
fn out<T: Serialize>(value: &T) -> JsValue {
    let text = json::to_string(value).unwrap_or_else(|e| {
        failure_report(&format!(
            "Sendready could not write its answer ({e}); please report this."
        ))
    });
    // The text is this crate's own JSON, so the engine parses it; if it ever did not, the
    // caller still gets a report saying so, never a bare null.
    JSON::parse(&text).unwrap_or_else(|_| {
        JSON::parse(&failure_report(
            "Sendready wrote an answer the engine could not read; please report this.",
        ))
        .unwrap_or_else(|_| JsValue::from_str(&text))
    })
}

/// A report with one `internal-error` issue, written by hand so it cannot fail: what an
/// export answers when its own answer could not be written.
fn failure_report(message: &str) -> String {
    let quoted = json::to_string(message).unwrap_or_else(|_| "\"\"".to_owned());
    format!(
        "{{\"valid\":false,\"value\":null,\"issues\":[{{\"field\":\"\",\"code\":\"internal-error\",\"severity\":\"error\",\"message\":{quoted}}}]}}"
    )
}

/// Runs a call; a bad argument becomes the report.
fn run(f: impl FnOnce() -> Arg<JsValue>) -> JsValue {
    f().unwrap_or_else(|issue| out(&Report::<()>::new(None, issues_of(issue))))
}

fn issues_of(issue: Issue) -> Issues {
    let mut issues = Issues::new();
    issues.extend([issue]);
    issues
}

/// The package's version (the crate version it was built from).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

// ---- SMTP settings

/// Checks the whole SMTP settings form (both seeds' fields) and returns what a mailer needs.
#[wasm_bindgen(js_name = checkSmtpSettings, unchecked_return_type = "Report<SmtpConfig>")]
pub fn check_smtp_settings(
    #[wasm_bindgen(unchecked_param_type = "Partial<SmtpSettings>")] settings: &JsValue,
) -> JsValue {
    run(|| {
        let s: SmtpSettings = object(settings, "settings", true)?;
        Ok(out(&smtp::check_smtp_settings(&s)))
    })
}

/// Checks the form and keeps the issues of one field: validation as a user types.
#[wasm_bindgen(js_name = checkSmtpField, unchecked_return_type = "Report<null>")]
pub fn check_smtp_field(
    #[wasm_bindgen(unchecked_param_type = "Partial<SmtpSettings>")] settings: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] field: &JsValue,
) -> JsValue {
    run(|| {
        let s: SmtpSettings = object(settings, "settings", true)?;
        let field = string(field, "field")?;
        Ok(out(&smtp::check_smtp_field(&s, &field)))
    })
}

/// Checks the email settings as `PUT /v1/settings` does before it asks SES whether a
/// verified identity authorizes the SES From: the profile email, the SMTP server's
/// settings when it is the route or has a host, and the SES sender when SES is the route.
#[wasm_bindgen(js_name = checkEmailSettings, unchecked_return_type = "Report<null>")]
pub fn check_email_settings(
    #[wasm_bindgen(unchecked_param_type = "Partial<EmailSettings>")] settings: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "boolean")] password_stored: &JsValue,
) -> JsValue {
    run(|| {
        let s: sendready_core::api::EmailSettings = object(settings, "settings", true)?;
        let stored = password_stored.as_bool().unwrap_or(false);
        Ok(out(&sendready_core::settings::check_email_settings(
            &s, stored,
        )))
    })
}

/// Parses FusionAuth's additional headers (one `Name=Value` per line).
#[wasm_bindgen(js_name = parseAdditionalHeaders, unchecked_return_type = "Report<Header[]>")]
pub fn parse_additional_headers(
    #[wasm_bindgen(unchecked_param_type = "string")] text: &JsValue,
) -> JsValue {
    run(|| {
        let text = string(text, "additionalHeaders")?;
        let mut issues = Issues::new();
        let headers = smtp::parse_additional_headers(&text, &mut issues);
        Ok(out(&Report::new(Some(headers), issues)))
    })
}

// ---- addresses and hosts

/// Checks one email address (RFC 5321/5322, SMTPUTF8, IDNA) and returns its normal form.
#[wasm_bindgen(js_name = checkAddress, unchecked_return_type = "Report<Address>")]
pub fn check_address(
    #[wasm_bindgen(unchecked_param_type = "string")] address: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Partial<AddressOptions>")] options: &JsValue,
) -> JsValue {
    run(|| {
        let input = string(address, "address")?;
        let opts: AddressOptions = opt_object(options, "options")?;
        Ok(out(&address::check_address(&input, opts)))
    })
}

/// True exactly when [`check_address`] would call the address valid: the same rules,
/// without building the report. For a first pass over many addresses (an import, a list);
/// a form shows the report's messages.
#[wasm_bindgen(js_name = isAddress)]
pub fn is_address(
    #[wasm_bindgen(unchecked_param_type = "string")] address: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Partial<AddressOptions>")] options: &JsValue,
) -> bool {
    let Some(input) = address.as_string() else {
        return false;
    };
    match opt_object::<AddressOptions>(options, "options") {
        Ok(opts) => address::check_address(&input, opts).valid,
        Err(_) => false,
    }
}

/// Parses `Name <address>` (or a bare address) into display name and address.
#[wasm_bindgen(js_name = parseMailbox, unchecked_return_type = "Report<Mailbox>")]
pub fn parse_mailbox(
    #[wasm_bindgen(unchecked_param_type = "string")] mailbox: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Partial<AddressOptions>")] options: &JsValue,
) -> JsValue {
    run(|| {
        let input = string(mailbox, "mailbox")?;
        let opts: AddressOptions = opt_object(options, "options")?;
        Ok(out(&address::parse_mailbox(&input, opts)))
    })
}

/// Formats a From header value, quoting the display name where RFC 5322 needs it.
#[wasm_bindgen(js_name = formatMailbox, unchecked_return_type = "Report<string>")]
pub fn format_mailbox(
    #[wasm_bindgen(unchecked_param_type = "string")] name: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] address: &JsValue,
) -> JsValue {
    run(|| {
        let name = string(name, "name")?;
        let address = string(address, "address")?;
        let text = address::format_mailbox(&name, &address);
        Ok(out(&Report::new(Some(text), Issues::new())))
    })
}

/// Checks an SMTP server host: name (IDNA), IPv4 or IPv6, refusing private hosts unless allowed.
#[wasm_bindgen(js_name = checkHost, unchecked_return_type = "Report<Host>")]
pub fn check_host(
    #[wasm_bindgen(unchecked_param_type = "string")] host: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Partial<HostOptions>")] options: &JsValue,
) -> JsValue {
    run(|| {
        let input = string(host, "host")?;
        let opts: HostOptions = opt_object(options, "options")?;
        Ok(out(&host::check_host(&input, opts)))
    })
}

/// Checks a domain name for an identity (IDNA, lengths, public suffix shape).
#[wasm_bindgen(js_name = checkDomain, unchecked_return_type = "Report<DomainName>")]
pub fn check_domain(#[wasm_bindgen(unchecked_param_type = "string")] domain: &JsValue) -> JsValue {
    run(|| Ok(out(&host::check_domain(&string(domain, "domain")?))))
}

/// Checks a DNS record name (`_` labels and a trailing dot allowed).
#[wasm_bindgen(js_name = checkDnsName, unchecked_return_type = "Report<DomainName>")]
pub fn check_dns_name(#[wasm_bindgen(unchecked_param_type = "string")] name: &JsValue) -> JsValue {
    run(|| Ok(out(&host::check_dns_name(&string(name, "name")?))))
}

// ---- identities and senders

/// Checks a new SES identity against the tenant's active-user domains and limits.
#[wasm_bindgen(js_name = checkNewIdentity, unchecked_return_type = "Report<NewIdentity>")]
pub fn check_new_identity(
    #[wasm_bindgen(unchecked_param_type = "Partial<Tenant>")] tenant: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] identity: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "IdentityKind")] kind: &JsValue,
) -> JsValue {
    run(|| {
        let t: Tenant = object(tenant, "tenant", false)?;
        let identity = string(identity, "identity")?;
        let kind: Option<IdentityKind> = opt_object(kind, "kind")?;
        Ok(out(&identity::check_new_identity(&t, &identity, kind)))
    })
}

/// Decides whether a From address may send for the tenant.
#[wasm_bindgen(js_name = checkSender, unchecked_return_type = "Report<SenderDecision>")]
pub fn check_sender(
    #[wasm_bindgen(unchecked_param_type = "Partial<Tenant>")] tenant: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] from: &JsValue,
) -> JsValue {
    run(|| {
        let t: Tenant = object(tenant, "tenant", false)?;
        let from = string(from, "from")?;
        Ok(out(&identity::check_sender(&t, &from)))
    })
}

/// How many DKIM CNAMEs a set of environments needs (verification groups share identities).
#[wasm_bindgen(js_name = dkimRecordsNeeded, unchecked_return_type = "Report<number>")]
pub fn dkim_records_needed(
    #[wasm_bindgen(unchecked_param_type = "Environment[]")] environments: &JsValue,
) -> JsValue {
    run(|| {
        let envs: Vec<Environment> = object(environments, "environments", false)?;
        let n = identity::dkim_records_needed(&envs);
        Ok(out(&Report::new(Some(n), Issues::new())))
    })
}

// ---- DNS records

/// The three Easy DKIM CNAMEs from SES's tokens (`SigningHostedZone` when known).
#[wasm_bindgen(js_name = easyDkimRecords, unchecked_return_type = "Report<DnsRecord[]>")]
pub fn easy_dkim_records(
    #[wasm_bindgen(unchecked_param_type = "string")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] tokens: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] zone: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] region: &JsValue,
) -> JsValue {
    run(|| {
        let domain = string(domain, "domain")?;
        let tokens: Vec<String> = object(tokens, "tokens", false)?;
        let zone = opt_string(zone, "signingHostedZone")?;
        let region = opt_string(region, "region")?;
        Ok(out(&dkim::easy_dkim_records(
            &domain,
            &tokens,
            zone.as_deref(),
            region.as_deref(),
        )))
    })
}

/// The BYODKIM TXT record for a public key (PEM or base64), split into 255-octet strings.
#[wasm_bindgen(js_name = byodkimRecord, unchecked_return_type = "Report<DnsRecord>")]
pub fn byodkim_record(
    #[wasm_bindgen(unchecked_param_type = "string")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] selector: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
) -> JsValue {
    run(|| {
        let domain = string(domain, "domain")?;
        let selector = string(selector, "selector")?;
        let key = string(key, "publicKey")?;
        Ok(out(&dkim::byodkim_record(&domain, &selector, &key)))
    })
}

/// Lints a DKIM key record (`v=DKIM1; k=rsa; p=...`).
#[wasm_bindgen(js_name = checkDkimRecord, unchecked_return_type = "Report<DkimKey>")]
pub fn check_dkim_record(
    #[wasm_bindgen(unchecked_param_type = "string")] record: &JsValue,
) -> JsValue {
    run(|| Ok(out(&dkim::check_dkim_record(&string(record, "record")?))))
}

/// Parses and lints one SPF record (RFC 7208).
#[wasm_bindgen(js_name = checkSpf, unchecked_return_type = "Report<SpfRecord>")]
pub fn check_spf(#[wasm_bindgen(unchecked_param_type = "string")] record: &JsValue) -> JsValue {
    run(|| Ok(out(&spf::check_spf(&string(record, "record")?))))
}

/// Checks all TXT records at a name: exactly one may be SPF (RFC 7208 §4.5).
#[wasm_bindgen(js_name = checkSpfSet, unchecked_return_type = "Report<SpfRecord>")]
pub fn check_spf_set(
    #[wasm_bindgen(unchecked_param_type = "string[]")] records: &JsValue,
) -> JsValue {
    run(|| {
        let records: Vec<String> = object(records, "records", false)?;
        Ok(out(&spf::check_spf_set(&records)))
    })
}

/// Adds `include:<domain>` to an existing SPF record (or makes one), before `all`.
#[wasm_bindgen(js_name = mergeSpfInclude, unchecked_return_type = "Report<string>")]
pub fn merge_spf_include(
    #[wasm_bindgen(unchecked_param_type = "string | null")] existing: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] include: &JsValue,
) -> JsValue {
    run(|| {
        let existing = opt_string(existing, "existing")?;
        let include = string(include, "include")?;
        Ok(out(&spf::merge_include(existing.as_deref(), &include)))
    })
}

/// Parses and lints a DMARC record (RFC 7489 and RFC 9989 tags).
#[wasm_bindgen(js_name = checkDmarc, unchecked_return_type = "Report<Dmarc>")]
pub fn check_dmarc(
    #[wasm_bindgen(unchecked_param_type = "string")] record: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] domain: &JsValue,
) -> JsValue {
    run(|| {
        let record = string(record, "record")?;
        let domain = opt_string(domain, "domain")?;
        Ok(out(&dmarc::check_dmarc(&record, domain.as_deref())))
    })
}

/// Builds the `_dmarc` TXT record from choices.
#[wasm_bindgen(js_name = buildDmarc, unchecked_return_type = "Report<DnsRecord>")]
pub fn build_dmarc(
    #[wasm_bindgen(unchecked_param_type = "string")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Partial<Dmarc>")] choices: &JsValue,
) -> JsValue {
    run(|| {
        let domain = string(domain, "domain")?;
        let d: dmarc::Dmarc = object(choices, "dmarc", true)?;
        Ok(out(&dmarc::build_dmarc(&domain, &d)))
    })
}

/// The MX and SPF records of a custom MAIL FROM domain.
#[wasm_bindgen(js_name = mailFromRecords, unchecked_return_type = "Report<DnsRecord[]>")]
pub fn mail_from_records(
    #[wasm_bindgen(unchecked_param_type = "string")] domain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] subdomain: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] region: &JsValue,
) -> JsValue {
    run(|| {
        let domain = string(domain, "identity")?;
        let mail_from = string(subdomain, "mailFrom")?;
        let region = string(region, "region")?;
        Ok(out(&dns::mail_from_records(&domain, &mail_from, &region)))
    })
}

/// The name to type at a DNS host for a record in a zone, catching the zone typed twice.
#[wasm_bindgen(js_name = zoneEntry, unchecked_return_type = "Report<ZoneEntry>")]
pub fn zone_entry(
    #[wasm_bindgen(unchecked_param_type = "string")] fqdn: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] zone: &JsValue,
) -> JsValue {
    run(|| {
        let fqdn = string(fqdn, "name")?;
        let zone = string(zone, "zone")?;
        Ok(out(&dns::zone_entry(&fqdn, &zone)))
    })
}

/// Records as zone-file lines.
#[wasm_bindgen(js_name = zoneFile, unchecked_return_type = "Report<string>")]
pub fn zone_file(
    #[wasm_bindgen(unchecked_param_type = "DnsRecord[]")] records: &JsValue,
) -> JsValue {
    run(|| {
        let records: Vec<dns::DnsRecord> = object(records, "records", false)?;
        Ok(out(&Report::new(
            Some(dns::zone_file(&records)),
            Issues::new(),
        )))
    })
}

/// Records as CSV (name, type, value, priority, purpose) for a download.
#[wasm_bindgen(js_name = recordsCsv, unchecked_return_type = "Report<string>")]
pub fn records_csv(
    #[wasm_bindgen(unchecked_param_type = "DnsRecord[]")] records: &JsValue,
) -> JsValue {
    run(|| {
        let records: Vec<dns::DnsRecord> = object(records, "records", false)?;
        Ok(out(&Report::new(Some(dns::csv(&records)), Issues::new())))
    })
}

// ---- providers

/// The provider presets of the seeds (host, port, security, username rule, notes).
#[wasm_bindgen(unchecked_return_type = "Preset[]")]
pub fn providers() -> JsValue {
    out(&provider::PRESETS)
}

/// The SES regions with an SMTP endpoint.
#[wasm_bindgen(js_name = sesRegions, unchecked_return_type = "string[]")]
pub fn ses_regions() -> JsValue {
    out(&sendready_core::ses::REGIONS)
}

/// Recognizes a provider from an SMTP host; `null` when none is known (or not a string).
#[wasm_bindgen(js_name = detectProvider, unchecked_return_type = "Detected | null")]
pub fn detect_provider(#[wasm_bindgen(unchecked_param_type = "string")] host: &JsValue) -> JsValue {
    host.as_string()
        .and_then(|h| provider::detect(&h))
        .map_or(JsValue::NULL, |d| out(&d))
}

// ---- diagnosis

/// Explains a failure: an SMTP reply, a transport error, an SES error or pasted text.
#[wasm_bindgen(unchecked_return_type = "Report<Diagnosis>")]
pub fn diagnose(#[wasm_bindgen(unchecked_param_type = "Failure")] failure: &JsValue) -> JsValue {
    run(|| {
        let f: diagnose::Failure = object(failure, "failure", false)?;
        Ok(out(&Report::new(
            Some(diagnose::diagnose(&f)),
            Issues::new(),
        )))
    })
}

/// Explains an SES verification status and `VerificationInfo.ErrorType`.
#[wasm_bindgen(js_name = explainVerification, unchecked_return_type = "Report<Diagnosis>")]
pub fn explain_verification(
    #[wasm_bindgen(unchecked_param_type = "string")] status: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] error: &JsValue,
) -> JsValue {
    run(|| {
        let status = string(status, "status")?;
        let error_type = opt_string(error, "errorType")?;
        let d = diagnose::verification(&status, error_type.as_deref());
        Ok(out(&Report::new(Some(d), Issues::new())))
    })
}

/// What a code means.
#[wasm_bindgen(unchecked_return_type = "Report<CodeInfo>")]
pub fn explain(#[wasm_bindgen(unchecked_param_type = "Code | string")] code: &JsValue) -> JsValue {
    run(|| Ok(out(&sendready_core::explain(&string(code, "code")?))))
}

/// Every code in the catalogue with its meaning.
#[wasm_bindgen(unchecked_return_type = "CodeInfo[]")]
pub fn codes() -> JsValue {
    let all: Vec<CodeInfo> = Code::ALL
        .iter()
        .map(|&code| CodeInfo {
            code,
            summary: code.summary(),
            explanation: code.explanation(),
        })
        .collect();
    out(&all)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_answer_that_cannot_be_written_is_still_a_report_with_its_reason() {
        let text = super::failure_report("it broke \"here\"\n");
        let report: sendready_core::Report<()> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(!report.valid);
        assert_eq!(report.issues.len(), 1);
        assert_eq!(report.issues[0].code, sendready_core::Code::InternalError);
        assert_eq!(report.issues[0].message, "it broke \"here\"\n");
    }
}
