//! How commands are doing on every instance they run on: done when each has ended, and which ended
//! otherwise than in success. An invocation not listed yet (Run Command lists them shortly after
//! SendCommand) is still running.

use aws_sdk_ssm::types::CommandInvocationStatus;

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::check_commands::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:ListCommandInvocations"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let (mut running, mut failed) = (0, Vec::new());
    for sent in &input.sent {
        let invocations = clients
            .ssm
            .list_command_invocations()
            .command_id(&sent.command_id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await?;
        for instance in &sent.instance_ids {
            let status = invocations.iter().find(|i| i.instance_id() == Some(instance)).and_then(|i| i.status());
            match status {
                Some(CommandInvocationStatus::Success) => {}
                Some(
                    ended @ (CommandInvocationStatus::Failed
                    | CommandInvocationStatus::Cancelled
                    | CommandInvocationStatus::TimedOut),
                ) => failed.push(format!("{instance}: {}", ended.as_str())),
                _ => running += 1,
            }
        }
    }
    Ok(Output { done: running == 0, running, failed })
}
