//! Read the last source AMI a recipe baked, from the account's own SSM parameter.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

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
    Ok(Output { source_image_id: super::parameter_value(clients, &input.parameter).await? })
}
