//! Release a group's lock, if this execution holds it.

use aws_sdk_autoscaling::types::Tag;

use super::lock_group::lock_holder;
use super::{describe, LOCK_TAG};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::unlock_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DeleteTags", "autoscaling:DescribeAutoScalingGroups"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    if lock_holder(&group).as_deref() != Some(input.owner.as_str()) {
        return Ok(Output { released: false });
    }
    let tag = Tag::builder().resource_id(&input.group_name).resource_type("auto-scaling-group").key(LOCK_TAG).build();
    clients.autoscaling.delete_tags().tags(tag).send().await?;
    Ok(Output { released: true })
}
