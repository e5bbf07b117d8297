//! How one instance is doing: its state, and whether both status checks passed.

use aws_sdk_ec2::types::{InstanceStateName, SummaryStatus};

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::check_instance::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeInstanceStatus"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let described = clients
        .ec2
        .describe_instance_status()
        .instance_ids(&input.instance_id)
        .include_all_instances(true)
        .send()
        .await?;
    let status = described
        .instance_statuses()
        .first()
        .ok_or_else(|| ActivityError::not_found(format!("instance {}", input.instance_id)))?;
    let state = status.instance_state().and_then(|s| s.name());
    let checks_ok = [status.instance_status(), status.system_status()]
        .into_iter()
        .all(|summary| summary.and_then(|s| s.status()).is_none_or(|s| *s == SummaryStatus::Ok));
    Ok(Output {
        instance_id: input.instance_id,
        state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ready: state == Some(&InstanceStateName::Running) && checks_ok,
    })
}
