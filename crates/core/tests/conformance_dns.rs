//! DNS conformance: dkimpy key-record samples (`../shared/corpora/dkimpy`), BYODKIM
//! records built from their keys, and the OpenSPF rfc7208 suite (`openspf`).
#![allow(clippy::unwrap_used, missing_docs)]

mod corpus;

use sendready_core::Code;
use sendready_core::dns::dkim::{byodkim_record, check_dkim_record};
use sendready_core::dns::spf::{check_spf_set, is_spf};

#[test]
fn dkimpy_key_record_samples_get_the_documented_verdicts() {
    let table: &[(&str, bool, Option<Code>, usize)] = &[
        ("dkimpy/test.txt", true, None, 1024),
        ("dkimpy/test2.txt", true, None, 1024),
        (
            "dkimpy/test_tlsrpt.txt",
            true,
            Some(Code::DkimServiceType),
            1024,
        ),
        ("dkimpy/ed25519test.dns", true, None, 256),
        ("dkimpy/eximtest.dns", true, None, 256),
        ("dkimpy/badk.txt", false, Some(Code::DkimKeyType), 0),
        ("dkimpy/badversion.txt", false, Some(Code::DkimVersion), 0),
        ("dkimpy/test_bad.txt", false, Some(Code::DkimKeyInvalid), 0),
        (
            "dkimpy/rsa512_sample.txt",
            false,
            Some(Code::DkimKeyTooShort),
            0,
        ),
    ];
    for (file, valid, code, bits) in table {
        let text = corpus::read(file);
        let r = check_dkim_record(text.trim());
        assert_eq!(r.valid, *valid, "{file}: {:?}", r.issues);
        if let Some(c) = code {
            assert!(r.has(*c), "{file}: expected {c}, got {:?}", r.codes());
        }
        if *valid {
            assert_eq!(r.value.unwrap().bits, *bits, "{file}");
        }
    }
}

#[test]
fn byodkim_txt_is_split_into_255_octet_strings() {
    let test_txt = corpus::read("dkimpy/test.txt");
    let key = test_txt.split("p=").nth(1).unwrap().trim();
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{key}\n-----END PUBLIC KEY-----\n");
    let r = byodkim_record("yourcompany.com", "sendready1", &pem);
    assert!(r.valid, "{:?}", r.issues);
    let rec = r.value.unwrap();
    assert_eq!(rec.name, "sendready1._domainkey.yourcompany.com");
    assert!(rec.strings.iter().all(|s| s.len() <= 255));
    assert_eq!(rec.strings.concat(), rec.value);
    assert!(check_dkim_record(&rec.value).valid);
    let small = corpus::read("dkimpy/rsa512_sample.txt");
    let small_key = small.split("p=").nth(1).unwrap().trim();
    assert!(byodkim_record("yourcompany.com", "s1", small_key).has(Code::DkimKeyTooShort));
    assert!(byodkim_record("yourcompany.com", "bad selector", key).has(Code::DkimSelectorInvalid));
    assert!(byodkim_record("yourcompany.com", "s1", "not base64!").has(Code::DkimKeyInvalid));
}

#[test]
fn openspf_record_syntax_verdicts_agree() {
    const CHECKED: usize = 170;
    // rfc7208-tests.yml as extracted to derived_top_level_records.json. Tests whose result
    // needs other DNS data (heuristic_dns_dependent) are left out. Only TXT records count
    // (RFC 7208 §3.1 retired the SPF RR type), so the records come from all_txt_at_domain.
    // The extraction also lists records of the retired SPF RR type as TXT, so the strings
    // are read from the upstream YAML's zonedata with the suite's driver rule (its header):
    // sections other than "Record lookup" and "Selecting records" publish policies as
    // type SPF and expect drivers to copy them to TXT; those two sections read TXT only.
    let json: serde_json::Value =
        serde_json::from_str(&corpus::read("openspf/derived_top_level_records.json")).unwrap();
    let mut txt: std::collections::HashMap<(String, String), Vec<String>> =
        std::collections::HashMap::new();
    let yaml = corpus::read("openspf/rfc7208-tests.yml");
    let mut names_by_test: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (doc_no, doc) in serde_yaml::Deserializer::from_str(&yaml).enumerate() {
        let v = <serde_yaml::Value as serde::Deserialize>::deserialize(doc).unwrap();
        let key = format!("doc{doc_no}");
        let txt_only = matches!(
            v["description"].as_str(),
            Some("Record lookup" | "Selecting records")
        );
        if let Some(zone) = v["zonedata"].as_mapping() {
            for (name, rrs) in zone {
                let name = name.as_str().unwrap().to_ascii_lowercase();
                let strings = |ty: &str| -> Vec<String> {
                    rrs.as_sequence()
                        .into_iter()
                        .flatten()
                        .filter_map(|rr| match &rr[ty] {
                            serde_yaml::Value::String(s) => Some(s.clone()),
                            serde_yaml::Value::Sequence(parts) => {
                                Some(parts.iter().filter_map(|p| p.as_str()).collect::<String>())
                            }
                            _ => None,
                        })
                        .collect()
                };
                let mut records = strings("TXT");
                if records.is_empty() && !txt_only {
                    records = strings("SPF");
                }
                txt.insert((key.clone(), name), records);
            }
        }
        for (test, _) in v["tests"].as_mapping().into_iter().flatten() {
            names_by_test
                .entry(test.as_str().unwrap().to_owned())
                .or_default()
                .push(key.clone());
        }
    }
    let (mut checked, mut failures) = (0, Vec::new());
    for t in json.as_array().unwrap() {
        if t["heuristic_dns_dependent"].as_bool() == Some(true) {
            continue;
        }
        let doc = &names_by_test[t["test"].as_str().unwrap()][0];
        let domain = t["domain"].as_str().unwrap().to_ascii_lowercase();
        let records: Vec<String> = txt
            .get(&(doc.clone(), domain))
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| is_spf(r))
            .collect();
        let expected: Vec<&str> = t["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if records.is_empty() {
            continue; // "none": nothing published, nothing to lint
        }
        checked += 1;
        let r = check_spf_set(&records);
        let permerror_only = expected.iter().all(|e| *e == "permerror");
        let permerror_allowed = expected.contains(&"permerror");
        let ok = if permerror_only {
            !r.valid
        } else if permerror_allowed {
            true
        } else {
            r.valid
        };
        if !ok {
            failures.push(format!(
                "{} {:?} expected {:?}, got {:?}",
                t["test"],
                records,
                expected,
                r.issues.iter().map(|i| &i.message).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 170 of the 203 tests publish SPF records whose verdict needs no other DNS data.
    assert_eq!(checked, CHECKED, "the corpus or its classification changed");
}
