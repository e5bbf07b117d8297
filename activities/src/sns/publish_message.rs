//! Publish a JSON message to a topic; without a topic, do nothing and say so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub topic_arn: Option<String>,
    pub subject: String,
    pub message: Value,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub message_id: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let Some(topic) = input.topic_arn else {
        return Ok(Output { message_id: None });
    };
    let published =
        clients.sns.publish().topic_arn(topic).subject(input.subject).message(input.message.to_string()).send().await?;
    Ok(Output { message_id: published.message_id().map(str::to_owned) })
}
