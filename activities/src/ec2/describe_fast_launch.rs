//! How EC2 Fast Launch is for a baked image, for the bake's wait until it is enabled.

use aws_sdk_ec2::types::DescribeFastLaunchImagesSuccessItem;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::describe_fast_launch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeFastLaunchImages"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    Ok(state_of(fast_launch_of(clients, &input.image_id).await?.as_ref()))
}

/// The image's EC2 Fast Launch, if it has it.
pub(crate) async fn fast_launch_of(
    clients: &Clients,
    image_id: &str,
) -> Result<Option<DescribeFastLaunchImagesSuccessItem>, ActivityError> {
    let described = clients.ec2.describe_fast_launch_images().image_ids(image_id).send().await?;
    Ok(described.fast_launch_images().iter().find(|i| i.image_id() == Some(image_id)).cloned())
}

pub(crate) fn state_of(fast_launch: Option<&DescribeFastLaunchImagesSuccessItem>) -> Output {
    Output {
        state: fast_launch.and_then(|f| f.state()).map(|s| s.as_str().to_owned()),
        reason: fast_launch.and_then(|f| f.state_transition_reason()).map(str::to_owned),
    }
}
