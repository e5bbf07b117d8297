//! Activities that call Elastic Load Balancing.

pub mod deregister_instances;
pub mod register_instances;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
use schemars::JsonSchema;
use serde::Deserialize;

/// Instances and the target groups they leave or join.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Targets {
    pub target_group_arns: Vec<String>,
    pub instance_ids: Vec<String>,
}

pub(crate) fn targets(instance_ids: &[String]) -> Vec<TargetDescription> {
    instance_ids.iter().map(|id| TargetDescription::builder().id(id).build()).collect()
}
