//! Lambda function `sendready-test-mail`: test messages through SES (`ses:SendEmail`,
//! reading the tenant table) and through a customer's SMTP server (egress).

use sendready_lambda::api::test_mail_routes;
use sendready_lambda::{AppState, AwsClients, config, lambda};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_logs();
    let conf = sendready_lambda::aws::sdk_config().await;
    let state = AppState {
        smtp: Arc::new(config::smtp_from_env()?),
        aws: Some(Arc::new(AwsClients::new(&conf, &config::table()))),
        dns: None,
    };
    lambda::run(test_mail_routes(), state).await
}
