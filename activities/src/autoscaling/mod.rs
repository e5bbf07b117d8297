//! Activities that call EC2 Auto Scaling.

pub mod check_new_instances;
pub mod describe_group;
pub mod describe_instance_refresh;
pub mod find_groups;
pub mod plan_batch;
pub mod plan_cycle;
pub mod plan_group_update;
pub mod plan_rollback;
pub mod remove_new_instances;
pub mod restore_group;
pub mod rollback_instance_refresh;
pub mod scaling_activities;
pub mod start_instance_refresh;
pub mod summarize_groups;
pub mod surge_group;
pub mod suspend_processes;
pub(crate) mod template_users;
pub mod terminate_instances;
pub mod verify_group;
pub mod watch_group;

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchTemplateSpecification};
use aws_sdk_ec2::types::LaunchTemplateVersion;

use crate::{ActivityError, Clients};

/// What a cycle suspends: rebalancing across zones would terminate instances of its own choosing,
/// and alarms or schedules could scale the new instances in.
pub const CYCLE_SUSPENDS: [&str; 3] = ["AZRebalance", "AlarmNotification", "ScheduledActions"];

/// Groups asked for by name in one DescribeAutoScalingGroups call.
const NAMES_PER_CALL: usize = 50;

/// The groups of these names that exist, by name: fifty names to a call, across every page.
pub(crate) async fn described(
    clients: &Clients,
    names: &[String],
) -> Result<BTreeMap<String, AutoScalingGroup>, ActivityError> {
    let mut groups = BTreeMap::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let request =
            clients.autoscaling.describe_auto_scaling_groups().set_auto_scaling_group_names(Some(chunk.to_vec()));
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            for group in page?.auto_scaling_groups() {
                groups.insert(group.auto_scaling_group_name().unwrap_or_default().to_owned(), group.clone());
            }
        }
    }
    Ok(groups)
}

pub(crate) async fn describe(clients: &Clients, group_name: &str) -> Result<AutoScalingGroup, ActivityError> {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group_name).send().await?;
    described
        .auto_scaling_groups()
        .first()
        .cloned()
        .ok_or_else(|| ActivityError::not_found(format!("Auto Scaling group {group_name}")))
}

/// The ids of a group's instances.
pub(crate) fn instance_ids(group: &AutoScalingGroup) -> Vec<String> {
    group.instances().iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect()
}

/// A group name an activity was given, checked before any call.
pub(crate) fn require_group_name(group_name: &str) -> Result<(), ActivityError> {
    if group_name.trim().is_empty() {
        return Err(ActivityError::invalid_input("groupName", "must not be empty"));
    }
    Ok(())
}

/// The launch template a group launches from: its own, or its mixed instances policy's.
pub(crate) fn launch_template_of(group: &AutoScalingGroup) -> Option<&LaunchTemplateSpecification> {
    group.launch_template().or_else(|| {
        group.mixed_instances_policy().and_then(|p| p.launch_template()).and_then(|t| t.launch_template_specification())
    })
}

/// Points a group at a version of its launch template: its own, or its mixed instances policy's.
/// The policy is sent back whole with the version changed (AWS takes a policy as it is given).
pub(crate) async fn name_version(
    clients: &Clients,
    group_name: &str,
    launch_template_id: &str,
    version: &str,
) -> Result<(), ActivityError> {
    use aws_sdk_autoscaling::types::{LaunchTemplate, MixedInstancesPolicy};

    let group = describe(clients, group_name).await?;
    let spec = LaunchTemplateSpecification::builder().launch_template_id(launch_template_id).version(version).build();
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(group_name);
    let update = match group.mixed_instances_policy() {
        Some(policy) => {
            let overrides = policy.launch_template().map(|t| t.overrides().to_vec());
            let template =
                LaunchTemplate::builder().launch_template_specification(spec).set_overrides(overrides).build();
            let policy = MixedInstancesPolicy::builder()
                .launch_template(template)
                .set_instances_distribution(policy.instances_distribution().cloned())
                .build();
            update.mixed_instances_policy(policy)
        }
        None => update.launch_template(spec),
    };
    update.send().await?;
    Ok(())
}

/// How a launch template names an image kept in an SSM parameter
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-launch-template.html#use-an-ssm-parameter-instead-of-an-ami-id).
pub(crate) const IMAGE_PARAMETER: &str = "resolve:ssm:";

/// What a group's new instances launch from, and the image that gives them today.
pub(crate) enum LaunchSource {
    Template {
        id: String,
        /// How the group names its version: `$Default`, `$Latest` or a number.
        reference: String,
        /// The number that reference resolves to now.
        version: String,
        /// The image it launches now (its SSM parameter's value, for one written `resolve:ssm:`).
        image_id: String,
        /// The SSM parameter the version takes its image from (`resolve:ssm:<parameter>`), if it does.
        image_parameter: Option<String>,
    },
    Configuration {
        name: String,
        image_id: String,
    },
}

impl LaunchSource {
    pub(crate) fn image_id(&self) -> &str {
        match self {
            LaunchSource::Template { image_id, .. } | LaunchSource::Configuration { image_id, .. } => image_id,
        }
    }
}

pub(crate) async fn launch_source(clients: &Clients, group: &AutoScalingGroup) -> Result<LaunchSource, ActivityError> {
    let name = group.auto_scaling_group_name().unwrap_or_default();
    if let Some(template) = launch_template_of(group) {
        let reference = template.version().unwrap_or("$Default").to_owned();
        // As written, and for a `resolve:ssm:` version as it resolves now: its parameter's image.
        let written = template_version(clients, name, template, &reference, false).await?;
        let image_parameter = written.1.strip_prefix(IMAGE_PARAMETER).map(str::to_owned);
        let (version, image_id) = match image_parameter {
            Some(_) => template_version(clients, name, template, &reference, true).await?,
            None => written,
        };
        return Ok(LaunchSource::Template {
            id: version.launch_template_id().unwrap_or_default().to_owned(),
            reference,
            version: version.version_number().unwrap_or_default().to_string(),
            image_id,
            image_parameter,
        });
    }
    if let Some(configuration) = group.launch_configuration_name() {
        let described = clients
            .autoscaling
            .describe_launch_configurations()
            .launch_configuration_names(configuration)
            .send()
            .await?;
        let image_id = described
            .launch_configurations()
            .first()
            .and_then(|c| c.image_id())
            .ok_or_else(|| ActivityError::not_found(format!("launch configuration {configuration}")))?;
        return Ok(LaunchSource::Configuration { name: configuration.to_owned(), image_id: image_id.to_owned() });
    }
    Err(ActivityError::invalid_input(
        "groupName",
        format!("{name} has neither a launch template nor a launch configuration"),
    ))
}

/// One version of a group's template and the image it names (its alias resolved if asked).
async fn template_version(
    clients: &Clients,
    group_name: &str,
    template: &LaunchTemplateSpecification,
    reference: &str,
    resolve_alias: bool,
) -> Result<(LaunchTemplateVersion, String), ActivityError> {
    let request = clients.ec2.describe_launch_template_versions().versions(reference).resolve_alias(resolve_alias);
    let request = match (template.launch_template_id(), template.launch_template_name()) {
        (Some(id), _) => request.launch_template_id(id),
        (None, Some(template_name)) => request.launch_template_name(template_name),
        (None, None) => {
            return Err(ActivityError::invalid_input("groupName", format!("{group_name} names no launch template")))
        }
    };
    let described = request.send().await?;
    let found = described.launch_template_versions().first().cloned();
    let image_id = found.as_ref().and_then(|v| v.launch_template_data()?.image_id()).map(str::to_owned);
    match (found, image_id) {
        (Some(version), Some(image_id)) => Ok((version, image_id)),
        _ => Err(ActivityError::not_found(format!("the image of {group_name}'s launch template version {reference}"))),
    }
}

/// An SNS topic an activity was given, checked before any call.
pub(crate) fn require_topic_arn(field: &str, topic: Option<&str>) -> Result<(), ActivityError> {
    match topic {
        Some(topic) if !topic.starts_with("arn:") => {
            Err(ActivityError::invalid_input(field, format!("'{topic}' is not an ARN")))
        }
        _ => Ok(()),
    }
}

/// Now, in RFC 3339, for the times a digest reports.
pub(crate) fn now() -> String {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    now.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default()
}
