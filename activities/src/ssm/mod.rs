//! Activities that call AWS Systems Manager: parameters, and commands run on builders.

pub mod check_command;
pub mod claim_patch;
pub mod read_last_seen;
pub mod record_last_seen;
pub mod release_patch;
pub mod resolve_source_ami;
pub mod send_command;
pub mod sysprep;

use claim_patch::Holder;

use crate::{errors, ActivityError, Clients};

/// Who holds the patch's claim, if anyone.
async fn holder(clients: &Clients, parameter: &str) -> Result<Option<Holder>, ActivityError> {
    let value = match clients.ssm.get_parameter().name(parameter).send().await {
        Ok(found) => found.parameter().and_then(|p| p.value()).unwrap_or_default().to_owned(),
        Err(error) => match ActivityError::from(error) {
            missing if missing.name == errors::NOT_FOUND => return Ok(None),
            other => return Err(other),
        },
    };
    // Anything unreadable is no claim at all: it is taken over.
    Ok(serde_json::from_str(&value).ok())
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
