//! How an SSM command is doing on one instance.

use schemars::JsonSchema;
use serde::Deserialize;

pub use workflow_gen::machines::bake_recipe::CommandCheck as Output;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// Null when there was nothing to run: reported as a success.
    pub command_id: Option<String>,
    pub instance_id: String,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let Some(command_id) = input.command_id else {
        return Ok(Output { command_id: None, status: "Success".into() });
    };
    let invocation =
        clients.ssm.get_command_invocation().command_id(&command_id).instance_id(&input.instance_id).send().await?;
    Ok(Output {
        command_id: Some(command_id),
        status: invocation.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
    })
}
