//! Lambda function `sendready-identities`: identities, Route 53, live DNS checks, the
//! sender check and tenant users. IAM: SES identity calls, Route 53 on the allowed zones,
//! the tenant table.

use sendready_lambda::routes::{bounded, identity_routes};
use sendready_lambda::runtime;
use sendready_lambda::state::resolver;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let svc = Arc::new(aws.identities(resolver(&config)?, &config.hosted_zones));
    runtime::run(
        bounded(identity_routes(), config.request_deadline),
        svc,
        &config.tenant_claim,
    )
    .await
}
