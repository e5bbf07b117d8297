//! Publish a JSON message of a kind (`contract::notifications`) to a topic; without a topic, do
//! nothing and say so.

use crate::{ActivityError, Clients};

pub use contract::activities::sns::publish_message::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["sns:Publish"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let Some(topic) = input.topic_arn else {
        return Ok(Output { message_id: None });
    };
    if !contract::notifications::ALL.contains(&input.kind.as_str()) {
        let kinds = contract::notifications::ALL.join(", ");
        return Err(ActivityError::invalid_input("kind", format!("'{}' is not one of {kinds}", input.kind)));
    }
    let message_id = super::publish(clients, &topic, &input.kind, &input.subject, input.message.to_string()).await?;
    Ok(Output { message_id })
}
