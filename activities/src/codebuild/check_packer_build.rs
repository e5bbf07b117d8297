//! How a Packer build is doing, and, once it succeeded, the AMI it exported as AMI_ID.

use crate::{ActivityError, Clients};

pub use contract::activities::codebuild::check_packer_build::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["codebuild:BatchGetBuilds"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let described = clients.codebuild.batch_get_builds().ids(&input.build_id).send().await?;
    let build =
        described.builds().first().ok_or_else(|| ActivityError::not_found(format!("build {}", input.build_id)))?;
    let status = build.build_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
    let image_id = build
        .exported_environment_variables()
        .iter()
        .find(|v| v.name() == Some("AMI_ID"))
        .and_then(|v| v.value())
        .filter(|v| v.starts_with("ami-"))
        .map(str::to_owned);
    if status == "SUCCEEDED" && image_id.is_none() {
        return Err(ActivityError::not_found(format!(
            "the Packer build {} succeeded but exported no AMI_ID",
            input.build_id
        )));
    }
    Ok(Output { build_id: input.build_id, status, image_id })
}
