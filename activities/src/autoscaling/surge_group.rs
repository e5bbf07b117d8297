//! Surge: raise MaxSize if the surge needs it, and the desired capacity, in one update.

use super::require_group_name;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::surge_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:UpdateAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    if input.desired_capacity > input.max_size {
        return Err(ActivityError::invalid_input("desiredCapacity", "is above maxSize"));
    }
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&input.group_name)
        .max_size(input.max_size)
        .desired_capacity(input.desired_capacity)
        .send()
        .await?;
    Ok(Output { desired_capacity: input.desired_capacity })
}
