//! Copy a source AMI into the account: encrypted (with the recipe's KMS key, if any) and tagged with
//! the recipe and the source, so retention and the next bake can find it.

use aws_sdk_ec2::types::Tag;

use super::image_tags;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::copy_image::{Input, Output};

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
        .send()
        .await?;
    let image_id = copied.image_id().unwrap_or_default().to_owned();
    // Tagged in a call of its own: CopyImage's TagSpecifications are not honoured everywhere.
    let tags: Vec<Tag> = image_tags(&input.recipe, &input.source_image_id, &input.tags);
    clients.ec2.create_tags().resources(&image_id).set_tags(Some(tags)).send().await?;
    Ok(Output { image_id })
}
