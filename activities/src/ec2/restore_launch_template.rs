//! Put back what was effective before an update: the template's default version, the version the
//! group itself (or its mixed instances policy) referenced, the template's `$Latest` (by deleting the
//! version the update made), or the group's legacy launch configuration.

use aws_sdk_ec2::types::LaunchTemplateErrorCode;
use contract::machines::cycle::Rollback;

use crate::autoscaling::name_version;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::restore_launch_template::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:UpdateAutoScalingGroup",
    "ec2:DeleteLaunchTemplateVersions",
    "ec2:ModifyLaunchTemplate",
];

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
        // Deleted first: named `$Latest` while the version is there, the group would launch it.
        Rollback::NewVersion { launch_template_id, version } => {
            delete_version(clients, &launch_template_id, &version).await?;
            name_version(clients, &input.group_name, &launch_template_id, "$Latest").await?;
            "$Latest".to_owned()
        }
        Rollback::LaunchConfiguration { launch_configuration_name } => {
            let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&input.group_name);
            update.launch_configuration_name(&launch_configuration_name).send().await?;
            launch_configuration_name
        }
    };
    Ok(Output { restored: Some(restored) })
}

/// Delete the update's version; one already gone is as good (a rollback may run twice).
async fn delete_version(clients: &Clients, template: &str, version: &str) -> Result<(), ActivityError> {
    let deleted =
        clients.ec2.delete_launch_template_versions().launch_template_id(template).versions(version).send().await?;
    let refused = deleted.unsuccessfully_deleted_launch_template_versions().iter().filter_map(|v| v.response_error());
    let refused = refused.filter(|e| e.code() != Some(&LaunchTemplateErrorCode::LaunchTemplateVersionDoesNotExist));
    match refused.map(|e| e.message().unwrap_or("refused")).next() {
        Some(why) => Err(ActivityError::new(
            crate::errors::AWS,
            format!("version {version} of launch template {template} could not be deleted: {why}"),
        )),
        None => Ok(()),
    }
}
