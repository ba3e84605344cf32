//! Lambda function `sendready-settings`: the tenant's email settings. IAM: the tenant
//! table (settings, history, the identities and limits it reads), KMS on the settings key
//! with the tenant in the encryption context, SES identity reads (the SES sender's
//! authorization); network egress for "Test connection and save".

use sendready_lambda::routes::{bounded, settings_routes};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let smtp = Arc::new(state::smtp(&config, aws.limiter.clone())?);
    let settings = Arc::new(aws.settings(smtp));
    runtime::run(
        bounded(settings_routes(), config.request_deadline),
        settings,
        &config.tenant_claim,
    )
    .await
}
