//! How an instance refresh is going.

use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::describe_instance_refresh::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeInstanceRefreshes"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let described = clients
        .autoscaling
        .describe_instance_refreshes()
        .auto_scaling_group_name(&input.group_name)
        .instance_refresh_ids(&input.instance_refresh_id)
        .send()
        .await?;
    let refresh = described.instance_refreshes().first().ok_or_else(|| {
        ActivityError::not_found(format!("instance refresh {} of {}", input.instance_refresh_id, input.group_name))
    })?;
    Ok(Output {
        instance_refresh_id: input.instance_refresh_id,
        status: refresh.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        percentage_complete: refresh.percentage_complete().unwrap_or_default(),
        status_reason: refresh.status_reason().map(str::to_owned),
    })
}
