//! Are the new instances ready? Each must run the new image, be InService and Healthy in the group,
//! and healthy in every target group the group serves.

use std::collections::BTreeSet;

use aws_sdk_autoscaling::types::LifecycleState;
use aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum;

use super::describe;
use super::plan_cycle::running_images;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::check_new_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances", "elasticloadbalancing:DescribeTargetHealth"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let old: BTreeSet<&str> = input.old_instances.iter().map(String::as_str).collect();
    let new: Vec<_> = group.instances().iter().filter(|i| !old.contains(i.instance_id().unwrap_or_default())).collect();

    let mut healthy_in_every_target_group: Option<BTreeSet<String>> = None;
    for arn in &input.target_group_arns {
        let health = clients.elbv2.describe_target_health().target_group_arn(arn).send().await?;
        let healthy: BTreeSet<String> = health
            .target_health_descriptions()
            .iter()
            .filter(|d| d.target_health().and_then(|h| h.state()) == Some(&TargetHealthStateEnum::Healthy))
            .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
            .collect();
        healthy_in_every_target_group = Some(match healthy_in_every_target_group {
            None => healthy,
            Some(so_far) => so_far.intersection(&healthy).cloned().collect(),
        });
    }

    let (mut ready_ids, mut unhealthy) = (Vec::new(), Vec::new());
    for instance in &new {
        let id = instance.instance_id().unwrap_or_default().to_owned();
        let in_group = instance.lifecycle_state() == Some(&LifecycleState::InService)
            && instance.health_status() == Some("Healthy");
        let in_targets = healthy_in_every_target_group.as_ref().is_none_or(|healthy| healthy.contains(&id));
        if in_group && in_targets {
            ready_ids.push(id);
        } else {
            unhealthy.push(id);
        }
    }
    let launched: Vec<String> = new.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let wrong_image: Vec<String> = running_images(clients, &launched)
        .await?
        .into_iter()
        .filter(|(_, image)| *image != input.image_id)
        .map(|(id, image)| format!("{id}: {image}"))
        .collect();
    let healthy = ready_ids.len() as u32;
    Ok(Output {
        wrong_image,
        ready: healthy >= input.expected && unhealthy.is_empty(),
        new_instances: new.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect(),
        healthy,
        expected: input.expected,
        unhealthy,
    })
}
