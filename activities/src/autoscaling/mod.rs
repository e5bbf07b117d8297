//! Activities that call EC2 Auto Scaling.

pub mod check_new_instances;
pub mod describe_group;
pub mod describe_instance_refresh;
pub mod find_groups;
pub mod lock_group;
pub mod plan_cycle;
pub mod plan_group_update;
pub mod remove_new_instances;
pub mod restore_group;
pub mod start_instance_refresh;
pub mod surge_group;
pub mod suspend_processes;
pub mod terminate_instances;
pub mod unlock_group;
pub mod verify_group;

use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchTemplateSpecification};

use crate::{ActivityError, Clients};

/// The tag that marks a group as being cycled, with the owning execution as its value.
pub const LOCK_TAG: &str = "tuesday:lock";

/// What a cycle suspends: rebalancing across zones would terminate instances of its own choosing,
/// and alarms or schedules could scale the new instances in.
pub const CYCLE_SUSPENDS: [&str; 3] = ["AZRebalance", "AlarmNotification", "ScheduledActions"];

pub(crate) async fn describe(clients: &Clients, group_name: &str) -> Result<AutoScalingGroup, ActivityError> {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group_name).send().await?;
    described
        .auto_scaling_groups()
        .first()
        .cloned()
        .ok_or_else(|| ActivityError::not_found(format!("Auto Scaling group {group_name}")))
}

/// The ids of a group's instances.
pub(crate) fn instance_ids(group: &AutoScalingGroup) -> Vec<String> {
    group.instances().iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect()
}

/// A group name an activity was given, checked before any call.
pub(crate) fn require_group_name(group_name: &str) -> Result<(), ActivityError> {
    if group_name.trim().is_empty() {
        return Err(ActivityError::invalid_input("groupName", "must not be empty"));
    }
    Ok(())
}

/// The launch template a group launches from: its own, or its mixed instances policy's.
pub(crate) fn launch_template_of(group: &AutoScalingGroup) -> Option<&LaunchTemplateSpecification> {
    group.launch_template().or_else(|| {
        group.mixed_instances_policy().and_then(|p| p.launch_template()).and_then(|t| t.launch_template_specification())
    })
}
