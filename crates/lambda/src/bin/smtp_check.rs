//! Lambda function `sendready-smtp-check`: SMTP connection checks. Network egress, and the
//! tenant table for its limits (checks per minute, failed sign-ins per host).

use sendready_lambda::config::Config;
use sendready_lambda::routes::{bounded, smtp_check_routes};
use sendready_lambda::state::Aws;
use sendready_lambda::{adapters, runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    runtime::init_logs();
    let config = Config::from_env()?;
    // The tenant table only, where the SMTP-check limits are counted.
    let conf = adapters::sdk::sdk_config().await;
    let aws = Aws::from_config(&conf, &config);
    let smtp = Arc::new(state::smtp(&config, aws.limiter)?);
    runtime::run(
        bounded(smtp_check_routes(), config.request_deadline),
        smtp,
        &config.tenant_claim,
    )
    .await
}
