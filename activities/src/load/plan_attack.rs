//! Check a validation's attack and split it across bees (every request and connection kept).

use bees::split::split;
use contract::machines::validate::{AttackPlan, BeeOrder};

use crate::{ActivityError, Clients};

pub use contract::activities::load::plan_attack::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<AttackPlan, ActivityError> {
    if !input.url.starts_with("http://") {
        return Err(ActivityError::invalid_input("url", format!("'{}': give an http:// URL", input.url)));
    }
    let open = match (input.rate, input.duration_seconds) {
        (Some(rate), Some(seconds)) if rate > 0.0 && seconds > 0.0 => Some((rate, seconds)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ActivityError::invalid_input("durationSeconds", "the open model needs a duration"))
        }
        (None, Some(_)) => return Err(ActivityError::invalid_input("rate", "the open model needs a rate")),
        _ => return Err(ActivityError::invalid_input("rate", "rate and durationSeconds must be more than 0")),
    };
    let requests = match open {
        Some(_) => u64::from(input.concurrency),
        None => input.requests,
    };
    let shares = split(requests, input.concurrency, input.bees).map_err(|problem| {
        let (field, text) = problem.split_once(": ").unwrap_or(("bees", problem.as_str()));
        ActivityError::invalid_input(field, text)
    })?;
    let orders = shares
        .into_iter()
        .map(|(requests, concurrency)| BeeOrder {
            url: input.url.clone(),
            method: input.method.clone(),
            headers: input.headers.clone(),
            body: input.body.clone(),
            timeout_ms: input.timeout_ms,
            sticky_header: input.sticky_header.clone(),
            requests,
            concurrency,
            rate: open.map(|(rate, _)| rate * f64::from(concurrency) / f64::from(input.concurrency)),
            duration_seconds: open.map(|(_, seconds)| seconds),
        })
        .collect();
    Ok(AttackPlan { orders, thresholds: input.thresholds })
}
