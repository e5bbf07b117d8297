//! Publish a JSON message of a kind (`workflow_gen::notifications`) to a topic; without a topic, do
//! nothing and say so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub topic_arn: Option<String>,
    pub kind: String,
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
    if !workflow_gen::notifications::ALL.contains(&input.kind.as_str()) {
        let kinds = workflow_gen::notifications::ALL.join(", ");
        return Err(ActivityError::invalid_input("kind", format!("'{}' is not one of {kinds}", input.kind)));
    }
    let message_id = super::publish(clients, &topic, &input.kind, &input.subject, input.message.to_string()).await?;
    Ok(Output { message_id })
}
