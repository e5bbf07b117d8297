//! Surge: raise MaxSize if the surge needs it, and the desired capacity, in one update.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::require_group_name;
use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: String,
    pub desired_capacity: i32,
    pub max_size: i32,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub desired_capacity: i32,
}

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
