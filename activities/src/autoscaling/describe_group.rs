//! Describe one Auto Scaling group: its sizes and every instance's zone, lifecycle and health.

use super::describe;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::describe_group::{Input, Instance, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeAutoScalingGroups"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let instances: Vec<Instance> = group
        .instances()
        .iter()
        .map(|i| Instance {
            instance_id: i.instance_id().unwrap_or_default().to_owned(),
            availability_zone: i.availability_zone().unwrap_or_default().to_owned(),
            lifecycle_state: i.lifecycle_state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            health_status: i.health_status().unwrap_or_default().to_owned(),
            protected_from_scale_in: i.protected_from_scale_in().unwrap_or(false),
        })
        .collect();
    let in_service =
        instances.iter().filter(|i| i.lifecycle_state == "InService" && i.health_status == "Healthy").count();
    Ok(Output {
        group_name: input.group_name,
        min_size: group.min_size().unwrap_or_default(),
        max_size: group.max_size().unwrap_or_default(),
        desired_capacity: group.desired_capacity().unwrap_or_default(),
        instances,
        in_service,
    })
}
