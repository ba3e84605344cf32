//! Lambda function `sendready-events`, the target of an EventBridge rule for SES's events
//! (`source` `aws.ses`): records each event of a tenant's configuration set once, however
//! often EventBridge delivers it, and counts it for the tenant's rates. A failure to
//! store is an error, so EventBridge retries the delivery; an event that is not a
//! tenant's is logged and dropped. IAM: the tenant table.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use sendready_lambda::runtime;
use sendready_lambda::service::events::Consumed;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (_, aws) = runtime::start().await?;
    let events = aws.events_service();
    lambda_runtime::run(service_fn(|e: LambdaEvent<serde_json::Value>| {
        let events = events.clone();
        async move {
            let consumed = events.consume(&e.payload).await?;
            match &consumed {
                Consumed::Ignored(why) => tracing::warn!(why = %why, "event ignored"),
                c => tracing::info!(outcome = ?c, "event consumed"),
            }
            Ok::<_, lambda_http::Error>(serde_json::json!({ "outcome": format!("{consumed:?}") }))
        }
    }))
    .await
}
