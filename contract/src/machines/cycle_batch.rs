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
    /// The old instances the batch terminated.
    pub replaced: Vec<String>,
    /// Old instances remain for another batch.
    pub more: bool,
    /// The next batch's number.
    pub next: u32,
}
