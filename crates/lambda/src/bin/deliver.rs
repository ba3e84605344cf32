//! Lambda function `sendready-deliver`, fed by the send queue (an SQS fair queue: message
//! group = tenant, with a dead-letter queue and an alarm): delivers each message a
//! `Prefer: respond-async` send queued, at most once, through the tenant's route, and
//! answers a partial batch response naming only the messages to deliver again (the
//! tenant's places all busy, a retryable refusal, a store that did not answer). IAM: the
//! tenant table, KMS Decrypt with the tenant in the encryption context, SES identity reads
//! and `SendEmail`, the queue; network egress for the tenants' SMTP servers.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let smtp = Arc::new(state::smtp(&config, aws.limiter.clone())?);
    let messages = Arc::new(aws.messages(smtp));
    lambda_runtime::run(service_fn(|e: LambdaEvent<serde_json::Value>| {
        let messages = messages.clone();
        async move { Ok::<_, lambda_http::Error>(messages.consume_batch(&e.payload).await) }
    }))
    .await
}
