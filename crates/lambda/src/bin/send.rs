//! Lambda function `sendready-send`: `POST /v1/messages`, one message for a tenant
//! through its chosen route (scope `sendready/send`). IAM: the tenant table (settings,
//! identities, limits, Idempotency-Keys), KMS Decrypt on the settings key with the tenant
//! in the encryption context, SES identity reads and `SendEmail`; network egress for the
//! tenants' SMTP servers.

use sendready_lambda::routes::{bounded, send_routes};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let smtp = Arc::new(state::smtp(&config, aws.limiter.clone())?);
    let messages = Arc::new(aws.messages(smtp));
    runtime::run(
        bounded(send_routes(), config.request_deadline),
        messages,
        &config.tenant_claim,
    )
    .await
}
