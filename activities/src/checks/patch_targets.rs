//! What a patch names in the account, checked before it bakes anything (a bake can take hours, and
//! the wait for AWS's images days): every wave's groups exist and are tuesday's to change, tagged
//! `tuesday:image=<the wave's recipe>` with their launch templates (the tag tuesday's IAM policy
//! grants by), that no wave's template is shared in a way its update would refuse (a `$Latest` others
//! follow; a `$Default` others follow under `sharedTemplates: block`), and every topic exists. Each
//! problem names its field; all are found at once.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_autoscaling::types::AutoScalingGroup;
use contract::machines::patch::Wave;
use contract::machines::update::SharedTemplates;

use crate::autoscaling::find_groups::IMAGE_TAG;
use crate::autoscaling::{described, launch_template_of, template_users};
use crate::{ActivityError, Clients};

/// The AWS calls these checks make, as IAM actions.
pub const CALLS: &[&str] =
    &["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeLaunchTemplates", "sns:GetTopicAttributes"];

/// Every problem found with each wave's groups (as `wave_groups` divides them) and the topics, as
/// `field: problem`.
pub async fn problems(
    clients: &Clients,
    waves: &[Wave],
    groups: &[Vec<String>],
    shared_templates: SharedTemplates,
    topics: &[(&str, String)],
) -> Result<Vec<String>, ActivityError> {
    let mut problems = Vec::new();
    for (i, (wave, names)) in waves.iter().zip(groups).enumerate() {
        let groups = described(clients, names).await?;
        let missing: Vec<&str> = names.iter().map(String::as_str).filter(|name| !groups.contains_key(*name)).collect();
        if !missing.is_empty() {
            problems.push(format!("waves[{i}].groups: no Auto Scaling group named {}", missing.join(", ")));
        }
        problems.extend(untagged(clients, &groups, &wave.recipe).await?.into_iter().map(|what| {
            format!("waves[{i}].groups: {what} is not tagged {IMAGE_TAG}={}, which tuesday may change", wave.recipe)
        }));
        let shared = shared_as_forbidden(clients, &groups, shared_templates).await?;
        problems.extend(shared.into_iter().map(|what| format!("waves[{i}].groups: {what}")));
    }
    for (field, topic) in topics {
        let found = clients.sns.get_topic_attributes().topic_arn(topic).send().await;
        if let Err(error) = found {
            if !error.as_service_error().is_some_and(|e| e.is_not_found_exception()) {
                return Err(error.into());
            }
            problems.push(format!("{field}: topic {topic} does not exist"));
        }
    }
    Ok(problems)
}

/// The groups, and the launch templates they launch from, not tagged `tuesday:image=<recipe>`.
async fn untagged(
    clients: &Clients,
    groups: &BTreeMap<String, AutoScalingGroup>,
    recipe: &str,
) -> Result<Vec<String>, ActivityError> {
    let mut untagged = Vec::new();
    let mut templates: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, group) in groups {
        let tag = group.tags().iter().find(|t| t.key() == Some(IMAGE_TAG)).and_then(|t| t.value());
        if tag != Some(recipe) {
            untagged.push(format!("group {name}"));
        }
        if let Some(id) = launch_template_of(group).and_then(|t| t.launch_template_id()) {
            templates.entry(id.to_owned()).or_default().push(name);
        }
    }
    if templates.is_empty() {
        return Ok(untagged);
    }
    let ids: Vec<String> = templates.keys().cloned().collect();
    let mut pages = clients.ec2.describe_launch_templates().set_launch_template_ids(Some(ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        for template in page?.launch_templates() {
            let tag = template.tags().iter().find(|t| t.key() == Some(IMAGE_TAG)).and_then(|t| t.value());
            let id = template.launch_template_id().unwrap_or_default();
            if tag != Some(recipe) {
                let users = templates.get(id).map(|users| users.join(", ")).unwrap_or_default();
                untagged.push(format!("launch template {id} (of {users})"));
            }
        }
    }
    Ok(untagged)
}

/// The wave's groups whose launch template is shared so that the wave's update would block them: a
/// `$Latest` that groups outside the wave follow (any new version reaches them at once), or, under
/// `sharedTemplates: block`, a `$Default` that other groups follow too.
async fn shared_as_forbidden(
    clients: &Clients,
    groups: &BTreeMap<String, AutoScalingGroup>,
    shared_templates: SharedTemplates,
) -> Result<Vec<String>, ActivityError> {
    let in_wave: BTreeSet<String> = groups.keys().cloned().collect();
    let users = template_users::of(clients, &in_wave).await?;
    let mut problems = Vec::new();
    for (name, others) in &users {
        let named = |reference: &str, outside_only: bool| -> Vec<String> {
            let named = others.iter().filter(|u| u.follows(reference) && !(outside_only && u.in_update));
            named.map(ToString::to_string).collect()
        };
        let on_latest = named("$Latest", true);
        if !on_latest.is_empty() {
            problems.push(format!(
                "{name}'s launch template's $Latest is followed by {}, outside the wave: a new version would reach \
                 them at once",
                on_latest.join(", ")
            ));
        }
        let reference = groups.get(name).and_then(launch_template_of).and_then(|t| t.version()).unwrap_or("$Default");
        let on_default = named("$Default", false);
        if shared_templates == SharedTemplates::Block && reference == "$Default" && !on_default.is_empty() {
            problems.push(format!(
                "{name}'s launch template's $Default is followed by {} too (sharedTemplates: block)",
                on_default.join(", ")
            ));
        }
    }
    Ok(problems)
}
