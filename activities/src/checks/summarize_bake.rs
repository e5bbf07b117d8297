//! Sort a bake's per-recipe results into baked, skipped, planned and failed.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use workflow_gen::machines::bake::Report;

pub use workflow_gen::machines::bake::Report as Output;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub results: Vec<Value>,
}

pub async fn handle(_: &Clients, input: Input) -> Result<Report, ActivityError> {
    let mut report = Report::default();
    for (i, result) in input.results.into_iter().enumerate() {
        let list = match result["status"].as_str() {
            Some("baked") => &mut report.baked,
            Some("skipped") => &mut report.skipped,
            Some("planned") => &mut report.planned,
            Some("failed") => &mut report.failed,
            other => {
                return Err(ActivityError::invalid_input(
                    &format!("results[{i}].status"),
                    format!("{other:?} is not a bake status"),
                ))
            }
        };
        list.push(result);
    }
    Ok(report)
}
