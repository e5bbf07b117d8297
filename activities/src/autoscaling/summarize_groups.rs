//! Every group's result of an update, read from S3, where its Distributed Map wrote them: a group's
//! work always ends with its result, so a child execution that did not succeed was stopped or failed
//! outside it, and is told as its group failing, with the execution's error. Thousands of results
//! are counted, and only those that need a person listed.

use std::collections::BTreeMap;

use contract::machines::update::LISTED_GROUPS;
use serde_json::{json, Value};

use crate::{map_run, ActivityError, Clients};

pub use contract::activities::autoscaling::summarize_groups::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["s3:GetObject"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let results = map_run::results::<Value>(clients, &input.results).await?;
    let mut groups = results.outputs;
    for entry in results.unsucceeded {
        let request: Value = entry.input.as_deref().and_then(|i| serde_json::from_str(i).ok()).unwrap_or_default();
        groups.push(json!({
            "groupName": request["request"]["groupName"],
            "status": "failed",
            "error": entry.error.unwrap_or_else(|| "States.Runtime".into()),
            "reason": entry.cause.unwrap_or_else(|| "its execution did not succeed".into()),
        }));
    }
    groups.sort_by(|a, b| a["groupName"].as_str().cmp(&b["groupName"].as_str()));
    let mut counts = BTreeMap::new();
    for group in &groups {
        *counts.entry(group["status"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
    }
    let total = groups.len() as u32;
    let replaced = groups.iter().filter_map(|g| g["cycle"]["replaced"].as_array()).map(|r| r.len() as u32).sum();
    let listed_all = groups.len() <= LISTED_GROUPS;
    if !listed_all {
        groups.retain(|g| !matches!(g["status"].as_str(), Some("patched" | "skipped")));
        groups.truncate(LISTED_GROUPS);
    }
    Ok(Output { total, replaced, counts, groups, listed_all })
}
