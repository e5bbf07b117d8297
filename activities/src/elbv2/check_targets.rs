//! Are the instances healthy in every target group and InService in every Classic Load Balancer?
//! What a rollback waits for, once it has registered the old instances again, before it removes the
//! new ones that served meanwhile.

use std::collections::BTreeSet;

use super::classic::{self, Standing};
use super::{running, states_of};
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::check_targets::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "ec2:DescribeInstances",
    "elasticloadbalancing:DescribeInstanceHealth",
    "elasticloadbalancing:DescribeTargetHealth",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut waiting = BTreeSet::new();
    for arn in &input.target_group_arns {
        let states = states_of(clients, arn, &input.instance_ids).await?;
        // An instance stopped or terminated meanwhile will never serve again: nothing to wait for.
        waiting.extend(states.into_iter().filter(|h| h.state != "healthy" && !h.gone).map(|h| h.id));
    }
    if !input.load_balancer_names.is_empty() {
        let running = running(clients, &input.instance_ids).await?;
        for balancer in &input.load_balancer_names {
            let registered = classic::registered(clients, balancer).await?;
            waiting.extend(running.iter().filter(|id| registered.get(*id) != Some(&Standing::Serving)).cloned());
        }
    }
    Ok(Output { ready: waiting.is_empty(), waiting: waiting.into_iter().collect() })
}
