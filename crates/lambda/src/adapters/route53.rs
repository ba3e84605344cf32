//! Amazon Route 53 through the AWS SDK: every Route 53 call the backend makes.

use super::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::route53::{ChangeInfo, RecordSet, Route53};
use async_trait::async_trait;
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use sendready_core::dns::verdict::normalize_value;
use sendready_core::dns::{DnsRecord, RecordType};

/// The adapter over one Route 53 client.
#[derive(Clone, Debug)]
pub struct Route53Sdk {
    client: Client,
}

impl Route53Sdk {
    /// The adapter over `client`.
    pub fn new(client: Client) -> Self {
        Route53Sdk { client }
    }

    /// The adapter over a client from `conf`.
    pub fn from_conf(conf: &aws_config::SdkConfig) -> Self {
        Route53Sdk::new(Client::new(conf))
    }
}

const PUBLISH: &str = "Publishing to Route 53";

fn record_set(r: &DnsRecord) -> Result<ResourceRecordSet, AwsError> {
    let kind = match r.record_type {
        RecordType::Cname => RrType::Cname,
        RecordType::Txt => RrType::Txt,
        RecordType::Mx => RrType::Mx,
    };
    ResourceRecordSet::builder()
        .name(format!("{}.", r.name))
        .r#type(kind)
        .ttl(i64::from(r.ttl))
        .resource_records(
            ResourceRecord::builder()
                .value(r.rdata())
                .build()
                .map_err(|e| build_error(PUBLISH, &e))?,
        )
        .build()
        .map_err(|e| build_error(PUBLISH, &e))
}

/// A Route 53 value as the core's verdict compares it: TXT's quoted character-strings
/// joined (RFC 1035 §3.3.14), names lowercase without the trailing dot.
fn canonical(record_type: &str, value: &str) -> String {
    match record_type {
        "TXT" | "SPF" => {
            let mut out = String::new();
            let mut in_quotes = false;
            let mut escaped = false;
            for c in value.chars() {
                match (in_quotes, escaped, c) {
                    (true, true, _) => {
                        out.push(c);
                        escaped = false;
                    }
                    (true, false, '\\') => escaped = true,
                    (_, false, '"') => in_quotes = !in_quotes,
                    (true, false, _) => out.push(c),
                    (false, _, _) => {}
                }
            }
            out
        }
        "CNAME" => normalize_value(RecordType::Cname, value),
        "MX" => normalize_value(RecordType::Mx, value),
        _ => value.trim().to_owned(),
    }
}

#[async_trait]
impl Route53 for Route53Sdk {
    async fn zone_name(&self, zone_id: &str) -> Result<String, AwsError> {
        let zone = self
            .client
            .get_hosted_zone()
            .id(zone_id)
            .send()
            .await
            .map_err(|e| aws_error("Reading the hosted zone", &e))?;
        Ok(zone
            .hosted_zone()
            .map(|z| z.name().trim_end_matches('.').to_ascii_lowercase())
            .unwrap_or_default())
    }

    async fn record_sets_at(&self, zone_id: &str, name: &str) -> Result<Vec<RecordSet>, AwsError> {
        let want = format!("{}.", name.trim_end_matches('.').to_ascii_lowercase());
        // Record sets come sorted by name, then type: start at the name, stop past it.
        let out = self
            .client
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .start_record_name(&want)
            .max_items(20)
            .send()
            .await
            .map_err(|e| aws_error("Reading the hosted zone's records", &e))?;
        Ok(out
            .resource_record_sets()
            .iter()
            .filter(|s| s.name().eq_ignore_ascii_case(&want))
            .map(|s| {
                let t = s.r#type().as_str().to_owned();
                let values = s
                    .resource_records()
                    .iter()
                    .map(|r| canonical(&t, r.value()))
                    .collect();
                RecordSet {
                    record_type: t,
                    values,
                }
            })
            .collect())
    }

    async fn create(
        &self,
        zone_id: &str,
        comment: &str,
        records: &[DnsRecord],
    ) -> Result<ChangeInfo, AwsError> {
        let mut batch = ChangeBatch::builder().comment(comment);
        for r in records {
            let change = Change::builder()
                .action(ChangeAction::Create)
                .resource_record_set(record_set(r)?)
                .build()
                .map_err(|e| build_error(PUBLISH, &e))?;
            batch = batch.changes(change);
        }
        let batch = batch.build().map_err(|e| build_error(PUBLISH, &e))?;
        let out = self
            .client
            .change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(batch)
            .send()
            .await
            .map_err(|e| aws_error(PUBLISH, &e))?;
        Ok(out
            .change_info()
            .map(|c| ChangeInfo {
                id: c.id().to_owned(),
                status: c.status().as_str().to_owned(),
            })
            .unwrap_or_default())
    }
}
