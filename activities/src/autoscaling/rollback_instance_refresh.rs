//! Stop an instance refresh and have EC2 Auto Scaling put back every instance it replaced, from the
//! version the group names (which is why a refresh starts with the group on a numbered version).

use super::require_group_name;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::rollback_instance_refresh::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:RollbackInstanceRefresh"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let rolling_back =
        clients.autoscaling.rollback_instance_refresh().auto_scaling_group_name(&input.group_name).send().await?;
    Ok(Output {
        instance_refresh_id: rolling_back.instance_refresh_id().unwrap_or_default().to_owned(),
        status: "RollbackInProgress".into(),
        percentage_complete: 0,
        status_reason: None,
    })
}
