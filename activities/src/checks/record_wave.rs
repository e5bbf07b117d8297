//! Append a wave's result to the run's progress.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use workflow_gen::machines::patch::Progress;

pub use workflow_gen::machines::patch::Progress as Output;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub progress: Progress,
    pub result: Value,
}

pub async fn handle(_: &Clients, input: Input) -> Result<Progress, ActivityError> {
    let mut progress = input.progress;
    progress.index += 1;
    progress.results.push(input.result);
    Ok(progress)
}
