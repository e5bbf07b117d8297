//! Start the Packer build of one recipe (tools/packer/windows.pkr.hcl through buildspec.yml).

use aws_sdk_codebuild::types::{EnvironmentVariable, EnvironmentVariableType};
use aws_smithy_types::base64;

use crate::{ActivityError, Clients};

pub use contract::activities::codebuild::start_packer_build::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["codebuild:StartBuild"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let recipe = &input.recipe;
    let project = recipe
        .packer
        .as_ref()
        .map(|p| p.project_name.clone())
        .ok_or_else(|| ActivityError::invalid_input("recipe.packer", "mode packer needs packer.projectName"))?;
    let variable = |name: &str, value: &str| {
        EnvironmentVariable::builder().name(name).value(value).r#type(EnvironmentVariableType::Plaintext).build()
    };
    let script = base64::encode(crate::ssm::provision::script(&recipe.provisioners).join("\n"));
    let name = crate::ec2::image_name(&recipe.name, None, &input.source_image_id);
    let environment = [
        ("SOURCE_AMI", input.source_image_id.as_str()),
        ("RECIPE", recipe.name.as_str()),
        ("IMAGE_NAME", name.as_str()),
        ("KMS_KEY_ID", recipe.encryption.kms_key_id.as_deref().unwrap_or("")),
        ("INSTANCE_TYPE", recipe.builder.instance_type.as_str()),
        ("PROVISION_SCRIPT", script.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| variable(name, value))
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| ActivityError::invalid_input("recipe", e))?;
    let started = clients
        .codebuild
        .start_build()
        .project_name(project)
        .set_environment_variables_override(Some(environment))
        .send()
        .await?;
    let build_id = started
        .build_value()
        .and_then(|b| b.id())
        .ok_or_else(|| ActivityError::new(crate::errors::AWS, "StartBuild returned no build"))?;
    Ok(Output { build_id: build_id.to_owned() })
}
