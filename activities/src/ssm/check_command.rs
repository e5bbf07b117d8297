//! How an SSM command is doing on one instance.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::check_command::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:GetCommandInvocation"];

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
