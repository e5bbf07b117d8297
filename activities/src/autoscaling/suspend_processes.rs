//! Suspend the processes that could undo a cycle: AZ rebalancing, alarms and scheduled actions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{require_group_name, CYCLE_SUSPENDS};
use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub suspended: Vec<String>,
}

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
