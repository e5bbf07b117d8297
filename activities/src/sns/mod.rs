//! Activities that publish to Amazon SNS.

use aws_sdk_sns::types::MessageAttributeValue;
use contract::notifications::KIND_ATTRIBUTE;

use crate::{ActivityError, Clients};

pub mod announce_new_ami;
pub mod publish_digest;
pub mod publish_message;

/// Publishes `message` to `topic` with its `kind` (`contract::notifications`) as the message
/// attribute subscribers filter on; returns the message id.
async fn publish(
    clients: &Clients,
    topic: &str,
    kind: &str,
    subject: &str,
    message: String,
) -> Result<Option<String>, ActivityError> {
    let kind = MessageAttributeValue::builder()
        .data_type("String")
        .string_value(kind)
        .build()
        .map_err(|e| ActivityError::new(crate::errors::AWS, e))?;
    let published = clients
        .sns
        .publish()
        .topic_arn(topic)
        .subject(subject)
        .message(message)
        .message_attributes(KIND_ATTRIBUTE, kind)
        .send()
        .await?;
    Ok(published.message_id().map(str::to_owned))
}
