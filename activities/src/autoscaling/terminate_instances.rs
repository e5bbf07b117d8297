//! Terminate exactly the given instances, decrementing the desired capacity for each in service, so
//! Auto Scaling neither replaces them nor picks others by its termination policy. A Standby
//! instance is terminated without a decrement: the desired capacity does not count it.

use std::collections::BTreeSet;

use aws_sdk_autoscaling::types::LifecycleState;

use super::{describe, instance_ids};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::terminate_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:TerminateInstanceInAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    // Instances already gone (a retry after a partial run) are skipped, not failed.
    let standby: BTreeSet<&str> = group
        .instances()
        .iter()
        .filter(|i| i.lifecycle_state() == Some(&LifecycleState::Standby))
        .filter_map(|i| i.instance_id())
        .collect();
    let present: BTreeSet<String> = instance_ids(&group).into_iter().collect();
    let targets: Vec<String> = input.instance_ids.into_iter().filter(|id| present.contains(id)).collect();
    for id in &targets {
        // A Standby instance holds none of the desired capacity: decrementing for it would take
        // one from the instances in service.
        terminate(clients, id, !standby.contains(id.as_str())).await?;
    }
    Ok(Output { terminated: targets })
}

/// Terminates one instance of its group; `decrement` keeps Auto Scaling from launching a successor.
pub(crate) async fn terminate(clients: &Clients, id: &str, decrement: bool) -> Result<(), ActivityError> {
    clients
        .autoscaling
        .terminate_instance_in_auto_scaling_group()
        .instance_id(id)
        .should_decrement_desired_capacity(decrement)
        .send()
        .await?;
    Ok(())
}
