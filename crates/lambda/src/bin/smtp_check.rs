//! Lambda function `sendready-smtp-check`: SMTP connection checks. Network egress, the
//! tenant table for its limits (checks per minute, failed sign-ins per host) and the saved
//! settings, and KMS `Decrypt` on the settings key to sign in with a saved secret at the
//! one server it was saved for.

use sendready_lambda::routes::{bounded, smtp_check_routes};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // The tenant table (the SMTP-check limits, the saved settings) and KMS to open a saved
    // secret for the server it was saved for.
    let (config, aws) = runtime::start().await?;
    let smtp = Arc::new(aws.with_saved_secrets(state::smtp(&config, aws.limiter.clone())?));
    runtime::run(
        bounded(smtp_check_routes(), config.request_deadline),
        smtp,
        &config.tenant_claim,
    )
    .await
}
