//! Amazon Route 53 through the AWS SDK: every Route 53 call the backend makes.

use super::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::route53::{ChangeInfo, Route53};
use async_trait::async_trait;
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
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

    async fn upsert(
        &self,
        zone_id: &str,
        comment: &str,
        records: &[DnsRecord],
    ) -> Result<ChangeInfo, AwsError> {
        let mut batch = ChangeBatch::builder().comment(comment);
        for r in records {
            let change = Change::builder()
                .action(ChangeAction::Upsert)
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
