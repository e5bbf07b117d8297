//! One look at a group under watch during a load test: its desired capacity and the instances
//! serving, added to what the watch has seen.

use aws_sdk_autoscaling::types::LifecycleState;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use super::describe;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::watch_group::{Input, Output};
use contract::machines::validate::GroupSample;

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeAutoScalingGroups"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut watch = input.watch;
    let group = describe(clients, &watch.group_name).await?;
    let in_service = group
        .instances()
        .iter()
        .filter(|i| i.lifecycle_state() == Some(&LifecycleState::InService) && i.health_status() == Some("Healthy"))
        .count();
    let seconds = match watch.samples.first() {
        Some(first) => seconds_between(&first.at, &input.at)?,
        None => 0.0,
    };
    watch.samples.push(GroupSample {
        at: input.at,
        seconds,
        desired: group.desired_capacity().unwrap_or_default(),
        in_service: in_service as u32,
    });
    watch.done = watch.samples.len() >= watch.samples_wanted as usize;
    Ok(watch)
}

/// Seconds from one ISO 8601 time to another.
pub(crate) fn seconds_between(from: &str, to: &str) -> Result<f64, ActivityError> {
    Ok(parse(to)?.as_secs_f64() - parse(from)?.as_secs_f64())
}

pub(crate) fn parse(at: &str) -> Result<DateTime, ActivityError> {
    DateTime::from_str(at, Format::DateTime)
        .map_err(|e| ActivityError::invalid_input("at", format!("'{at}' is not an ISO 8601 time: {e}")))
}
