//! Run PowerShell on instances over SSM (AWS-RunPowerShellScript); without commands, do nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub instance_ids: Vec<String>,
    pub commands: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub command_id: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.commands.is_empty() || input.instance_ids.is_empty() {
        return Ok(Output { command_id: None });
    }
    let sent = clients
        .ssm
        .send_command()
        .document_name("AWS-RunPowerShellScript")
        .set_instance_ids(Some(input.instance_ids))
        .parameters("commands", input.commands)
        .send()
        .await?;
    Ok(Output { command_id: sent.command().and_then(|c| c.command_id()).map(str::to_owned) })
}
