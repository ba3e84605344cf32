//! Lambda function `sendready-identities`: identities, Route 53, live DNS checks, the
//! sender check and tenant users. IAM: SES identity calls, Route 53 on the allowed zones,
//! the tenant table.

use sendready_lambda::api::identity_routes;
use sendready_lambda::{AppState, AwsClients, config, dnscheck, lambda, smtp};
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_logs();
    let conf = sendready_lambda::aws::sdk_config().await;
    let mut aws = AwsClients::new(&conf, &config::table());
    aws.hosted_zones = config::hosted_zones();
    let dns = match config::dns_from_env()? {
        Some(d) => d,
        None => dnscheck::Dns::new(None, Duration::from_secs(2))?,
    };
    let state = AppState {
        smtp: Arc::new(smtp::SmtpOptions::default()),
        aws: Some(Arc::new(aws)),
        dns: Some(Arc::new(dns)),
    };
    lambda::run(identity_routes(), state).await
}
