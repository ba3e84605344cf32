//! Lambda function `sendready-track`, run every 5 minutes by an EventBridge schedule:
//! looks at each identity due for a look (SES's status, its records in live DNS), records
//! each change in the identity's history and announces it on the EventBridge bus
//! (`SENDREADY_ANNOUNCE_BUS`) and to the platform's webhook (`SENDREADY_WEBHOOK_URL`,
//! signed with `SENDREADY_WEBHOOK_SECRET`). IAM: reading SES identities, the tenant
//! table, `events:PutEvents` on the bus.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use sendready_lambda::ports::registry::now_secs;
use sendready_lambda::{runtime, state};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, aws) = runtime::start().await?;
    let tracker = aws.tracker(state::resolver(&config)?);
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let tracker = tracker.clone();
        async move {
            let report = tracker
                .run(now_secs())
                .await
                .map_err(|p| lambda_http::Error::from(p.detail.clone()))?;
            Ok::<_, lambda_http::Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
