//! Who launches from which launch template, across every group of the account: an update must not
//! move a template's `$Default` (or add a version) under groups it was not asked to patch.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchTemplateSpecification};
use contract::machines::update::{TemplateUser, MAX_TEMPLATE_USERS};

use super::launch_template_of;
use crate::{ActivityError, Clients};

/// For each of `in_update`'s groups, the other groups that launch from its launch template (as
/// theirs, or through a mixed instances policy or one of its overrides), read from every page.
pub(crate) async fn of(
    clients: &Clients,
    in_update: &BTreeSet<String>,
) -> Result<BTreeMap<String, Vec<TemplateUser>>, ActivityError> {
    let mut users: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut own: BTreeMap<String, String> = BTreeMap::new();
    let mut pages = clients.autoscaling.describe_auto_scaling_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        for group in page?.auto_scaling_groups() {
            let name = group.auto_scaling_group_name().unwrap_or_default();
            for (template, version) in templates_of(group) {
                users.entry(template).or_default().insert((name.to_owned(), version));
            }
            if let Some(template) = launch_template_of(group).and_then(key) {
                if in_update.contains(name) {
                    own.insert(name.to_owned(), template);
                }
            }
        }
    }
    Ok(own
        .into_iter()
        .map(|(group, template)| {
            let mut others: Vec<TemplateUser> = users
                .get(&template)
                .into_iter()
                .flatten()
                .filter(|(name, _)| *name != group)
                .map(|(name, version)| TemplateUser {
                    group_name: name.clone(),
                    version: version.clone(),
                    in_update: in_update.contains(name),
                })
                .collect();
            // Those a new version reaches at once, then those a new default would: what the plan decides by.
            let reached_at_once = |u: &TemplateUser| u.follows("$Latest") && !u.in_update;
            others.sort_by_key(|u| (!reached_at_once(u), !u.follows("$Default")));
            others.truncate(MAX_TEMPLATE_USERS);
            (group, others)
        })
        .collect())
}

/// Every launch template a group launches from, and how it names the version (`$Default` when it
/// does not say).
pub(crate) fn templates_of(group: &AutoScalingGroup) -> Vec<(String, String)> {
    let mut specs: Vec<&LaunchTemplateSpecification> = group.launch_template().into_iter().collect();
    if let Some(policy) = group.mixed_instances_policy().and_then(|p| p.launch_template()) {
        specs.extend(policy.launch_template_specification());
        specs.extend(policy.overrides().iter().filter_map(|o| o.launch_template_specification()));
    }
    specs.into_iter().filter_map(|spec| Some((key(spec)?, spec.version().unwrap_or("$Default").to_owned()))).collect()
}

/// A template by its id (Auto Scaling describes both id and name), or its name.
fn key(spec: &LaunchTemplateSpecification) -> Option<String> {
    spec.launch_template_id().or(spec.launch_template_name()).map(str::to_owned)
}
