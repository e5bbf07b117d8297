//! Activities that call Elastic Load Balancing.

pub mod check_targets;
pub(crate) mod classic;
pub mod deregister_instances;
pub mod register_instances;

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;
use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
pub use contract::activities::elbv2::Targets;

use crate::{ActivityError, Clients};

/// An instance's health in a target group.
struct Health {
    id: String,
    /// `healthy`, `initial`, `unhealthy`, `draining`, `unused`, ...
    state: String,
    /// Stopped or terminated: it can neither serve nor be registered.
    gone: bool,
}

/// Each instance's health in the target group; an instance no longer running is gone, whatever the
/// load balancer says of it (it may not know it at all: a long-gone target is an InvalidTarget).
async fn states_of(
    clients: &Clients,
    target_group: &str,
    instance_ids: &[String],
) -> Result<Vec<Health>, ActivityError> {
    let running = running(clients, instance_ids).await?;
    let gone = instance_ids.iter().filter(|id| !running.contains(*id));
    let mut states: Vec<Health> =
        gone.map(|id| Health { id: id.clone(), state: "unused".into(), gone: true }).collect();
    if running.is_empty() {
        return Ok(states);
    }
    let running: Vec<String> = running.into_iter().collect();
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(target_group)
        .set_targets(Some(targets(&running)))
        .send()
        .await?;
    states.extend(health.target_health_descriptions().iter().filter_map(|d| {
        let health = d.target_health();
        Some(Health {
            id: d.target()?.id()?.to_owned(),
            state: health.and_then(|h| h.state()).map(|s| s.as_str().to_owned()).unwrap_or_default(),
            gone: health.and_then(|h| h.reason()).map(|r| r.as_str()) == Some("Target.InvalidState"),
        })
    }));
    Ok(states)
}

/// Which of the instances are running or starting. Found by filter, not by id: EC2 refuses a
/// DescribeInstances naming an instance it no longer knows (InvalidInstanceID.NotFound).
async fn running(clients: &Clients, instance_ids: &[String]) -> Result<BTreeSet<String>, ActivityError> {
    if instance_ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let ids = Filter::builder().name("instance-id").set_values(Some(instance_ids.to_vec())).build();
    let states = Filter::builder().name("instance-state-name").values("pending").values("running").build();
    let mut pages = clients.ec2.describe_instances().filters(ids).filters(states).into_paginator().send();
    let mut running = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let instances = page?.reservations().iter().flat_map(|r| r.instances().to_vec()).collect::<Vec<_>>();
        running.extend(instances.iter().filter_map(|i| i.instance_id().map(str::to_owned)));
    }
    Ok(running)
}

pub(crate) fn targets(instance_ids: &[String]) -> Vec<TargetDescription> {
    instance_ids.iter().map(|id| TargetDescription::builder().id(id).build()).collect()
}
