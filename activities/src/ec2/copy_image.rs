//! Copy a source AMI into the account: encrypted (with the recipe's KMS key, if any) and tagged with
//! the recipe and the source, so retention and the next bake can find it.

use super::baked_tags;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::copy_image::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:CopyImage"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let region = clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    let copied = clients
        .ec2
        .copy_image()
        .source_image_id(&input.source_image_id)
        .source_region(region)
        .name(super::image_name(&input.recipe, input.source_name.as_deref(), &input.source_image_id))
        .description(format!("tuesday recipe {} from {}", input.recipe, input.source_image_id))
        .encrypted(input.encryption.encrypted)
        .set_kms_key_id(input.encryption.kms_key_id.clone())
        .set_tag_specifications(Some(baked_tags(&input.recipe, &input.source_image_id, &input.tags)))
        .send()
        .await?;
    Ok(Output { image_id: copied.image_id().unwrap_or_default().to_owned() })
}
