//! Put back what was effective before an update: the template's default version, the version the
//! group itself (or its mixed instances policy) referenced, or the group's legacy launch configuration.

use contract::machines::cycle::Rollback;

use crate::autoscaling::name_version;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::restore_launch_template::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup", "ec2:ModifyLaunchTemplate"];

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
            name_version(clients, &input.group_name, &launch_template_id, &version).await?;
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
