//! Run PowerShell on instances over SSM (AWS-RunPowerShellScript), in commands of at most 50
//! instances each (all SendCommand takes); without commands, do nothing.

use contract::activities::ssm::send_command::Sent;

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::send_command::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:SendCommand"];

/// The most instances one SendCommand names
/// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
const MAX_INSTANCES: usize = 50;

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut sent = Vec::new();
    if input.commands.is_empty() {
        return Ok(Output { sent });
    }
    for instance_ids in input.instance_ids.chunks(MAX_INSTANCES) {
        let command_id = powershell(clients, instance_ids.to_vec(), input.commands.clone()).await?;
        sent.push(Sent { command_id, instance_ids: instance_ids.to_vec() });
    }
    Ok(Output { sent })
}

/// Sends `commands` to `instance_ids` (at most 50): the command's id.
pub(crate) async fn powershell(
    clients: &Clients,
    instance_ids: Vec<String>,
    commands: Vec<String>,
) -> Result<String, ActivityError> {
    let sent = clients
        .ssm
        .send_command()
        .document_name("AWS-RunPowerShellScript")
        .set_instance_ids(Some(instance_ids))
        .parameters("commands", commands)
        .send()
        .await
        .map_err(agent_not_online_yet)?;
    let id = sent.command().and_then(|c| c.command_id());
    id.map(str::to_owned).ok_or_else(|| ActivityError::new(crate::errors::AWS, "SendCommand returned no command id"))
}

/// An instance whose SSM agent has not registered yet is refused as InvalidInstanceId: worth
/// another try, as a freshly booted Windows instance registers within minutes.
pub(crate) fn agent_not_online_yet<E, R>(error: aws_sdk_ssm::error::SdkError<E, R>) -> ActivityError
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = match &error {
        aws_sdk_ssm::error::SdkError::ServiceError(e) => e.err().code().map(str::to_owned),
        _ => None,
    };
    match code.as_deref() {
        Some("InvalidInstanceId") => {
            ActivityError::new(crate::errors::RETRYABLE, format!("the SSM agent is not online yet: {error}"))
        }
        _ => ActivityError::from(error),
    }
}
