//! Plan the rolling back of the batches a failed cycle had finished, reading only: once the launch
//! template is put back, the instances they launched are old, and the image the template gives now
//! is the one to replace them with, in batches as the cycle replaced, under the same snapshot.

use std::collections::BTreeSet;

use contract::machines::cycle::Plan;

use super::plan_cycle::{per_zone, running_images, staying};
use super::{describe, launch_source, require_group_name};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::plan_rollback::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Plan, ActivityError> {
    let plan = input.plan;
    require_group_name(&plan.group_name)?;
    let group = describe(clients, &plan.group_name).await?;
    let image_id = launch_source(clients, &group).await?.image_id().to_owned();
    let old: BTreeSet<&str> = plan.old_instances.iter().map(String::as_str).collect();
    let found: Vec<String> = staying(&group)
        .into_iter()
        .filter_map(|i| i.instance_id().filter(|id| !old.contains(id)).map(str::to_owned))
        .collect();
    // Those the cycle launched, on its image (an instance refresh's rollback, or a relaunch, may
    // have put others there since, already on an image the template gives).
    let on_new_image: BTreeSet<String> = running_images(clients, &found)
        .await?
        .into_iter()
        .filter(|(_, image)| *image == plan.image_id)
        .map(|(id, _)| id)
        .collect();
    let launched: Vec<_> =
        group.instances().iter().filter(|i| i.instance_id().is_some_and(|id| on_new_image.contains(id))).collect();
    let count = i32::try_from(launched.len()).unwrap_or(i32::MAX);
    let surge = plan.surge.min(count).max(1);
    // A template the cycle did not change (no rollback) still gives the new image: nothing to undo.
    let nothing = count == 0 || image_id == plan.image_id;
    Ok(Plan {
        old_instances: launched.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect(),
        old_per_zone: per_zone(launched.iter().copied()),
        surge,
        batches: u32::try_from(count).unwrap_or(0).div_ceil(u32::try_from(surge).unwrap_or(1)),
        peak_capacity: plan.snapshot.desired_capacity + surge,
        max_size_during: plan.max_size_during.max(plan.snapshot.desired_capacity + surge),
        up_to_date: nothing,
        image_id,
        // Rolled back, the template is as it was: a recovery of these batches has none to put back.
        rollback: None,
        blockers: Vec::new(),
        ..plan
    })
}
