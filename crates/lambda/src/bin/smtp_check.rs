//! Lambda function `sendready-smtp-check`: SMTP connection checks. No AWS permissions;
//! network egress only.

use sendready_lambda::config::Config;
use sendready_lambda::routes::{bounded, smtp_check_routes};
use sendready_lambda::{runtime, state};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    runtime::init_logs();
    let config = Config::from_env()?;
    let smtp = Arc::new(state::smtp(&config)?);
    runtime::run(
        bounded(smtp_check_routes(), config.request_deadline),
        smtp,
        &config.tenant_claim,
    )
    .await
}
