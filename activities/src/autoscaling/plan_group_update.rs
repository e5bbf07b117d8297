//! Plan the update of one group, reading only: how it references its launch template (or its legacy
//! launch configuration), which image that gives today, and what the update has to do.

use aws_sdk_autoscaling::types::AutoScalingGroup;
use contract::machines::cycle;
use contract::machines::update::{Action, GroupPlan, GroupRequest, MadeEffective, SharedTemplates};

use super::plan_cycle::{running_images, NO_REFRESH_OF_A_MIXED_POLICY, REFRESH_NEEDS_A_TEMPLATE};
use super::{describe, instance_ids, launch_source, LaunchSource};
use crate::dynamodb::read_lock;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::plan_group_update::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: the cycle's planning, which it runs for the
/// group, and a read of the group's lock.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "dynamodb:GetItem",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
];

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
        made_effective: None,
        shared_with: Vec::new(),
        blockers: Vec::new(),
        warnings: Vec::new(),
        dry_run: request.dry_run,
        start_cycle: request.start_cycle,
        topic_arn: request.topic_arn.clone(),
        cycle_input: cycle_input(&request),
    };

    let changes_needed = match launch_source(clients, &group).await? {
        LaunchSource::Template { id, reference, version, image_id, image_parameter } => {
            // A new version would put a literal AMI where the template names a parameter: whoever
            // owns the parameter moves the image, and update then only cycles the group.
            if let Some(parameter) = image_parameter.filter(|_| image_id != request.image_id) {
                plan.blockers.push(format!(
                    "its launch template takes the image from the SSM parameter {parameter} (now {image_id}): \
                     put {} in the parameter and update cycles the group, or name an AMI in the template",
                    request.image_id
                ));
            }
            if let Some(own) = override_templates(&group).filter(|t| !t.is_empty()) {
                plan.blockers.push(format!(
                    "the mixed instances policy's overrides launch from templates of their own ({}): updating \
                     them too is not done yet",
                    own.join(", ")
                ));
            }
            if reference == "$Latest" {
                plan.warnings.push("the group uses $Latest: the new version is live as soon as it exists".into());
            }
            let made_effective = made_effective(&request, &reference, &mut plan);
            plan.made_effective = Some(made_effective);
            plan.shared_with = request.template_users.iter().map(ToString::to_string).collect();
            plan.launch_template_id = Some(id);
            plan.version_reference = Some(reference);
            plan.current_version = Some(version);
            plan.current_image_id = Some(image_id);
            Action::NewTemplateVersion
        }
        LaunchSource::Configuration { name, image_id } => {
            plan.warnings.push(format!("{name} is a legacy launch configuration: consider a launch template"));
            plan.launch_configuration_name = Some(name);
            plan.current_image_id = Some(image_id);
            Action::CloneLaunchConfiguration
        }
    };

    if request.cycle.strategy == cycle::Strategy::InstanceRefresh {
        if plan.launch_configuration_name.is_some() {
            plan.blockers.push(REFRESH_NEEDS_A_TEMPLATE.into());
        } else if plan.mixed_instances_policy {
            plan.blockers.push(NO_REFRESH_OF_A_MIXED_POLICY.into());
        }
    }
    // Checked before anything changes: a template updated under a running cycle would be half-applied.
    if let Some(lock) = read_lock(clients, &input.lock_table, &request.group_name).await? {
        plan.blockers.push(format!("{} is being cycled by {}", request.group_name, lock.owner));
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

/// How a new version of the group's template would reach it without reaching groups this update
/// was not asked to patch; what makes that impossible is a blocker.
fn made_effective(request: &GroupRequest, reference: &str, plan: &mut GroupPlan) -> MadeEffective {
    let others = |reference: &str, counting_this_update: bool| -> Vec<String> {
        let users = request.template_users.iter();
        let users = users.filter(|u| u.follows(reference) && (counting_this_update || !u.in_update));
        users.map(|u| u.group_name.clone()).collect()
    };
    // Any new version is the latest at once, for whoever follows it.
    let on_latest = others("$Latest", false);
    if !on_latest.is_empty() {
        plan.blockers.push(format!(
            "the launch template's $Latest is followed by {}, outside this update: a new version would reach them at once",
            on_latest.join(", ")
        ));
    }
    match reference {
        "$Latest" => {
            let on_latest = others("$Latest", true);
            if on_latest.is_empty() {
                return MadeEffective::Latest;
            }
            plan.warnings.push(format!(
                "pinned to the version before if it rolls back: {} follow the launch template's $Latest too",
                on_latest.join(", ")
            ));
            MadeEffective::SharedLatest
        }
        "$Default" => {
            let on_default = others("$Default", true);
            if on_default.is_empty() {
                return MadeEffective::TemplateDefault;
            }
            if request.shared_templates == SharedTemplates::Block {
                plan.blockers.push(format!(
                    "the launch template's $Default is followed by {} too (sharedTemplates: pin pins this group to \
                     the new version instead)",
                    on_default.join(", ")
                ));
            } else {
                plan.warnings.push(format!(
                    "pinned to the new version: {} follow the launch template's $Default, which stays",
                    on_default.join(", ")
                ));
            }
            MadeEffective::PinnedVersion
        }
        _ => MadeEffective::PinnedVersion,
    }
}

/// The templates a mixed instances policy's overrides name, besides the policy's own.
fn override_templates(group: &AutoScalingGroup) -> Option<Vec<String>> {
    let policy = group.mixed_instances_policy()?.launch_template()?;
    let own = policy.launch_template_specification().and_then(|s| s.launch_template_id());
    let named = policy.overrides().iter().filter_map(|o| o.launch_template_specification());
    let others = named.filter_map(|s| s.launch_template_id().or(s.launch_template_name())).filter(|t| Some(*t) != own);
    let mut others: Vec<String> = others.map(str::to_owned).collect();
    others.sort();
    others.dedup();
    Some(others)
}

fn cycle_input(request: &GroupRequest) -> cycle::Input {
    request.cycle.cycle_input(&request.group_name, request.topic_arn.clone(), false)
}
