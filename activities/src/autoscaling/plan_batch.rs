//! Plan the next batch of a cycle, reading only: the instances holding capacity now (any other is
//! the batch's new), where they are, the plan's old instances still to replace, and how many the
//! batch adds: the surge, or what is left of the old ones.

use std::collections::BTreeSet;

use contract::machines::cycle::Batch;

use super::plan_cycle::{per_zone, staying};
use super::{describe, require_group_name};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::plan_batch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeAutoScalingGroups"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Batch, ActivityError> {
    require_group_name(&input.group_name)?;
    let surge = u32::try_from(input.surge).ok().filter(|surge| *surge > 0);
    let surge = surge.ok_or_else(|| ActivityError::invalid_input("surge", "must be at least 1"))?;
    let group = describe(clients, &input.group_name).await?;
    let old: BTreeSet<&str> = input.old_instances.iter().map(String::as_str).collect();
    let staying = staying(&group);
    let ids = || staying.iter().filter_map(|i| i.instance_id());
    let remaining: Vec<String> = ids().filter(|id| old.contains(id)).map(str::to_owned).collect();
    let left = u32::try_from(remaining.len()).unwrap_or(u32::MAX);
    let size = surge.min(left);
    Ok(Batch {
        present: ids().map(str::to_owned).collect(),
        per_zone: per_zone(staying.iter().copied()),
        remaining,
        size,
        desired_capacity: group.desired_capacity().unwrap_or_default() + i32::try_from(size).unwrap_or(i32::MAX),
        more: left > size,
    })
}
