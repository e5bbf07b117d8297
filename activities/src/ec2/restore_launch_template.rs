//! Put back what was effective before an update: the template's default version, the version the
//! group itself referenced, or the group's legacy launch configuration.

use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_gen::machines::cycle::Rollback;

use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: String,
    /// Nothing to put back when the cycle was not started by an update.
    pub rollback: Option<Rollback>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The version or launch configuration put back, if any.
    pub restored: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let Some(rollback) = input.rollback else {
        return Ok(Output { restored: None });
    };
    let restored = match rollback {
        Rollback::TemplateDefault { launch_template_id, version } => {
            clients
                .ec2
                .modify_launch_template()
                .launch_template_id(launch_template_id)
                .default_version(&version)
                .send()
                .await?;
            version
        }
        Rollback::Group { launch_template_id, version } => {
            let template =
                LaunchTemplateSpecification::builder().launch_template_id(launch_template_id).version(&version).build();
            let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&input.group_name);
            update.launch_template(template).send().await?;
            version
        }
        Rollback::LaunchConfiguration { launch_configuration_name } => {
            let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&input.group_name);
            update.launch_configuration_name(&launch_configuration_name).send().await?;
            launch_configuration_name
        }
    };
    Ok(Output { restored: Some(restored) })
}
