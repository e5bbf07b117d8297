//! Run a recipe's provisioners on its builder over SSM: the hostname fix every baked image gets, then
//! each provisioner's PowerShell, in order. The job carries the recipe's scripts once; the fix is
//! added here, not copied into every job.

use contract::machines::bake::Provisioner;

use super::send_command;
use crate::{ActivityError, Clients};

pub use contract::activities::ssm::provision::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:SendCommand"];

/// Runs first on every builder, whatever the recipe: see provisioners/keep-hostname.ps1.
pub const KEEP_HOSTNAME: &str = include_str!("../../../provisioners/keep-hostname.ps1");

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let commands = script(&input.provisioners);
    let command_id = send_command::powershell(clients, vec![input.instance_id], commands).await?;
    Ok(Output { command_id: Some(command_id) })
}

/// What a builder runs: the hostname fix, then every provisioner (also the Packer build's script).
pub fn script(provisioners: &[Provisioner]) -> Vec<String> {
    std::iter::once(KEEP_HOSTNAME.to_owned())
        .chain(provisioners.iter().flat_map(|p| p.powershell.iter().cloned()))
        .collect()
}
