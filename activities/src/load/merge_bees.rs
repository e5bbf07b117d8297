//! Merge the bees' histograms and counts into one report, and judge it against the thresholds.

use bees::{Report, Tally};
use contract::machines::validate::Verdict;

use crate::{ActivityError, Clients};

pub use contract::activities::load::merge_bees::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Verdict, ActivityError> {
    let mut tally = Tally::default();
    for (i, result) in input.results.iter().enumerate() {
        let bee =
            Tally::try_from(result).map_err(|e| ActivityError::invalid_input(&format!("results[{i}].histogram"), e))?;
        tally.merge(&bee);
    }
    let report = Report::new(&tally, &input.thresholds);
    let text = format!("{} bees\n{}", input.results.len(), report.text());
    Ok(Verdict {
        passed: report.passed,
        report: serde_json::to_value(&report).map_err(|e| ActivityError::new(crate::errors::AWS, e))?,
        text,
    })
}
