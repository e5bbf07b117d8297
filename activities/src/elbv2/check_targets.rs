//! Are the instances healthy in every target group? What a rollback waits for, once it has registered
//! the old instances again, before it removes the new ones that served meanwhile.

use std::collections::BTreeSet;

use super::states_of;
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::check_targets::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeInstances", "elasticloadbalancing:DescribeTargetHealth"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut waiting = BTreeSet::new();
    for arn in &input.target_group_arns {
        let states = states_of(clients, arn, &input.instance_ids).await?;
        // An instance stopped or terminated meanwhile will never serve again: nothing to wait for.
        waiting.extend(states.into_iter().filter(|h| h.state != "healthy" && !h.gone).map(|h| h.id));
    }
    Ok(Output { ready: waiting.is_empty(), waiting: waiting.into_iter().collect() })
}
