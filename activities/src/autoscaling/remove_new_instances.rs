//! Roll back a surge: terminate the instances that are not old ones, decrementing desired, but never
//! so many that the group holds fewer than it started with (a scale-in during the cycle may have taken
//! old ones): the surplus goes, unhealthy first, then the newest.

use std::collections::BTreeSet;

use super::describe;
use super::plan_cycle::staying;
use super::terminate_instances::terminate;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::remove_new_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:TerminateInstanceInAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let old: BTreeSet<&str> = input.old_instances.iter().chain(&input.left_alone).map(String::as_str).collect();
    // What holds capacity: instances on their way out do not.
    let staying = staying(&group);
    let surplus = usize::try_from(i32::try_from(staying.len()).unwrap_or(i32::MAX) - input.keep_at_least).unwrap_or(0);
    // Unhealthy first; the group lists instances as they launched, so the newest go before the others.
    let mut new: Vec<_> =
        staying.into_iter().filter(|i| i.instance_id().is_some_and(|id| !old.contains(id))).rev().collect();
    new.sort_by_key(|i| i.health_status() == Some("Healthy"));
    let ids: Vec<String> = new.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let (removed, kept) = ids.split_at(surplus.min(ids.len()));
    for id in removed {
        terminate(clients, id, true).await?;
    }
    Ok(Output { removed: removed.to_vec(), kept: kept.to_vec() })
}
