//! Publishing an identity's records to a Route 53 hosted zone without destroying anything:
//! the zone is read first; what is missing is created (CREATE, which Route 53 refuses if
//! the record appeared meanwhile), what matches is kept, and a record that exists with
//! another value or type stops the whole publish with a 409 listing each conflict.

use super::identities::{Identities, record_of, settled_in};
use crate::error::Problem;
use crate::ports::route53::{ChangeInfo, RecordSet, bare_zone_id};
use axum::http::StatusCode;
pub use sendready_core::api::{
    PublishRequest, Published, RecordConflict, RecordView, SkippedRecord,
};
use sendready_core::dns::verdict;
use sendready_core::dns::{self, DnsRecord, Purpose, RecordType};
use sendready_core::host::is_same_or_subdomain;
use sendready_core::{Code, Issue, Severity};

/// What publishing does with one record, decided from what the zone holds at its name.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing at the name: create it.
    Create,
    /// The record is there with the value wanted: leave it.
    Keep,
    /// Something else is there: change nothing, and say what.
    Conflict(RecordConflict),
}

/// The step for `record` given the record sets at its name (RFC 1035: a CNAME stands alone
/// at its name, so any other type there conflicts with one; a TXT set may hold several
/// texts, and only the very text wanted counts as there).
pub fn plan(record: &DnsRecord, sets: &[RecordSet]) -> Step {
    if sets.is_empty() {
        return Step::Create;
    }
    let want_type = record.record_type.as_str();
    let wanted = verdict::expected(record);
    let same: Vec<&RecordSet> = sets.iter().filter(|s| s.record_type == want_type).collect();
    if same.iter().any(|s| s.values.contains(&wanted)) {
        return Step::Keep;
    }
    // Another value, or another type at the name (a CNAME wanted where any record is, or
    // any record wanted where a CNAME is).
    let blocks = !same.is_empty()
        || record.record_type == RecordType::Cname
        || sets.iter().any(|s| s.record_type == "CNAME");
    if !blocks {
        return Step::Create;
    }
    let found = sets
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .map(move |v| format!("{} {v}", s.record_type))
        })
        .collect();
    Step::Conflict(RecordConflict {
        name: record.name.clone(),
        record_type: want_type.to_owned(),
        found,
        wanted: record.value.clone(),
        action: format!(
            "Sendready does not replace records it did not write. If the record at {} is no longer used, delete it at your DNS host and publish again; otherwise keep it and leave this record out.",
            record.name
        ),
    })
}

impl Identities {
    /// Publishes the identity's records: creates what is missing, keeps what is there,
    /// and changes nothing when any record conflicts with what the zone holds (409 with
    /// each conflict). The DMARC suggestion is published only when asked for and when no
    /// DMARC record applies to the domain already (its own, or a parent's in the zone: the
    /// RFC 9989 tree walk up to the zone's apex).
    pub async fn publish(
        &self,
        tenant: &str,
        identity: &str,
        req: PublishRequest,
    ) -> Result<Published, Problem> {
        let rec = record_of(self.registry.as_ref(), tenant).await?;
        let o = settled_in(&rec, identity)?;
        let zone_id = bare_zone_id(&req.hosted_zone_id).to_owned();
        if zone_id.is_empty() {
            return Err(Problem::field(
                "hostedZoneId",
                Code::InputInvalid,
                "Choose the hosted zone to publish into: one of the zones the platform assigned to your account (GET /v1/tenant lists them).",
            ));
        }
        // A tenant publishes only into the zones the platform assigned to it (and the
        // deployment may change).
        let assigned = rec.zones;
        if !self.zone_allowed(&zone_id) || !assigned.contains(&zone_id) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                Code::ZoneNotAllowed,
                format!(
                    "Hosted zone {zone_id} is not one the platform assigned to your account; choose one of your zones, or ask the platform to assign this one."
                ),
            ));
        }
        let zone_name = self.route53.zone_name(&zone_id).await?;
        if !is_same_or_subdomain(o.domain(), &zone_name) {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                Code::ZoneOutside,
                format!(
                    "The zone {zone_name} is not {} or a parent of it; choose the zone that holds the identity's domain.",
                    o.domain()
                ),
            ));
        }
        let answer = self.ses_identity(tenant, &o).await?;
        let mut create = Vec::new();
        let mut kept = Vec::new();
        let mut skipped = Vec::new();
        let mut conflicts = Vec::new();
        for (record, required) in self.records_for(&o, &answer) {
            if !required && !req.include_suggestions {
                continue;
            }
            if matches!(record.purpose, Purpose::MailFromMx | Purpose::MailFromSpf)
                && !dns::mail_from_publishable(&record.name)
            {
                skipped.push(SkippedRecord {
                    reason: format!(
                        "Sendready publishes MAIL FROM records itself only under {} (so its Route 53 rights cannot write MX or TXT records anywhere else in your zone); publish this one at your DNS host, or choose such a MAIL FROM domain.",
                        dns::MAIL_FROM_PUBLISHED_LABELS
                            .iter()
                            .map(|l| format!("{l}.{}", o.domain()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    record,
                });
                continue;
            }
            let sets = self.route53.record_sets_at(&zone_id, &record.name).await?;
            let step = plan(&record, &sets);
            if record.purpose == Purpose::Dmarc
                && step != Step::Keep
                && let Some(reason) = self.dmarc_applies(&zone_id, &zone_name, o.domain()).await?
            {
                skipped.push(SkippedRecord { record, reason });
                continue;
            }
            match step {
                Step::Create => create.push(record),
                Step::Keep => kept.push(record),
                Step::Conflict(c) if required => conflicts.push(c),
                // A suggestion whose place is taken is left out, not a conflict.
                Step::Conflict(c) => skipped.push(SkippedRecord {
                    record,
                    reason: format!(
                        "{} already holds {}; it is kept.",
                        c.name,
                        c.found.join(", ")
                    ),
                }),
            }
        }
        if create.is_empty() && kept.is_empty() && conflicts.is_empty() {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                Code::IdentityNoRecords,
                "This identity has no DNS records to publish (an email identity verifies by the link SES mails).",
            ));
        }
        if !conflicts.is_empty() {
            let mut p = Problem::new(
                StatusCode::CONFLICT,
                Code::DnsRecordConflict,
                format!(
                    "{} record(s) already exist in {zone_name} with other values; nothing was changed.",
                    conflicts.len()
                ),
            );
            p.issues = conflicts
                .iter()
                .map(|c| Issue {
                    field: c.name.clone(),
                    code: Code::DnsRecordConflict,
                    severity: Severity::Error,
                    message: format!(
                        "{} holds {}, not the {} record {}. {}",
                        c.name,
                        c.found.join(", "),
                        c.record_type,
                        c.wanted,
                        c.action
                    ),
                })
                .collect();
            p.conflicts = conflicts;
            tracing::info!(tenant = %tenant, identity = %o.identity, zone = %zone_name, conflicts = p.conflicts.len(), "publish refused: conflicts");
            return Err(p);
        }
        let change = if create.is_empty() {
            ChangeInfo {
                id: String::new(),
                status: "INSYNC".to_owned(),
            }
        } else {
            self.route53
                .create(
                    &zone_id,
                    &format!("Sendready: records for {}", o.identity),
                    &create,
                )
                .await?
        };
        tracing::info!(tenant = %tenant, identity = %o.identity, zone = %zone_name, created = create.len(), kept = kept.len(), "records published");
        let created = create.len();
        Ok(Published {
            hosted_zone_id: zone_id,
            records: create
                .into_iter()
                .chain(kept)
                .map(|record| RecordView {
                    zone_entry: dns::zone_entry(&record.name, &zone_name).value,
                    record,
                    required: true,
                })
                .collect(),
            created,
            skipped,
            zone: zone_name,
            change_id: change.id,
            status: change.status,
        })
    }

    /// Why a DMARC suggestion for `domain` would not apply, if one already does: a
    /// `_dmarc` TXT at the domain or at a parent of it inside the zone.
    async fn dmarc_applies(
        &self,
        zone_id: &str,
        zone: &str,
        domain: &str,
    ) -> Result<Option<String>, Problem> {
        let labels: Vec<&str> = domain.split('.').collect();
        for i in 0..labels.len() {
            let parent = labels[i..].join(".");
            if !is_same_or_subdomain(&parent, zone) {
                break;
            }
            let name = format!("_dmarc.{parent}");
            let sets = self.route53.record_sets_at(zone_id, &name).await?;
            let dmarc = sets
                .iter()
                .filter(|s| s.record_type == "TXT")
                .flat_map(|s| &s.values)
                .find(|v| v.trim_start().to_ascii_lowercase().starts_with("v=dmarc1"));
            if let Some(v) = dmarc {
                let whose = if parent == domain {
                    "the domain's own".to_owned()
                } else {
                    format!("the policy of {parent}")
                };
                return Ok(Some(format!(
                    "{name} already holds \"{v}\", {whose}, which applies to {domain}; it is kept."
                )));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sendready_core::dns::Purpose;

    fn set(t: &str, values: &[&str]) -> RecordSet {
        RecordSet {
            record_type: t.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn each_zone_state_has_its_step() {
        let txt = DnsRecord::txt("_dmarc.example.com", "v=DMARC1; p=none", Purpose::Dmarc);
        let cname = DnsRecord::cname(
            "t1._domainkey.example.com",
            "t1.dkim.amazonses.com",
            Purpose::Dkim,
        );
        let conflict = |s: Step| matches!(s, Step::Conflict(_));
        assert_eq!(plan(&txt, &[]), Step::Create);
        assert_eq!(plan(&txt, &[set("TXT", &["v=DMARC1; p=none"])]), Step::Keep);
        assert!(conflict(plan(&txt, &[set("TXT", &["v=DMARC1; p=reject"])])));
        assert!(conflict(plan(
            &txt,
            &[set("CNAME", &["elsewhere.example.net"])]
        )));
        assert_eq!(
            plan(&cname, &[set("CNAME", &["t1.dkim.amazonses.com"])]),
            Step::Keep
        );
        assert!(conflict(plan(
            &cname,
            &[set("CNAME", &["t1.dkim.example.net"])]
        )));
        assert!(conflict(plan(&cname, &[set("TXT", &["v=DKIM1; p=abc"])])));
        let Step::Conflict(c) = plan(&txt, &[set("TXT", &["v=DMARC1; p=reject"])]) else {
            panic!("a conflict");
        };
        assert_eq!(c.found, ["TXT v=DMARC1; p=reject"]);
        assert_eq!(c.wanted, "v=DMARC1; p=none");
    }
}
