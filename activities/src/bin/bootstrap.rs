//! Serves one activity as a Lambda function. Every function deploys this same binary; the
//! function's handler name (`_HANDLER`) chooses the activity.

use activities::{registry, Clients};
use contract::Activity;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = std::env::var("_HANDLER").map_err(|_| "_HANDLER is not set: it names the activity to serve")?;
    let activity = Activity::named(&handler).ok_or_else(|| format!("no activity named '{handler}'"))?;
    let clients = Clients::from_env().await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| registry::invoke(&clients, activity, event.payload)))
        .await
}
