//! Suspend the processes that could undo a cycle: AZ rebalancing, alarms and scheduled actions.

use super::{require_group_name, CYCLE_SUSPENDS};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::suspend_processes::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:SuspendProcesses"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let processes: Vec<String> = CYCLE_SUSPENDS.iter().map(|p| p.to_string()).collect();
    clients
        .autoscaling
        .suspend_processes()
        .auto_scaling_group_name(&input.group_name)
        .set_scaling_processes(Some(processes.clone()))
        .send()
        .await?;
    Ok(Output { suspended: processes })
}
