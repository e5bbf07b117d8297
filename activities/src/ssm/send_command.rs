//! Run PowerShell on instances over SSM (AWS-RunPowerShellScript); without commands, do nothing.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::send_command::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:SendCommand"];

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
        .await
        .map_err(agent_not_online_yet)?;
    Ok(Output { command_id: sent.command().and_then(|c| c.command_id()).map(str::to_owned) })
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
