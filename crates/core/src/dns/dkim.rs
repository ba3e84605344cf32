//! DKIM records: Easy DKIM CNAMEs from SES tokens, BYODKIM TXT from a public key, and
//! the lint of a published key record (RFC 6376 §3.6.1, RFC 8301 key sizes, RFC 8463
//! Ed25519).

use super::{DnsRecord, Purpose};
use crate::host::{DomainOptions, check_domain_into};
use crate::report::{Code, Issues, Report};
use crate::ses;
use serde::{Deserialize, Serialize};

/// The three Easy DKIM CNAMEs: `<token>._domainkey.<domain>` → `<token>.<zone>`, where
/// the zone is SES's `SigningHostedZone` when known, else the region's DKIM domain.
pub fn easy_dkim_records(
    domain: &str,
    tokens: &[String],
    signing_hosted_zone: Option<&str>,
    region: Option<&str>,
) -> Report<Vec<DnsRecord>> {
    let mut issues = Issues::new();
    let d = check_domain_into(
        domain,
        "domain",
        "domain",
        DomainOptions::default(),
        &mut issues,
    );
    if tokens.len() != 3 {
        issues.error("tokens", Code::DkimTokenCount, format!("Easy DKIM has three tokens; {} were given. Copy all three from the identity's DKIM settings.", tokens.len()));
    }
    let mut clean = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let t = t.trim().to_ascii_lowercase();
        if t.is_empty() || t.len() > 63 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            issues.error(
                &format!("tokens[{i}]"),
                Code::DkimTokenInvalid,
                format!("\"{t}\" is not an SES DKIM token (32 letters and digits); copy it again without the ._domainkey part."),
            );
        } else {
            clean.push(t);
        }
    }
    let zone = match signing_hosted_zone.map(str::trim).filter(|z| !z.is_empty()) {
        Some(z) => z.trim_end_matches('.').to_ascii_lowercase(),
        None => ses::dkim_domain(region.unwrap_or("us-east-1")),
    };
    if issues.has_errors() {
        return Report::new(None, issues);
    }
    let Some(d) = d else {
        return Report::new(None, issues);
    };
    let records = clean
        .iter()
        .map(|t| {
            DnsRecord::cname(
                &format!("{t}._domainkey.{}", d.ascii),
                &format!("{t}.{zone}"),
                Purpose::Dkim,
            )
        })
        .collect();
    Report::new(Some(records), issues)
}

/// Decodes base64 (RFC 4648 §4), ignoring white space; padding optional.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits, mut pad) = (0u32, 0u32, 0);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    if pad > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

/// Reads one DER TLV; returns (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn integer_bits(content: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let i = content
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(content.len());
        &content[i..]
    };
    match trimmed.first() {
        Some(first) => (trimmed.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// rsaEncryption, 1.2.840.113549.1.1.1.
const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The modulus size of an RSA public key in SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) or
/// bare RSAPublicKey (RFC 8017 §A.1.1) DER; `None` when the DER is malformed.
pub fn rsa_key_bits(der_bytes: &[u8]) -> Option<usize> {
    let (tag, outer, rest) = der(der_bytes)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let rsa_public_key = |seq: &[u8]| -> Option<usize> {
        let (t1, modulus, r1) = der(seq)?;
        let (t2, _exp, r2) = der(r1)?;
        (t1 == 0x02 && t2 == 0x02 && r2.is_empty()).then(|| integer_bits(modulus))
    };
    let (t, first, after) = der(outer)?;
    if t == 0x02 {
        return rsa_public_key(outer);
    }
    // SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }.
    if t != 0x30 {
        return None;
    }
    let (oid_tag, oid, _) = der(first)?;
    if oid_tag != 0x06 || oid != RSA_OID {
        return None;
    }
    let (bt, bits, end) = der(after)?;
    if bt != 0x03 || !end.is_empty() {
        return None;
    }
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let (st, seq, tail) = der(key)?;
    if st != 0x30 || !tail.is_empty() {
        return None;
    }
    rsa_public_key(seq)
}

/// Strips PEM armour (`-----BEGIN PUBLIC KEY-----`) and white space from a public key.
pub fn strip_pem(key: &str) -> String {
    key.lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Checks a DKIM selector (RFC 6376 §3.1: one DNS label here, letters, digits and inner
/// hyphens); returns it trimmed and lowercased, or `None` with an issue on `selector`.
pub fn check_selector(selector: &str, issues: &mut Issues) -> Option<String> {
    let sel = selector.trim().to_ascii_lowercase();
    let ok = !sel.is_empty()
        && sel.len() <= 63
        && sel.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !sel.starts_with('-')
        && !sel.ends_with('-');
    if ok {
        Some(sel)
    } else {
        issues.error("selector", Code::DkimSelectorInvalid, "The selector must be one DNS label of letters, digits and inner hyphens (at most 63), such as sendready1.");
        None
    }
}

/// A BYODKIM record: TXT at `<selector>._domainkey.<domain>` with
/// `v=DKIM1; k=rsa; p=<key>`, split into 255-octet strings. SES accepts RSA keys of
/// 1024 to 2048 bits for BYODKIM.
pub fn byodkim_record(domain: &str, selector: &str, public_key: &str) -> Report<DnsRecord> {
    let mut issues = Issues::new();
    let d = check_domain_into(
        domain,
        "domain",
        "domain",
        DomainOptions::default(),
        &mut issues,
    );
    let sel = check_selector(selector, &mut issues).unwrap_or_default();
    let p = strip_pem(public_key);
    match base64_decode(&p).and_then(|b| rsa_key_bits(&b)) {
        None => issues.error("publicKey", Code::DkimKeyInvalid, "The public key is not a base64 RSA public key (SubjectPublicKeyInfo); paste the PEM or its base64 body."),
        Some(bits) if bits < 1024 => issues.error("publicKey", Code::DkimKeyTooShort, format!("The key has {bits} bits; DKIM keys must have at least 1024 (RFC 8301), and 2048 is recommended.")),
        Some(bits) if bits > 2048 => issues.error("publicKey", Code::DkimKeyTooLong, format!("The key has {bits} bits; Amazon SES accepts BYODKIM keys of 1024 to 2048 bits.")),
        Some(_) => {}
    }
    if issues.has_errors() {
        return Report::new(None, issues);
    }
    let Some(d) = d else {
        return Report::new(None, issues);
    };
    let record = DnsRecord::txt(
        &format!("{sel}._domainkey.{}", d.ascii),
        &format!("v=DKIM1; k=rsa; p={p}"),
        Purpose::Byodkim,
    );
    Report::new(Some(record), issues)
}

/// A parsed DKIM key record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DkimKey {
    /// `k=`: `rsa` (default) or `ed25519`.
    pub key_type: String,
    /// Key size in bits (RSA modulus, or 256 for Ed25519); 0 when revoked.
    pub bits: usize,
    /// `h=` hash algorithms, if restricted.
    pub hashes: Vec<String>,
    /// `s=` service types (default `*`).
    pub services: Vec<String>,
    /// `t=` flags.
    pub flags: Vec<String>,
}

/// Parses an RFC 6376 §3.2 tag-list into (name, value) pairs with white space removed
/// around names and values; `None` when a tag-spec is malformed.
pub(crate) fn tag_list(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for spec in text.split(';') {
        if spec.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = spec.split_once('=') else {
            return Err(format!("\"{}\" is not tag=value", spec.trim()));
        };
        let name = name.trim();
        if name.is_empty()
            || !name.starts_with(|c: char| c.is_ascii_alphabetic())
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!("\"{name}\" is not a tag name"));
        }
        out.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(out)
}

/// Lints a published DKIM key record (the TXT at `<selector>._domainkey.<domain>`).
pub fn check_dkim_record(text: &str) -> Report<DkimKey> {
    let mut issues = Issues::new();
    let field = "record";
    let tags = match tag_list(text) {
        Ok(t) => t,
        Err(e) => {
            issues.error(field, Code::DkimRecordSyntax, format!("The record is not a DKIM tag list: {e}. Records look like v=DKIM1; k=rsa; p=MIIB..."));
            return Report::new(None, issues);
        }
    };
    for (i, (name, _)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(n, _)| n == name) {
            issues.error(
                field,
                Code::DkimDuplicateTag,
                format!("The tag {name}= appears twice; keep one (RFC 6376 §3.2)."),
            );
        }
    }
    let get = |n: &str| tags.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if let Some(v) = get("v")
        && (tags[0].0 != "v" || v != "DKIM1")
    {
        issues.error(field, Code::DkimVersion, format!("v= must come first and be exactly DKIM1 (found \"{v}\"): write v=DKIM1; at the start."));
    }
    let key_type = get("k").unwrap_or("rsa").to_owned();
    if key_type != "rsa" && key_type != "ed25519" {
        issues.error(
            field,
            Code::DkimKeyType,
            format!("k={key_type} is not a DKIM key type: use k=rsa or k=ed25519."),
        );
    }
    let hashes: Vec<String> = get("h")
        .map(|h| h.split(':').map(|x| x.trim().to_owned()).collect())
        .unwrap_or_default();
    if !hashes.is_empty() && !hashes.iter().any(|h| h == "sha256") {
        issues.error(
            field,
            Code::DkimHashSha1,
            "h= allows only SHA-1, which RFC 8301 forbids: use h=sha256 or drop the tag.",
        );
    }
    let services: Vec<String> = get("s").map_or_else(
        || vec!["*".to_owned()],
        |s| s.split(':').map(|x| x.trim().to_owned()).collect(),
    );
    if !services.iter().any(|s| s == "*" || s == "email") {
        issues.warning(
            field,
            Code::DkimServiceType,
            format!(
                "s={} does not include email, so mail verifiers ignore this key.",
                services.join(":")
            ),
        );
    }
    let flags: Vec<String> = get("t")
        .map(|t| t.split(':').map(|x| x.trim().to_owned()).collect())
        .unwrap_or_default();
    if flags.iter().any(|f| f == "y") {
        issues.hint(
            field,
            Code::DkimTestingFlag,
            "t=y marks the domain as testing DKIM; remove it once signing works.",
        );
    }
    let mut bits = 0;
    match get("p") {
        None => issues.error(field, Code::DkimKeyMissing, "The record has no p= tag with the public key."),
        Some("") => issues.warning(field, Code::DkimKeyRevoked, "p= is empty, which means the key is revoked; signatures with this selector fail."),
        Some(p) => match base64_decode(p) {
            None => issues.error(field, Code::DkimKeyInvalid, "p= is not valid base64."),
            Some(bytes) if key_type == "ed25519" => {
                if bytes.len() == 32 {
                    bits = 256;
                } else {
                    issues.error(field, Code::DkimKeyInvalid, format!("An Ed25519 key is 32 bytes; p= has {} (RFC 8463).", bytes.len()));
                }
            }
            Some(bytes) => match rsa_key_bits(&bytes) {
                None if key_type == "rsa" => issues.error(field, Code::DkimKeyInvalid, "p= is not an RSA public key: the DER is malformed or truncated. Copy the whole key again."),
                None => {}
                Some(b) => {
                    bits = b;
                    if b < 1024 {
                        issues.error(field, Code::DkimKeyTooShort, format!("The key has {b} bits; verifiers reject keys under 1024 bits (RFC 8301). Publish a 2048-bit key."));
                    }
                }
            },
        },
    }
    let valid_key = !issues.has_errors();
    Report::new(
        valid_key.then_some(DkimKey {
            key_type,
            bits,
            hashes,
            services,
            flags,
        }),
        issues,
    )
}
