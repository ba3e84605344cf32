//! Lambda function `sendready-events`, fed by the SES events queue (an EventBridge rule
//! for SES's events, `source` `aws.ses`, to SQS with a dead-letter queue): records each
//! event of a tenant's configuration set once, however often it is delivered, and counts
//! it for the tenant's rates. It answers a partial batch response: only the messages
//! whose event could not be stored are delivered again (and after five receives land in
//! the dead-letter queue, which has an alarm); an event that is not a tenant's is logged
//! and dropped. Invoked directly with one EventBridge event, it consumes that one and a
//! failure is an error. IAM: the tenant table, the queue.

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
            if e.payload.get("Records").is_some() {
                return Ok::<_, lambda_http::Error>(events.consume_batch(&e.payload).await);
            }
            let consumed = events.consume(&e.payload).await?;
            match &consumed {
                Consumed::Ignored(why) => tracing::warn!(why = %why, "event ignored"),
                c => tracing::info!(outcome = ?c, "event consumed"),
            }
            Ok(serde_json::json!({ "outcome": format!("{consumed:?}") }))
        }
    }))
    .await
}
