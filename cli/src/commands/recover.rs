//! `tuesday recover <group>`: start the deployed stack's `recover` machine for one group and wait for
//! it. It puts the group back from the lock its cycle left (or finishes that cycle) and releases the
//! lock; it refuses a lock whose cycle still runs. Locally, `tuesday run recover` does the same on the
//! emulator.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Context};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use super::CommandResult;
use crate::args::AwsArgs;
use crate::out;

/// How often the execution is asked how it is going.
const POLL: Duration = Duration::from_secs(5);

pub async fn run(group: &str, stack: &str, account: &AwsArgs) -> CommandResult {
    let config = crate::aws::config(account).await?;
    let sfn = aws_sdk_sfn::Client::new(&config);
    let name = machine_name(stack);
    let machine = find_machine(&sfn, &name).await?;
    let input = json!({ "groupName": group }).to_string();
    let started = sfn.start_execution().state_machine_arn(&machine).input(input).send().await?;
    let execution = started.execution_arn();
    out::say(format_args!("recovering {group}: {execution}"));
    let described = loop {
        let described = sfn.describe_execution().execution_arn(execution).send().await?;
        if *described.status() != ExecutionStatus::Running {
            break described;
        }
        tokio::time::sleep(POLL).await;
    };
    match described.status() {
        ExecutionStatus::Succeeded => {
            out::say(described.output().unwrap_or("{}"));
            Ok(ExitCode::SUCCESS)
        }
        status => {
            let why = [described.error(), described.cause()].into_iter().flatten().collect::<Vec<_>>().join(": ");
            out::say(format_args!("{name} ended {}: {why}", status.as_str()));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The stack's recover machine, as the CDK app names it.
fn machine_name(stack: &str) -> String {
    format!("{stack}-recover")
}

async fn find_machine(sfn: &aws_sdk_sfn::Client, name: &str) -> anyhow::Result<String> {
    let mut pages = sfn.list_state_machines().into_paginator().items().send();
    while let Some(machine) = pages.next().await {
        let machine = machine.context("listing the account's state machines")?;
        if machine.name() == name {
            return Ok(machine.state_machine_arn().to_owned());
        }
    }
    Err(anyhow!("no state machine {name} in this account and region: is the stack deployed (./just deploy)?"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_machine_is_named_as_the_cdk_app_names_it() {
        // cdk/lib/machines.ts: `${stack.stackName}-${file.stem}`.
        assert_eq!(super::machine_name("tuesday"), "tuesday-recover");
    }
}
