//! Image a stopped builder, tagged with the recipe and the source.

use super::baked_tags;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::create_image::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:CreateImage"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let created = clients
        .ec2
        .create_image()
        .instance_id(&input.instance_id)
        .name(super::image_name(&input.recipe, input.source_name.as_deref(), &input.source_image_id))
        .description(format!("tuesday recipe {} built from {}", input.recipe, input.source_image_id))
        .set_tag_specifications(Some(baked_tags(&input.recipe, &input.source_image_id, &input.tags)))
        .send()
        .await?;
    Ok(Output { image_id: created.image_id().unwrap_or_default().to_owned() })
}
