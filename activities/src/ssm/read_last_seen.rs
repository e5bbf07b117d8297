//! Read the last source AMI a recipe baked, from the account's own SSM parameter.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{errors, ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub parameter: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Null before the first bake.
    pub source_image_id: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    match clients.ssm.get_parameter().name(&input.parameter).send().await {
        Ok(found) => Ok(Output { source_image_id: found.parameter().and_then(|p| p.value()).map(str::to_owned) }),
        Err(error) => match ActivityError::from(error) {
            missing if missing.name == errors::NOT_FOUND => Ok(Output { source_image_id: None }),
            other => Err(other),
        },
    }
}
