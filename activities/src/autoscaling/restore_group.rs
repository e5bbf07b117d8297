//! Put back every setting a cycle touched: sizes, termination policies, and the processes it
//! suspended (those suspended before the cycle stay suspended).

use super::{require_group_name, CYCLE_SUSPENDS};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::restore_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:ResumeProcesses", "autoscaling:UpdateAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let snapshot = input.snapshot;
    let mut update = clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&input.group_name)
        .min_size(snapshot.min_size)
        .max_size(snapshot.max_size)
        .desired_capacity(snapshot.desired_capacity);
    if !snapshot.termination_policies.is_empty() {
        update = update.set_termination_policies(Some(snapshot.termination_policies.clone()));
    }
    update.send().await?;

    let resumed: Vec<String> = CYCLE_SUSPENDS
        .iter()
        .filter(|p| !snapshot.suspended_processes.iter().any(|s| s == *p))
        .map(|p| p.to_string())
        .collect();
    if !resumed.is_empty() {
        clients
            .autoscaling
            .resume_processes()
            .auto_scaling_group_name(&input.group_name)
            .set_scaling_processes(Some(resumed.clone()))
            .send()
            .await?;
    }
    Ok(Output { resumed })
}
