//! Announcements on an EventBridge bus: `PutEvents` with `source` `sendready`, the change's
//! `detail-type` (`Identity Verified`, `Identity Verification Failed`, `Records Changed`)
//! and the change as `detail`. An entry EventBridge refuses (`FailedEntryCount`) is an
//! error, so the change is announced again at the next look.

use super::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::announce::{Announced, Announcer, SOURCE};
use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// One EventBridge bus.
#[derive(Clone, Debug)]
pub struct EventBridge {
    client: Client,
    bus: String,
}

impl EventBridge {
    /// The announcer over `conf`, on the bus named `bus` (name or ARN).
    pub fn from_conf(conf: &aws_config::SdkConfig, bus: &str) -> Self {
        EventBridge {
            client: Client::new(conf),
            bus: bus.to_owned(),
        }
    }
}

#[async_trait]
impl Announcer for EventBridge {
    async fn announce(&self, a: &Announced) -> Result<(), AwsError> {
        const WHAT: &str = "Announcing an identity's change on EventBridge";
        let detail = serde_json::to_string(a).map_err(|e| build_error(WHAT, &e))?;
        let entry = PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(a.kind.detail_type())
            .detail(detail)
            .event_bus_name(&self.bus)
            .resources(&a.identity)
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        if out.failed_entry_count() > 0 {
            let first = out.entries().first();
            return Err(AwsError::service(
                "EventBridge",
                WHAT,
                first.and_then(|e| e.error_code()).unwrap_or("FailedEntry"),
                first
                    .and_then(|e| e.error_message())
                    .unwrap_or("EventBridge did not accept the event"),
            ));
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "eventbridge"
    }
}
