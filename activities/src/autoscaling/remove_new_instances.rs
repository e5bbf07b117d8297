//! Roll back a surge: terminate every instance that is not one of the old ones, decrementing desired.

use std::collections::BTreeSet;

use super::terminate_instances::terminate;
use super::{describe, instance_ids};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::remove_new_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:TerminateInstanceInAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let old: BTreeSet<&String> = input.old_instances.iter().collect();
    let new: Vec<String> = instance_ids(&group).into_iter().filter(|id| !old.contains(id)).collect();
    terminate(clients, &new).await?;
    Ok(Output { removed: new })
}
