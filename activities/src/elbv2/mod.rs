//! Activities that call Elastic Load Balancing.

pub mod deregister_instances;
pub mod register_instances;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
pub use contract::activities::elbv2::Targets;

pub(crate) fn targets(instance_ids: &[String]) -> Vec<TargetDescription> {
    instance_ids.iter().map(|id| TargetDescription::builder().id(id).build()).collect()
}
