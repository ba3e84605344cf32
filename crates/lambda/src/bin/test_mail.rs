//! Lambda function `sendready-test-mail`: test messages through SES (`ses:SendEmail`,
//! reading the tenant table) and through a customer's SMTP server (egress), with a saved
//! secret (KMS `Decrypt` on the settings key) only at the server it was saved for.

use sendready_lambda::routes::{bounded, test_mail_routes};
use sendready_lambda::runtime;
use sendready_lambda::state::{self, TestMailState};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let st = TestMailState {
        smtp: Arc::new(aws.with_saved_secrets(state::smtp(&config, aws.limiter.clone())?)),
        test_mail: Arc::new(aws.test_mail(config.test_mail_any_recipient)),
    };
    runtime::run(
        bounded(test_mail_routes(), config.request_deadline),
        st,
        &config.tenant_claim,
    )
    .await
}
