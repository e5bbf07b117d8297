//! Describe one image: its state, for polls that wait until a copy or a build is available.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub image_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub image_id: String,
    /// `pending`, `available`, `failed`, ...
    pub state: String,
    pub name: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let described = clients.ec2.describe_images().image_ids(&input.image_id).send().await?;
    let image =
        described.images().first().ok_or_else(|| ActivityError::not_found(format!("image {}", input.image_id)))?;
    Ok(Output {
        image_id: input.image_id,
        state: image.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        name: image.name().map(str::to_owned),
    })
}
