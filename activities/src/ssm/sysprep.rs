//! Sysprep the builder with its launch agent and shut it down (provisioners/sysprep.ps1). The command
//! ends with the instance, so the machine waits for the instance to stop, not for the command.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::sysprep::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:SendCommand"];

const SYSPREP: &str = include_str!("../../../provisioners/sysprep.ps1");

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let sent = clients
        .ssm
        .send_command()
        .document_name("AWS-RunPowerShellScript")
        .instance_ids(&input.instance_id)
        .parameters("commands", vec![SYSPREP.to_owned()])
        .send()
        .await
        .map_err(super::send_command::agent_not_online_yet)?;
    Ok(Output { command_id: sent.command().and_then(|c| c.command_id()).map(str::to_owned) })
}
