//! Find the groups an update targets: those tagged `tuesday:image=<recipe>` (but those it is to leave
//! out), and those named, each with the other groups on its launch template, and write their requests
//! to S3 for the update's Distributed Map. Every field of the update's input is checked here, before
//! anything changes.

use std::collections::BTreeSet;

use aws_sdk_autoscaling::types::Filter;
use aws_sdk_s3::primitives::ByteStream;
use contract::errors;
use contract::machines::cycle::{surge_of, Strategy};
use contract::machines::update::{self, CycleSettings, GroupRequest, Targets, MAX_CONCURRENT_GROUPS, MAX_GROUPS};

use crate::surge_budget::{self, Surge};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::find_groups::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "ec2:DescribeImages",
    "s3:PutObject",
    // surge_budget's
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceTypes",
    "servicequotas:GetServiceQuota",
];

/// The tag naming the recipe whose images a group runs.
pub const IMAGE_TAG: &str = "tuesday:image";

pub async fn handle(clients: &Clients, Input { update: input, requests_at }: Input) -> Result<Targets, ActivityError> {
    validate(&input)?;
    let image = clients.ec2.describe_images().image_ids(&input.image_id).send().await?;
    if image.images().is_empty() {
        return Err(ActivityError::not_found(format!("imageId: image {} does not exist", input.image_id)));
    }

    let mut names: BTreeSet<String> = BTreeSet::new();
    if let Some(recipe) = &input.recipe {
        names = tagged(clients, recipe).await?;
        for taken in &input.except_groups {
            names.remove(taken);
        }
    }
    if !input.groups.is_empty() {
        let found = super::described(clients, &input.groups).await?;
        let missing: Vec<&str> = input.groups.iter().map(String::as_str).filter(|g| !found.contains_key(*g)).collect();
        if !missing.is_empty() {
            return Err(ActivityError::not_found(format!(
                "groups: no Auto Scaling group named {}",
                missing.join(", ")
            )));
        }
        names.extend(input.groups.iter().cloned());
    }
    if names.len() > MAX_GROUPS as usize {
        return Err(ActivityError::invalid_input(
            "recipe",
            format!("{} groups match; one update handles at most {MAX_GROUPS}", names.len()),
        ));
    }
    let (max_concurrency, surge_budget) = budget(clients, &names, &input.cycle).await?;
    let mut template_users = super::template_users::of(clients, &names).await?;
    let requests: Vec<GroupRequest> = names
        .into_iter()
        .map(|group_name| GroupRequest {
            template_users: template_users.remove(&group_name).unwrap_or_default(),
            group_name,
            image_id: input.image_id.clone(),
            start_cycle: input.start_cycle,
            cycle: input.cycle.clone(),
            shared_templates: input.shared_templates,
            topic_arn: input.topic_arn.clone(),
            dry_run: input.dry_run,
        })
        .collect();
    // The requests go to S3, for the update's Distributed Map to read: thousands would not fit in its state.
    let body = serde_json::to_vec(&requests).map_err(|e| ActivityError::new(errors::AWS, e))?;
    let put = clients.s3.put_object().bucket(&requests_at.bucket).key(&requests_at.key);
    put.content_type("application/json").body(ByteStream::from(body)).send().await?;
    Ok(Targets {
        image_id: input.image_id,
        dry_run: input.dry_run,
        groups: requests.len() as u32,
        requests_at,
        max_concurrency,
        surge_budget,
    })
}

/// How many of the groups may cycle at once, and what set it: each surges `surgePercent` of its
/// desired capacity, of the type its instances run, within the region's vCPU quotas. With no room
/// for even one surge, every group would wait for room that none of them frees: refused before any
/// change.
async fn budget(
    clients: &Clients,
    names: &BTreeSet<String>,
    cycle: &CycleSettings,
) -> Result<(u32, String), ActivityError> {
    if cycle.strategy == Strategy::InstanceRefresh {
        let why = "an instance refresh replaces within the group's capacity";
        return Ok((
            MAX_CONCURRENT_GROUPS,
            format!("at most {MAX_CONCURRENT_GROUPS}, the most one update cycles: {why}"),
        ));
    }
    let names: Vec<String> = names.iter().cloned().collect();
    let mut surges = Vec::new();
    for group in super::described(clients, &names).await?.values() {
        let Some(instance_type) = group.instances().iter().find_map(|i| i.instance_type()) else { continue };
        let desired = group.desired_capacity().unwrap_or_default();
        let surge = surge_of(desired, group.instances().len(), cycle.surge_percent);
        surges.push(Surge { instance_type: instance_type.to_owned(), instances: surge.max(0) as u32 });
    }
    let budget = surge_budget::budget(clients, &surges, MAX_CONCURRENT_GROUPS).await?;
    if budget.groups_at_once == 0 && !surges.is_empty() {
        return Err(ActivityError::new(errors::BLOCKED, format!("no group can surge: {}", budget.limited_by)));
    }
    Ok((budget.groups_at_once.max(1), budget.limited_by))
}

/// Every group tagged `tuesday:image=<recipe>`, across every page of the answer.
pub async fn tagged(clients: &Clients, recipe: &str) -> Result<BTreeSet<String>, ActivityError> {
    let filter = Filter::builder().name(format!("tag:{IMAGE_TAG}")).values(recipe).build();
    let mut pages = clients.autoscaling.describe_auto_scaling_groups().filters(filter).into_paginator().send();
    let mut names = BTreeSet::new();
    while let Some(page) = pages.next().await {
        names.extend(page?.auto_scaling_groups().iter().filter_map(|g| g.auto_scaling_group_name().map(str::to_owned)));
    }
    Ok(names)
}

fn validate(input: &update::Input) -> Result<(), ActivityError> {
    if !input.image_id.starts_with("ami-") {
        return Err(ActivityError::invalid_input("imageId", format!("'{}' is not an AMI id", input.image_id)));
    }
    if input.recipe.is_none() && input.groups.is_empty() {
        return Err(ActivityError::invalid_input("recipe", "give a recipe, a list of groups, or both"));
    }
    if input.recipe.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return Err(ActivityError::invalid_input("recipe", "must not be empty"));
    }
    if let Some(empty) = input.groups.iter().position(|g| g.trim().is_empty()) {
        return Err(ActivityError::invalid_input(&format!("groups[{empty}]"), "must not be empty"));
    }
    if input.recipe.is_none() && !input.except_groups.is_empty() {
        return Err(ActivityError::invalid_input("exceptGroups", "leaves groups out of a recipe's: give the recipe"));
    }
    if !(1..=100).contains(&input.cycle.surge_percent) {
        return Err(ActivityError::invalid_input(
            "cycle.surgePercent",
            format!("{} is not between 1 and 100", input.cycle.surge_percent),
        ));
    }
    if input.cycle.poll_seconds == 0 {
        return Err(ActivityError::invalid_input("cycle.pollSeconds", "must be at least 1"));
    }
    if input.cycle.pre_termination_timeout_seconds == 0 {
        return Err(ActivityError::invalid_input("cycle.preTerminationTimeoutSeconds", "must be at least 1"));
    }
    super::require_topic_arn("topicArn", input.topic_arn.as_deref())
}
