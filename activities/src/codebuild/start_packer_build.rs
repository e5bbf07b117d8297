//! Start the Packer build of one recipe (tools/packer/windows.pkr.hcl through buildspec.yml).

use aws_sdk_codebuild::types::{EnvironmentVariable, EnvironmentVariableType};
use aws_smithy_types::base64;

use contract::machines::bake::Recipe;

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
    let variable = |(name, value): (&str, String)| {
        EnvironmentVariable::builder().name(name).value(value).r#type(EnvironmentVariableType::Plaintext).build()
    };
    let environment = environment(recipe, &input.source_image_id)
        .into_iter()
        .map(variable)
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

/// What the build's environment tells buildspec.yml, which passes each on to the Packer template.
fn environment(recipe: &Recipe, source_image_id: &str) -> Vec<(&'static str, String)> {
    let script = base64::encode(crate::ssm::provision::script(&recipe.provisioners).join("\n"));
    let encrypted = recipe.encryption.encrypted;
    vec![
        ("SOURCE_AMI", source_image_id.to_owned()),
        ("RECIPE", recipe.name.clone()),
        ("IMAGE_NAME", crate::ec2::image_name(&recipe.name, None, source_image_id)),
        ("ENCRYPTED", encrypted.to_string()),
        ("KMS_KEY_ID", recipe.encryption.kms_key_id.clone().filter(|_| encrypted).unwrap_or_default()),
        ("INSTANCE_TYPE", recipe.builder.instance_type.clone()),
        ("PROVISION_SCRIPT", script),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(encryption: serde_json::Value) -> Recipe {
        let recipe = serde_json::json!({ "name": "win", "source": { "imageId": "ami-0a" }, "mode": "packer",
            "packer": { "projectName": "p" }, "encryption": encryption });
        serde_json::from_value(recipe).unwrap()
    }

    #[test]
    fn the_build_is_told_the_recipes_encryption() {
        let told = |encryption| -> std::collections::BTreeMap<_, _> {
            environment(&recipe(encryption), "ami-0a").into_iter().collect()
        };
        let keyed = told(serde_json::json!({ "kmsKeyId": "alias/images" }));
        assert_eq!((keyed["ENCRYPTED"].as_str(), keyed["KMS_KEY_ID"].as_str()), ("true", "alias/images"));
        let plain = told(serde_json::json!({ "encrypted": false }));
        assert_eq!((plain["ENCRYPTED"].as_str(), plain["KMS_KEY_ID"].as_str()), ("false", ""));
    }

    /// Every variable reaches the template: buildspec.yml passes each as `-var name=$NAME`, and the
    /// template declares it.
    #[test]
    fn every_variable_the_build_is_given_reaches_the_packer_template() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/packer");
        let buildspec = std::fs::read_to_string(root.join("buildspec.yml")).unwrap();
        let template = std::fs::read_to_string(root.join("windows.pkr.hcl")).unwrap();
        for (name, _) in environment(&recipe(serde_json::json!({})), "ami-0a") {
            let var = name.to_lowercase();
            assert!(buildspec.contains(&format!("-var \"{var}=${name}\"")), "buildspec.yml passes {name}");
            assert!(template.contains(&format!("variable \"{var}\"")), "windows.pkr.hcl declares {var}");
        }
    }
}
