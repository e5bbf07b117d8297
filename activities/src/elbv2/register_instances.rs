//! Register instances with every target group again: the rollback of a deregistration.

use schemars::JsonSchema;
use serde::Serialize;

use super::targets;
pub use super::Targets as Input;
use crate::{ActivityError, Clients};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub registered: usize,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.instance_ids.is_empty() {
        return Ok(Output { registered: 0 });
    }
    for arn in &input.target_group_arns {
        clients
            .elbv2
            .register_targets()
            .target_group_arn(arn)
            .set_targets(Some(targets(&input.instance_ids)))
            .send()
            .await?;
    }
    Ok(Output { registered: input.instance_ids.len() })
}
