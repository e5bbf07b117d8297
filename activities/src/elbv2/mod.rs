//! Activities that call Elastic Load Balancing.

pub mod check_targets;
pub mod deregister_instances;
pub mod register_instances;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
pub use contract::activities::elbv2::Targets;

use crate::{ActivityError, Clients};

/// An instance's health in a target group.
struct Health {
    id: String,
    /// `healthy`, `initial`, `unhealthy`, `draining`, `unused`, ...
    state: String,
    /// Stopped or terminated: it can neither serve nor be registered.
    gone: bool,
}

/// Each instance's health in the target group.
async fn states_of(
    clients: &Clients,
    target_group: &str,
    instance_ids: &[String],
) -> Result<Vec<Health>, ActivityError> {
    if instance_ids.is_empty() {
        return Ok(Vec::new());
    }
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(target_group)
        .set_targets(Some(targets(instance_ids)))
        .send()
        .await?;
    Ok(health
        .target_health_descriptions()
        .iter()
        .filter_map(|d| {
            let health = d.target_health();
            Some(Health {
                id: d.target()?.id()?.to_owned(),
                state: health.and_then(|h| h.state()).map(|s| s.as_str().to_owned()).unwrap_or_default(),
                gone: health.and_then(|h| h.reason()).map(|r| r.as_str()) == Some("Target.InvalidState"),
            })
        })
        .collect())
}

pub(crate) fn targets(instance_ids: &[String]) -> Vec<TargetDescription> {
    instance_ids.iter().map(|id| TargetDescription::builder().id(id).build()).collect()
}
