//! cycle_batch: one batch of a cycle, a child execution of `cycle` (or of `recover` finishing one).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cycle::Plan;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: String,
    /// The execution holding the group's lock, in whose name the batch records its progress.
    pub owner: String,
    /// The batch's number, from 1.
    pub number: u32,
    pub plan: Plan,
}

/// What a batch did.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Replaced {
    pub number: u32,
    /// The instances the batch terminated: old ones, and any surplus new one (`Health::surplus`).
    pub replaced: Vec<String>,
    /// Old instances the group lost during the wait, to a scale-in or a replacement for their health.
    pub gone: Vec<String>,
    /// Old instances remain for another batch.
    pub more: bool,
    /// The next batch's number.
    pub next: u32,
}
