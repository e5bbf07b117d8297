//! A wave stands only if every group in it was patched or had nothing to do.

use crate::error::message_of;
use crate::{errors, ActivityError, Clients};

pub use contract::activities::checks::judge_wave::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Output, ActivityError> {
    let failures: Vec<String> = input
        .groups
        .iter()
        .filter(|g| !matches!(g["status"].as_str(), Some("patched" | "skipped")))
        .map(|g| {
            let name = g["groupName"].as_str().unwrap_or("?");
            let status = g["status"].as_str().unwrap_or("?");
            let reason = g["reason"].as_str().map(message_of).unwrap_or_else(|| "no reason given".into());
            format!("{name} {status}: {reason}")
        })
        .collect();
    if !failures.is_empty() {
        return Err(ActivityError::new(errors::WAVE_FAILED, failures.join("; ")));
    }
    Ok(Output { groups: input.groups.len() })
}
