//! Check a cycle's request before anything happens (the lock included), naming the field that is
//! wrong: the checks the cycle's planning makes again under the lock.

use crate::autoscaling::plan_cycle;
use crate::ActivityError;

pub use contract::activities::checks::check_cycle_request::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &crate::Clients, input: Input) -> Result<Output, ActivityError> {
    plan_cycle::validate(&input)?;
    Ok(Output { checked: true })
}
