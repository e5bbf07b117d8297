//! Verify a cycle: the group is back to its size and every InService instance runs the new image,
//! but those it left alone on purpose.

use aws_sdk_autoscaling::types::LifecycleState;

use super::describe;
use super::plan_cycle::running_images;
use crate::{errors, ActivityError, Clients};

pub use contract::activities::autoscaling::verify_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let in_service: Vec<String> = group
        .instances()
        .iter()
        .filter(|i| i.lifecycle_state() == Some(&LifecycleState::InService))
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    let stale: Vec<String> = running_images(clients, &in_service)
        .await?
        .into_iter()
        .filter(|(id, image)| *image != input.image_id && !input.left_alone.contains(id))
        .map(|(id, image)| format!("{id} runs {image}"))
        .collect();
    if !stale.is_empty() {
        let cause = format!("{} still has instances on another image: {}", input.group_name, stale.join(", "));
        return Err(ActivityError::new(errors::CONFLICT, cause));
    }
    if group.desired_capacity() != Some(input.desired_capacity) || in_service.len() != input.desired_capacity as usize {
        let cause = format!(
            "{} has {} InService instances and desired {:?}, expected {}",
            input.group_name,
            in_service.len(),
            group.desired_capacity(),
            input.desired_capacity
        );
        return Err(ActivityError::new(errors::CONFLICT, cause));
    }
    Ok(Output { instances: in_service.len(), image_id: input.image_id, finished_at: input.at })
}
