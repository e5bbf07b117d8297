//! Register instances with every target group again: the rollback of a deregistration.

use super::targets;
use crate::{ActivityError, Clients};

pub use contract::activities::elbv2::register_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["elasticloadbalancing:RegisterTargets"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.instance_ids.is_empty() {
        return Ok(Output { registered: 0 });
    }
    for arn in &input.target_group_arns {
        clients
            .elbv2
            .register_targets()
            .target_group_arn(arn)
            .set_targets(Some(targets(&input.instance_ids)))
            .send()
            .await?;
    }
    Ok(Output { registered: input.instance_ids.len() })
}
