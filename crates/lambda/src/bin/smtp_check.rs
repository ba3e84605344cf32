//! Lambda function `sendready-smtp-check`: SMTP connection checks. No AWS permissions;
//! network egress only.

use sendready_lambda::api::smtp_check_routes;
use sendready_lambda::{AppState, config, lambda};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_logs();
    let state = AppState {
        smtp: Arc::new(config::smtp_from_env()?),
        aws: None,
        dns: None,
    };
    lambda::run(smtp_check_routes(), state).await
}
