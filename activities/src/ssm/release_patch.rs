//! Let go of the patch's claim: delete the claim parameter if this execution holds it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub parameter: String,
    pub execution: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub released: bool,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    match super::holder(clients, &input.parameter).await? {
        Some(held) if held.execution == input.execution => {
            clients.ssm.delete_parameter().name(&input.parameter).send().await?;
            Ok(Output { released: true })
        }
        _ => Ok(Output { released: false }),
    }
}
