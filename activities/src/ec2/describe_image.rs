//! Describe one image: its state, for polls that wait until a copy or a build is available.

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::describe_image::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeImages"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let described = clients.ec2.describe_images().image_ids(&input.image_id).send().await?;
    let image =
        described.images().first().ok_or_else(|| ActivityError::not_found(format!("image {}", input.image_id)))?;
    Ok(Output {
        image_id: input.image_id,
        state: image.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        name: image.name().map(str::to_owned),
    })
}
