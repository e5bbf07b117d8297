//! Sort a bake's per-recipe results into baked, skipped, planned and failed.

use contract::machines::bake::Report;

use crate::{ActivityError, Clients};

pub use contract::activities::checks::summarize_bake::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

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
