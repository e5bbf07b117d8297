//! Lock a group for one execution, with a tag: a second cycle of the same group is refused.

use aws_sdk_autoscaling::types::Tag;

use super::{describe, require_group_name, LOCK_TAG};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::lock_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:CreateOrUpdateTags", "autoscaling:DescribeAutoScalingGroups"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let group = describe(clients, &input.group_name).await?;
    if let Some(holder) = lock_holder(&group) {
        if holder != input.owner {
            return Err(ActivityError::conflict(format!(
                "{} is already being cycled by {holder}; it was left untouched",
                input.group_name
            )));
        }
    }
    let tag = Tag::builder()
        .resource_id(&input.group_name)
        .resource_type("auto-scaling-group")
        .key(LOCK_TAG)
        .value(&input.owner)
        .propagate_at_launch(false)
        .build();
    clients.autoscaling.create_or_update_tags().tags(tag).send().await?;
    Ok(Output { locked: true })
}

/// The execution holding the group's lock, if any.
pub(crate) fn lock_holder(group: &aws_sdk_autoscaling::types::AutoScalingGroup) -> Option<String> {
    group.tags().iter().find(|t| t.key() == Some(LOCK_TAG)).and_then(|t| t.value().map(str::to_owned))
}
