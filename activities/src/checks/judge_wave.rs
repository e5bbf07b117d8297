//! A wave stands only if every group in it was patched or had nothing to do: counted over all of
//! them, the failures named as the update listed them.

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
    let counts = input.counts;
    let standing = |status: &str| matches!(status, "patched" | "skipped");
    let unpatched: u32 = counts.iter().filter(|(status, _)| !standing(status)).map(|(_, n)| n).sum();
    if unpatched > 0 {
        let unlisted = unpatched.saturating_sub(failures.len() as u32);
        let more = if unlisted > 0 { format!("; and {unlisted} more") } else { String::new() };
        return Err(ActivityError::new(errors::WAVE_FAILED, format!("{}{more}", failures.join("; "))));
    }
    Ok(Output { groups: counts.values().sum() })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_wave_fails_on_its_counts_naming_the_groups_listed_and_how_many_more() {
        let clients = crate::Clients::for_emulator("http://127.0.0.1:9", "us-east-1").await;
        let listed = vec![json!({ "groupName": "web-a", "status": "failed", "reason": "not all healthy" })];
        let counts = BTreeMap::from([("patched".to_owned(), 9_000), ("failed".to_owned(), 60)]);
        let judged = handle(&clients, Input { groups: listed, counts }).await.unwrap_err();
        assert_eq!(judged.name, errors::WAVE_FAILED);
        assert_eq!(judged.cause, "web-a failed: not all healthy; and 59 more");

        let counts = BTreeMap::from([("patched".to_owned(), 9_000), ("skipped".to_owned(), 1)]);
        let stood = handle(&clients, Input { groups: Vec::new(), counts }).await.unwrap();
        assert_eq!(stood.groups, 9_001);
    }
}
