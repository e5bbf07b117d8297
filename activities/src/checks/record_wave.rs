//! Append a wave's result to the run's progress.

use contract::machines::patch::Progress;

use crate::{ActivityError, Clients};

pub use contract::activities::checks::record_wave::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Progress, ActivityError> {
    let mut progress = input.progress;
    progress.index += 1;
    progress.results.push(input.result);
    Ok(progress)
}
