//! Lambda function `sendready-smtp-check`: SMTP connection checks. Network egress, and the
//! tenant table for its limits (checks per minute, failed sign-ins per host).

use sendready_lambda::routes::{bounded, smtp_check_routes};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // The tenant table only, where the SMTP-check limits are counted.
    let (config, aws) = runtime::start().await?;
    let smtp = Arc::new(state::smtp(&config, aws.limiter)?);
    runtime::run(
        bounded(smtp_check_routes(), config.request_deadline),
        smtp,
        &config.tenant_claim,
    )
    .await
}
