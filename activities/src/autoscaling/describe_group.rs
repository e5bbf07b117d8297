//! Describe one Auto Scaling group: its sizes and every instance's zone, lifecycle and health.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::describe;
use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub group_name: String,
    pub min_size: i32,
    pub max_size: i32,
    pub desired_capacity: i32,
    pub instances: Vec<Instance>,
    /// Instances both InService and Healthy: the capacity that serves traffic.
    pub in_service: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub instance_id: String,
    pub availability_zone: String,
    pub lifecycle_state: String,
    pub health_status: String,
    pub protected_from_scale_in: bool,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let instances: Vec<Instance> = group
        .instances()
        .iter()
        .map(|i| Instance {
            instance_id: i.instance_id().unwrap_or_default().to_owned(),
            availability_zone: i.availability_zone().unwrap_or_default().to_owned(),
            lifecycle_state: i.lifecycle_state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            health_status: i.health_status().unwrap_or_default().to_owned(),
            protected_from_scale_in: i.protected_from_scale_in().unwrap_or(false),
        })
        .collect();
    let in_service =
        instances.iter().filter(|i| i.lifecycle_state == "InService" && i.health_status == "Healthy").count();
    Ok(Output {
        group_name: input.group_name,
        min_size: group.min_size().unwrap_or_default(),
        max_size: group.max_size().unwrap_or_default(),
        desired_capacity: group.desired_capacity().unwrap_or_default(),
        instances,
        in_service,
    })
}
