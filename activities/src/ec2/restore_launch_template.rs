//! Put back what was effective before an update: the template's default version, the version the
//! group itself referenced, or the group's legacy launch configuration.

use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use contract::machines::cycle::Rollback;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::restore_launch_template::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:UpdateAutoScalingGroup", "ec2:ModifyLaunchTemplate"];

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
