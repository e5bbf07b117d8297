//! Put back the launch template version that was effective before an update: the template's
//! default version, or the version the group itself referenced.

use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_gen::machines::cycle::{Rollback, RollbackScope};

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
    pub restored_version: Option<String>,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let Some(rollback) = input.rollback else {
        return Ok(Output { restored_version: None });
    };
    match rollback.scope {
        RollbackScope::TemplateDefault => {
            clients
                .ec2
                .modify_launch_template()
                .launch_template_id(&rollback.launch_template_id)
                .default_version(&rollback.version)
                .send()
                .await?;
        }
        RollbackScope::Group => {
            let template = LaunchTemplateSpecification::builder()
                .launch_template_id(&rollback.launch_template_id)
                .version(&rollback.version)
                .build();
            clients
                .autoscaling
                .update_auto_scaling_group()
                .auto_scaling_group_name(&input.group_name)
                .launch_template(template)
                .send()
                .await?;
        }
    }
    Ok(Output { restored_version: Some(rollback.version) })
}
