//! Shared helpers for conformance tests that read `../shared/corpora` in place.
#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    dead_code,
    missing_docs
)]

use std::path::PathBuf;

/// The corpora folder: `$SENDREADY_CORPORA`, else `<repo>/../shared/corpora`.
pub fn corpora() -> PathBuf {
    if let Some(p) = std::env::var_os("SENDREADY_CORPORA") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

/// Reads a corpus file; panics with a clear message when the shared folder is missing.
pub fn read(rel: &str) -> String {
    let path = corpora().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read corpus {}: {e}. Conformance tests need ../shared beside the repo (or SENDREADY_CORPORA).", path.display())
    })
}

/// Decodes the XML character references and entities used in the isemail corpus.
pub fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').expect("entity without ;");
        let ent = &tail[1..end];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).unwrap()
            }
            e if e.starts_with('#') => char::from_u32(e[1..].parse().unwrap()).unwrap(),
            e => panic!("unknown entity {e}"),
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// One isemail test: id, address (control characters restored), category, diagnosis.
pub struct IsEmailCase {
    pub id: String,
    pub address: String,
    pub category: String,
    pub diagnosis: String,
}

fn tag<'a>(block: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    match block.find(&open) {
        Some(i) => {
            let start = i + open.len();
            let end = block[start..].find(&close).expect("unclosed tag") + start;
            &block[start..end]
        }
        None => "",
    }
}

/// Parses `isemail/tests.xml`. Control characters are stored as U+2400 + n (U+2421 for
/// DEL); they are converted back as the corpus README says.
pub fn isemail_cases() -> Vec<IsEmailCase> {
    let xml = read("isemail/tests.xml");
    let mut cases = Vec::new();
    for block in xml.split("<test id=\"").skip(1) {
        let id = block[..block.find('"').unwrap()].to_owned();
        let raw = xml_unescape(tag(block, "address"));
        let address = raw
            .chars()
            .map(|c| match c as u32 {
                n @ 0x2400..=0x241F => char::from_u32(n - 0x2400).unwrap(),
                0x2421 => '\u{7f}',
                _ => c,
            })
            .collect();
        cases.push(IsEmailCase {
            id,
            address,
            category: tag(block, "category").to_owned(),
            diagnosis: tag(block, "diagnosis").to_owned(),
        });
    }
    cases
}
