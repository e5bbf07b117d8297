//! Make a new image effective for one group: a new launch template version from the current one with
//! the new ImageId, made the default (for `$Default`, when no other group follows it) or referenced
//! by the group (a pinned version, or a `$Default` other groups follow too); for a legacy launch
//! configuration, a copy with the new image swapped in. Returns how to put back what was effective
//! before. For EC2 Auto Scaling's instance refresh, only the new version: the refresh makes it
//! effective.

use aws_sdk_ec2::types::RequestLaunchTemplateData;
use contract::machines::cycle::{RefreshTo, Rollback, Strategy};
use contract::machines::update::{Action, Applied, GroupPlan, MadeEffective};

use crate::autoscaling::name_version;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::apply_image::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:CreateLaunchConfiguration",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:UpdateAutoScalingGroup",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:ModifyLaunchTemplate",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Applied, ActivityError> {
    let plan = input.plan;
    if plan.cycle_input.strategy == Strategy::InstanceRefresh {
        return new_version_to_refresh_to(clients, plan).await;
    }
    let (effective, rollback) = match plan.action {
        Action::NewTemplateVersion => new_template_version(clients, &plan).await?,
        Action::CloneLaunchConfiguration => clone_launch_configuration(clients, &plan).await?,
        other => {
            let action = serde_json::to_value(other).unwrap_or_default();
            return Err(ActivityError::invalid_input("plan.action", format!("{action} has nothing to apply")));
        }
    };
    let mut cycle_input = plan.cycle_input;
    cycle_input.rollback = Some(rollback.clone());
    Ok(Applied { effective, rollback: Some(rollback), cycle_input })
}

/// For EC2 Auto Scaling's instance refresh: the new version only, which the refresh makes the
/// group's once it succeeded. Only a group that follows `$Latest` has it at once, and gets it taken
/// back (or is pinned to the version before) if it is not cycled.
async fn new_version_to_refresh_to(clients: &Clients, plan: GroupPlan) -> Result<Applied, ActivityError> {
    if plan.action != Action::NewTemplateVersion {
        let action = serde_json::to_value(plan.action).unwrap_or_default();
        return Err(ActivityError::invalid_input(
            "plan.action",
            format!("{action} cannot be refreshed to: an instance refresh needs a new template version"),
        ));
    }
    let made = new_version(clients, &plan).await?;
    let rollback = match made.made_effective {
        MadeEffective::Latest => {
            Some(Rollback::NewVersion { launch_template_id: made.template.clone(), version: made.version.clone() })
        }
        MadeEffective::SharedLatest => {
            Some(Rollback::Group { launch_template_id: made.template.clone(), version: made.current.clone() })
        }
        MadeEffective::TemplateDefault | MadeEffective::PinnedVersion => None,
    };
    let mut cycle_input = plan.cycle_input;
    cycle_input.refresh_to = Some(RefreshTo {
        version: made.version.clone(),
        previous_version: made.current,
        make_default: made.made_effective == MadeEffective::TemplateDefault,
        delete_on_rollback: made.made_effective == MadeEffective::Latest,
    });
    Ok(Applied { effective: made.version, rollback, cycle_input })
}

/// A new version of the group's template, made from the one it launches with the new image.
struct NewVersion {
    template: String,
    version: String,
    /// The version it was made from.
    current: String,
    /// How the group names its version.
    reference: String,
    made_effective: MadeEffective,
}

async fn new_version(clients: &Clients, plan: &GroupPlan) -> Result<NewVersion, ActivityError> {
    let missing =
        |field: &str| ActivityError::invalid_input(&format!("plan.{field}"), "is required for a new template version");
    let template = plan.launch_template_id.clone().ok_or_else(|| missing("launchTemplateId"))?;
    let current = plan.current_version.clone().ok_or_else(|| missing("currentVersion"))?;
    let reference = plan.version_reference.clone().ok_or_else(|| missing("versionReference"))?;
    let made_effective = plan.made_effective.ok_or_else(|| missing("madeEffective"))?;

    let created = clients
        .ec2
        .create_launch_template_version()
        .launch_template_id(&template)
        .source_version(&current)
        .version_description(format!("tuesday: {}", plan.image_id))
        .launch_template_data(RequestLaunchTemplateData::builder().image_id(&plan.image_id).build())
        .send()
        .await?;
    let version = created
        .launch_template_version()
        .and_then(|v| v.version_number())
        .ok_or_else(|| ActivityError::new(crate::errors::AWS, "CreateLaunchTemplateVersion returned no version"))?
        .to_string();
    Ok(NewVersion { template, version, current, reference, made_effective })
}

async fn new_template_version(clients: &Clients, plan: &GroupPlan) -> Result<(String, Rollback), ActivityError> {
    let NewVersion { template, version, current, reference, made_effective } = new_version(clients, plan).await?;
    let rollback = match made_effective {
        MadeEffective::TemplateDefault => {
            clients.ec2.modify_launch_template().launch_template_id(&template).default_version(&version).send().await?;
            Rollback::TemplateDefault { launch_template_id: template, version: current }
        }
        // The new version is already the latest: a rollback deletes it, or, where other groups of
        // this update made theirs, pins the group to the version before.
        MadeEffective::Latest => Rollback::NewVersion { launch_template_id: template, version: version.clone() },
        MadeEffective::SharedLatest => Rollback::Group { launch_template_id: template, version: current },
        // A rollback puts back the group's reference as it was: a number, or `$Default`.
        MadeEffective::PinnedVersion => {
            name_version(clients, &plan.group_name, &template, &version).await?;
            Rollback::Group { launch_template_id: template, version: reference }
        }
    };
    Ok((version, rollback))
}

async fn clone_launch_configuration(clients: &Clients, plan: &GroupPlan) -> Result<(String, Rollback), ActivityError> {
    let old = plan.launch_configuration_name.clone().ok_or_else(|| {
        ActivityError::invalid_input("plan.launchConfigurationName", "is required to clone a launch configuration")
    })?;
    let described =
        clients.autoscaling.describe_launch_configurations().launch_configuration_names(&old).send().await?;
    let source = described
        .launch_configurations()
        .first()
        .ok_or_else(|| ActivityError::not_found(format!("launch configuration {old}")))?;
    let name = format!("{old}-{}", plan.image_id);
    let mut create = clients
        .autoscaling
        .create_launch_configuration()
        .launch_configuration_name(&name)
        .image_id(&plan.image_id)
        .set_instance_type(source.instance_type().map(str::to_owned))
        .set_key_name(source.key_name().filter(|k| !k.is_empty()).map(str::to_owned))
        .set_security_groups(Some(source.security_groups().to_vec()))
        .set_iam_instance_profile(source.iam_instance_profile().map(str::to_owned))
        .set_block_device_mappings(Some(source.block_device_mappings().to_vec()));
    if let Some(user_data) = source.user_data().filter(|u| !u.is_empty()) {
        create = create.user_data(user_data);
    }
    create.send().await?;
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&plan.group_name);
    update.launch_configuration_name(&name).send().await?;
    Ok((name, Rollback::LaunchConfiguration { launch_configuration_name: old }))
}
