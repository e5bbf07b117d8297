//! Register instances with every target group and Classic Load Balancer again, those not registered
//! there now: the rollback of a deregistration. A target still registered is left as it is, serving;
//! an instance stopped or terminated meanwhile cannot be registered.

use super::classic::{self, Standing};
use super::{running, states_of, targets};
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::register_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "ec2:DescribeInstances",
    "elasticloadbalancing:DescribeInstanceHealth",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
    "elasticloadbalancing:RegisterTargets",
];

/// Target states of an instance that is not in the target group, or is leaving it.
const OUT: [&str; 2] = ["unused", "draining"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let (mut registered, mut healthy_after_seconds) = (0, 0);
    for arn in &input.target_group_arns {
        let states = states_of(clients, arn, &input.instance_ids).await?;
        let out: Vec<String> =
            states.into_iter().filter(|h| OUT.contains(&h.state.as_str()) && !h.gone).map(|h| h.id).collect();
        if out.is_empty() {
            continue;
        }
        clients.elbv2.register_targets().target_group_arn(arn).set_targets(Some(targets(&out))).send().await?;
        registered += out.len();
        healthy_after_seconds = healthy_after_seconds.max(initial_checks_seconds(clients, arn).await?);
    }
    let running = match input.load_balancer_names.is_empty() {
        true => Default::default(),
        false => running(clients, &input.instance_ids).await?,
    };
    for balancer in &input.load_balancer_names {
        let held = classic::registered(clients, balancer).await?;
        let out: Vec<String> =
            running.iter().filter(|id| matches!(held.get(*id), None | Some(Standing::Leaving))).cloned().collect();
        if out.is_empty() {
            continue;
        }
        classic::register(clients, balancer, &out).await?;
        registered += out.len();
        let checks = classic::health_checks(clients, std::slice::from_ref(balancer)).await?;
        healthy_after_seconds = healthy_after_seconds.max(checks.passed);
    }
    Ok(Output { registered, healthy_after_seconds })
}

/// How long a newly registered target takes to pass its initial health checks, at the soonest
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
async fn initial_checks_seconds(clients: &Clients, target_group: &str) -> Result<u64, ActivityError> {
    let described = clients.elbv2.describe_target_groups().target_group_arns(target_group).send().await?;
    let group = described.target_groups().first();
    let interval = group.and_then(|g| g.health_check_interval_seconds()).unwrap_or(30);
    let threshold = group.and_then(|g| g.healthy_threshold_count()).unwrap_or(5);
    Ok(u64::try_from(interval * threshold).unwrap_or_default())
}
