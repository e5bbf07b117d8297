//! Terminate exactly the given instances, decrementing the desired capacity, so Auto Scaling neither
//! replaces them nor picks others by its termination policy.

use std::collections::BTreeSet;

use super::{describe, instance_ids};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::terminate_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:TerminateInstanceInAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    // Instances already gone (a retry after a partial run) are skipped, not failed.
    let present: BTreeSet<String> = instance_ids(&group).into_iter().collect();
    let targets: Vec<String> = input.instance_ids.into_iter().filter(|id| present.contains(id)).collect();
    terminate(clients, &targets).await?;
    Ok(Output { terminated: targets })
}

pub(crate) async fn terminate(clients: &Clients, ids: &[String]) -> Result<(), ActivityError> {
    for id in ids {
        clients
            .autoscaling
            .terminate_instance_in_auto_scaling_group()
            .instance_id(id)
            .should_decrement_desired_capacity(true)
            .send()
            .await?;
    }
    Ok(())
}
