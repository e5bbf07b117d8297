//! Deregister instances from every target group and Classic Load Balancer, and report how long
//! draining takes: the longest deregistration delay or connection draining timeout among them.
//! Draining protects requests in flight; sticky clients are re-pinned to another target, which is
//! why a cycle drains before it terminates.

use super::classic::{self, Standing};
use super::targets;
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::deregister_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:DescribeInstanceHealth",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
];

/// What AWS uses when the attribute is not set.
const DEFAULT_DEREGISTRATION_DELAY: u64 = 300;

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let delay_seconds = drain_seconds(clients, &input.target_group_arns, &input.load_balancer_names).await?;
    for arn in &input.target_group_arns {
        if !input.instance_ids.is_empty() {
            clients
                .elbv2
                .deregister_targets()
                .target_group_arn(arn)
                .set_targets(Some(targets(&input.instance_ids)))
                .send()
                .await?;
        }
    }
    for balancer in &input.load_balancer_names {
        // One it no longer holds, or already lets go, is no longer its to deregister.
        let registered = classic::registered(clients, balancer).await?;
        let holds = |id: &&String| registered.get(*id).is_some_and(|standing| *standing != Standing::Leaving);
        let held: Vec<String> = input.instance_ids.iter().filter(holds).cloned().collect();
        if !held.is_empty() {
            classic::deregister(clients, balancer, &held).await?;
        }
    }
    Ok(Output { delay_seconds })
}

/// How long draining takes: the longest deregistration delay or connection draining timeout of the
/// target groups and Classic Load Balancers.
pub async fn drain_seconds(
    clients: &Clients,
    target_group_arns: &[String],
    load_balancer_names: &[String],
) -> Result<u64, ActivityError> {
    let mut delay_seconds = 0;
    for arn in target_group_arns {
        let attributes = clients.elbv2.describe_target_group_attributes().target_group_arn(arn).send().await?;
        let delay = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
            .and_then(|a| a.value())
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_DEREGISTRATION_DELAY);
        delay_seconds = delay_seconds.max(delay);
    }
    for balancer in load_balancer_names {
        delay_seconds = delay_seconds.max(classic::draining_seconds(clients, balancer).await?);
    }
    Ok(delay_seconds)
}
