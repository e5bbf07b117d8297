//! Merge the bees' histograms and counts into one report, and judge it against the thresholds. The
//! bees' results are read from S3, where their Distributed Map wrote them: a hundred histograms of a
//! million requests each would not fit in the execution's state.

use bees::{Report, Tally};
use contract::machines::validate::{BeeResult, Verdict};

use crate::{map_run, ActivityError, Clients};

pub use contract::activities::load::merge_bees::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["s3:GetObject"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Verdict, ActivityError> {
    let bees = map_run::results::<BeeResult>(clients, &input.results).await?;
    if !bees.unsucceeded.is_empty() {
        // The bees' Map tolerates no failure, so this is a map run someone else's hands changed.
        let what = format!("{} bees did not succeed", bees.unsucceeded.len());
        return Err(ActivityError::invalid_input("results", what));
    }
    let mut tally = Tally::default();
    for (i, result) in bees.outputs.iter().enumerate() {
        let bee =
            Tally::try_from(result).map_err(|e| ActivityError::invalid_input(&format!("bee {i}'s histogram"), e))?;
        tally.merge(&bee);
    }
    let mut report = Report::new(&tally, &input.thresholds);
    if let Some(watch) = &input.watched.group {
        report = report.watching(watch);
    }
    let text = format!("{} bees\n{}", bees.outputs.len(), report.text());
    Ok(Verdict {
        passed: report.passed,
        report: serde_json::to_value(&report).map_err(|e| ActivityError::new(crate::errors::AWS, e))?,
        text,
    })
}
