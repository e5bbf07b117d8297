//! Announce a baked AMI: the new-AMI message (its schema is statemachines/schemas/new-ami.message.schema.json)
//! to the topic; without a topic, the message is still returned.

use contract::machines::bake::NewAmiMessage;
use contract::notifications;

use crate::{ActivityError, Clients};

pub use contract::activities::sns::announce_new_ami::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["sns:Publish"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    let message = NewAmiMessage {
        recipe: input.recipe,
        image_id: input.image_id,
        source_image_id: input.source_image_id,
        region: clients.sns.config().region().map(|r| r.to_string()).unwrap_or_default(),
        mode: input.mode,
        time: now.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default(),
    };
    let Some(topic) = input.topic_arn else {
        return Ok(Output { message, message_id: None });
    };
    let body = serde_json::to_string(&message).map_err(|e| ActivityError::new(crate::errors::AWS, e))?;
    let subject = format!("tuesday: new AMI for {}", message.recipe);
    let message_id = super::publish(clients, &topic, notifications::NEW_AMI, &subject, body).await?;
    Ok(Output { message, message_id })
}
