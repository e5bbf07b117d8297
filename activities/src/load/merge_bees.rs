//! Merge the bees' histograms and counts into one report, and judge it against the thresholds.

use bees::{Report, Tally, Thresholds};
use contract::machines::validate::Verdict;

use crate::{ActivityError, Clients};

pub use contract::activities::load::merge_bees::{Input, Output};

pub async fn handle(_: &Clients, input: Input) -> Result<Verdict, ActivityError> {
    let mut tally = Tally::default();
    for (i, result) in input.results.iter().enumerate() {
        let bee =
            Tally::try_from(result).map_err(|e| ActivityError::invalid_input(&format!("results[{i}].histogram"), e))?;
        tally.merge(&bee);
    }
    let limits = input.thresholds;
    let thresholds = Thresholds {
        max_mean_ms: limits.max_mean_ms,
        min_rps: limits.min_rps,
        max_error_rate: limits.max_error_rate,
        max_p99_ms: limits.max_p99_ms,
    };
    let report = Report::new(&tally, &thresholds);
    let text = format!("{} bees\n{}", input.results.len(), report.text());
    Ok(Verdict {
        passed: report.passed,
        report: serde_json::to_value(&report).map_err(|e| ActivityError::new(crate::errors::AWS, e))?,
        text,
    })
}
