//! Activities that call AWS Systems Manager: parameters, and commands run on builders.

pub mod check_command;
pub mod check_commands;
pub mod claim_patch;
pub mod provision;
pub mod read_last_seen;
pub mod record_last_seen;
pub mod release_patch;
pub mod resolve_source_ami;
pub mod send_command;
pub mod sysprep;

use claim_patch::Holder;

use crate::{errors, ActivityError, Clients};

/// A parameter's value; None when there is no such parameter.
async fn parameter_value(clients: &Clients, name: &str) -> Result<Option<String>, ActivityError> {
    match clients.ssm.get_parameter().name(name).send().await {
        Ok(found) => Ok(found.parameter().and_then(|p| p.value()).map(str::to_owned)),
        Err(error) => match ActivityError::from(error) {
            missing if missing.name == errors::NOT_FOUND => Ok(None),
            other => Err(other),
        },
    }
}

/// Who holds the patch's claim, if anyone. Anything unreadable is no claim at all: it is taken over.
async fn holder(clients: &Clients, parameter: &str) -> Result<Option<Holder>, ActivityError> {
    Ok(parameter_value(clients, parameter).await?.and_then(|value| serde_json::from_str(&value).ok()))
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
