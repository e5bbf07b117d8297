//! Every activity's handler. The list of activities is the contract's (`for_each_activity!`), and each
//! names its module here as it does there: an activity the machines can name but nothing handles
//! does not compile.

use contract::Activity;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{autoscaling, checks, codebuild, declared, dynamodb, ec2, elbv2, load, sns, ssm, ActivityError, Clients};

macro_rules! handlers {
    ($($name:ident => $module:path),* $(,)?) => {
        /// Runs `activity` on a JSON payload.
        pub async fn invoke(clients: &Clients, activity: Activity, payload: Value) -> Result<Value, ActivityError> {
            match activity {
                $(Activity::$name => {
                    use $module as handler;
                    let input = parse(payload)?;
                    // On the heap: fifty handlers' futures in one match overflow a debug build's stack.
                    respond(declared::running(activity, Box::pin(handler::handle(clients, input))).await?)
                })*
            }
        }

        /// The AWS calls `activity` declares, as IAM actions.
        pub fn calls(activity: Activity) -> &'static [&'static str] {
            match activity {
                $(Activity::$name => {
                    use $module as handler;
                    handler::CALLS
                })*
            }
        }
    };
}

contract::for_each_activity!(handlers);

/// Deserialises an input, naming the field that is wrong.
pub fn parse<I: DeserializeOwned>(payload: Value) -> Result<I, ActivityError> {
    serde_path_to_error::deserialize(payload).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "input".to_owned() } else { path };
        ActivityError::invalid_input(&field, error.into_inner())
    })
}

fn respond<O: Serialize>(output: O) -> Result<Value, ActivityError> {
    serde_json::to_value(output).map_err(|error| ActivityError::new(crate::errors::AWS, error))
}
