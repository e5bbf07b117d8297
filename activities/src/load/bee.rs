//! One bee: attack its share and return its histogram, compressed, and its counts.

use std::sync::Arc;
use std::time::Duration;

use bees::{Attack, Load, Trust};

use crate::{ActivityError, Clients};

pub use contract::activities::load::bee::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, order: Input) -> Result<Output, ActivityError> {
    let load = match (order.rate, order.duration_seconds) {
        (Some(rate), Some(seconds)) => {
            Load::Open { rate, duration: Duration::from_secs_f64(seconds), concurrency: order.concurrency }
        }
        (None, Some(seconds)) => {
            Load::ClosedFor { duration: Duration::from_secs_f64(seconds), concurrency: order.concurrency }
        }
        (_, None) => Load::Closed { requests: order.requests, concurrency: order.concurrency },
    };
    let attack = Attack {
        url: order.url,
        method: order.method,
        headers: order.headers.into_iter().collect(),
        body: order.body,
        timeout: Duration::from_millis(order.timeout_ms),
        sticky_header: order.sticky_header,
        trust: Trust { ca_pem: order.ca_cert_pem, insecure: order.insecure },
        load,
    };
    let tally = attack.run(Arc::new(bees::Progress::default())).await.map_err(|error| match error {
        bees::attack::AttackError::Invalid { field, problem } => ActivityError::invalid_input(field, problem),
    })?;
    Ok(Output::from(&tally))
}
