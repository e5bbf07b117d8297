//! Plan the update of one group, reading only: how it references its launch template (or its legacy
//! launch configuration), which image that gives today, and what the update has to do.

use schemars::JsonSchema;
use serde::Deserialize;
use workflow_gen::machines::cycle;
use workflow_gen::machines::update::{Action, GroupPlan, GroupRequest};

pub use workflow_gen::machines::update::GroupPlan as Output;

use super::lock_group::lock_holder;
use super::plan_cycle::running_images;
use super::{describe, instance_ids, launch_template_of};
use crate::{ActivityError, Clients};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub request: GroupRequest,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<GroupPlan, ActivityError> {
    let request = input.request;
    let group = describe(clients, &request.group_name).await?;
    let running = running_images(clients, &instance_ids(&group)).await?;
    let all_on_image = running.iter().all(|(_, image)| *image == request.image_id);

    let mut plan = GroupPlan {
        group_name: request.group_name.clone(),
        action: Action::Blocked,
        image_id: request.image_id.clone(),
        current_image_id: None,
        launch_template_id: None,
        version_reference: None,
        current_version: None,
        launch_configuration_name: None,
        mixed_instances_policy: group.mixed_instances_policy().is_some(),
        blockers: Vec::new(),
        warnings: Vec::new(),
        dry_run: request.dry_run,
        start_cycle: request.start_cycle,
        topic_arn: request.topic_arn.clone(),
        cycle_input: cycle_input(&request),
    };

    let changes_needed = if let Some(template) = launch_template_of(&group) {
        let reference = template.version().unwrap_or("$Default").to_owned();
        let mut versions = clients.ec2.describe_launch_template_versions().versions(&reference);
        versions = match (template.launch_template_id(), template.launch_template_name()) {
            (Some(id), _) => versions.launch_template_id(id),
            (_, Some(name)) => versions.launch_template_name(name),
            _ => {
                return Err(ActivityError::invalid_input(
                    "groupName",
                    format!("{} names no launch template", request.group_name),
                ))
            }
        };
        let described = versions.send().await?;
        let version = described.launch_template_versions().first().ok_or_else(|| {
            ActivityError::not_found(format!("version {reference} of {}'s launch template", request.group_name))
        })?;
        plan.launch_template_id = version.launch_template_id().map(str::to_owned);
        plan.current_version = version.version_number().map(|n| n.to_string());
        plan.current_image_id = version.launch_template_data().and_then(|d| d.image_id()).map(str::to_owned);
        if reference == "$Latest" {
            plan.warnings.push("the group uses $Latest: the new version is live as soon as it exists".into());
        }
        if plan.mixed_instances_policy && reference != "$Default" && reference != "$Latest" {
            plan.blockers.push(format!(
                "the mixed instances policy pins version {reference}: change it to $Default, or update it by hand"
            ));
        }
        plan.version_reference = Some(reference);
        Action::NewTemplateVersion
    } else if let Some(configuration) = group.launch_configuration_name() {
        let described = clients
            .autoscaling
            .describe_launch_configurations()
            .launch_configuration_names(configuration)
            .send()
            .await?;
        plan.current_image_id = described.launch_configurations().first().and_then(|c| c.image_id()).map(str::to_owned);
        plan.launch_configuration_name = Some(configuration.to_owned());
        plan.warnings.push(format!("{configuration} is a legacy launch configuration: consider a launch template"));
        Action::CloneLaunchConfiguration
    } else {
        plan.blockers.push("the group has neither a launch template nor a launch configuration".into());
        Action::Blocked
    };

    // Checked before anything changes: a template updated under a running cycle would be half-applied.
    if let Some(holder) = lock_holder(&group) {
        plan.blockers.push(format!("{} is being cycled by {holder}", request.group_name));
    }
    plan.action = if !plan.blockers.is_empty() {
        Action::Blocked
    } else if plan.current_image_id.as_deref() == Some(request.image_id.as_str()) {
        if all_on_image {
            Action::Skip
        } else {
            Action::CycleOnly
        }
    } else {
        changes_needed
    };
    Ok(plan)
}

fn cycle_input(request: &GroupRequest) -> cycle::Input {
    let settings = &request.cycle;
    cycle::Input {
        group_name: request.group_name.clone(),
        strategy: cycle::Strategy::Surge,
        surge_percent: settings.surge_percent,
        warm_up_seconds: settings.warm_up_seconds,
        poll_seconds: settings.poll_seconds,
        healthy_timeout_seconds: settings.healthy_timeout_seconds,
        pre_termination_command: settings.pre_termination_command.clone(),
        rollback: None,
        topic_arn: request.topic_arn.clone(),
        dry_run: false,
    }
}
