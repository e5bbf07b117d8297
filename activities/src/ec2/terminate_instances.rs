//! Terminate stand-alone instances (a builder, a boot test); gone ones are not an error.

use crate::{errors, ActivityError, Clients};

pub use contract::activities::ec2::terminate_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:TerminateInstances"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.instance_ids.is_empty() {
        return Ok(Output { terminated: Vec::new() });
    }
    match clients.ec2.terminate_instances().set_instance_ids(Some(input.instance_ids.clone())).send().await {
        Ok(_) => Ok(Output { terminated: input.instance_ids }),
        Err(error) => match ActivityError::from(error) {
            gone if gone.name == errors::NOT_FOUND => Ok(Output { terminated: Vec::new() }),
            other => Err(other),
        },
    }
}
