//! Record the source AMI a recipe just baked, so the next bake of the same source is skipped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub parameter: String,
    pub source_image_id: String,
    /// The image baked from it, for the parameter's description.
    pub image_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub version: i64,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let put = clients
        .ssm
        .put_parameter()
        .name(&input.parameter)
        .value(&input.source_image_id)
        .description(format!("tuesday: baked into {}", input.image_id))
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await?;
    Ok(Output { version: put.version() })
}
