//! Put back what the cycle changed, relative to what is there now: MaxSize, unless someone else
//! changed it meanwhile; the desired capacity as now, less what the cycle added and did not remove,
//! never below the start; the processes the cycle suspended (those suspended before it stay so).
//! What someone else changed is kept, and said. MinSize and the termination policies are never
//! changed by a cycle, so never written back over someone else's change.

use super::{describe, require_group_name, CYCLE_SUSPENDS};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::restore_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:ResumeProcesses", "autoscaling:UpdateAutoScalingGroup"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let group = describe(clients, &input.group_name).await?;
    let (snapshot, mut kept) = (&input.snapshot, Vec::new());
    let now = (group.max_size().unwrap_or_default(), group.desired_capacity().unwrap_or_default());

    let outside = now.1 - input.expected_desired;
    let mut desired = snapshot.desired_capacity + outside.max(0);
    if outside > 0 {
        kept.push(format!("desired capacity {} (scaled out by {outside} during the cycle)", desired));
    }
    let mut max_size = if now.0 == input.max_size_during {
        snapshot.max_size
    } else {
        kept.push(format!("MaxSize {} (changed from {} during the cycle)", now.0, input.max_size_during));
        now.0
    };
    if desired > max_size {
        kept.push(format!("MaxSize {desired}, to hold the desired capacity (MaxSize was {max_size})"));
        max_size = desired;
    }
    desired = desired.max(group.min_size().unwrap_or_default());
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&input.group_name)
        .max_size(max_size)
        .desired_capacity(desired)
        .send()
        .await?;

    let resumed: Vec<String> = CYCLE_SUSPENDS
        .iter()
        .filter(|p| !snapshot.suspended_processes.iter().any(|s| s == *p))
        .map(|p| p.to_string())
        .collect();
    if !resumed.is_empty() {
        clients
            .autoscaling
            .resume_processes()
            .auto_scaling_group_name(&input.group_name)
            .set_scaling_processes(Some(resumed.clone()))
            .send()
            .await?;
    }
    Ok(Output { resumed, max_size, desired_capacity: desired, kept })
}
