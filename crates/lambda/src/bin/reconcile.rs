//! Lambda function `sendready-reconcile`, run on a schedule: compares the tenant registry
//! with SES and repairs what it safely can (phantom reservations released, finished
//! creates confirmed, orphans registered to their tenant again, untracked identities
//! enrolled in verification tracking), logging the report. IAM:
//! listing and reading SES identities, the tenant table.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use sendready_lambda::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (_, aws) = runtime::start().await?;
    let reconciler = aws.reconciler();
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let reconciler = reconciler.clone();
        async move {
            let report = reconciler
                .run()
                .await
                .map_err(|p| lambda_http::Error::from(p.detail.clone()))?;
            Ok::<_, lambda_http::Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
