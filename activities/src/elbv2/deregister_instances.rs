//! Deregister instances from every target group, and report how long draining takes: the longest
//! deregistration delay among the groups. Draining protects requests in flight; sticky clients are
//! re-pinned to another target, which is why a cycle drains before it terminates.

use super::targets;
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::deregister_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DescribeTargetGroupAttributes"];

/// What AWS uses when the attribute is not set.
const DEFAULT_DEREGISTRATION_DELAY: u64 = 300;

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut delay_seconds = 0;
    for arn in &input.target_group_arns {
        let attributes = clients.elbv2.describe_target_group_attributes().target_group_arn(arn).send().await?;
        let delay = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
            .and_then(|a| a.value())
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_DEREGISTRATION_DELAY);
        delay_seconds = delay_seconds.max(delay);
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
    Ok(Output { delay_seconds })
}
