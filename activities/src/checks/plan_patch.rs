//! Check a whole patch before anything happens (recipes, waves, their load tests, and what they name
//! in the account), naming the field that is wrong, and work out how long to wait for AWS's newer
//! images.

use std::collections::{BTreeMap, BTreeSet};

use contract::machines::bake;
use contract::machines::patch::{claim_seconds, Approval, PatchPlan, MAX_NEW_AMI_CHECKS};

use crate::autoscaling::find_groups;
use crate::{ActivityError, Clients};

pub use contract::activities::checks::plan_patch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: those of its checks of the account.
pub const CALLS: &[&str] = super::patch_targets::CALLS;

pub async fn handle(clients: &Clients, input: Input) -> Result<PatchPlan, ActivityError> {
    // Each topic with the field that names it, for the problem's name if it does not exist.
    let named_topics: Vec<(&str, String)> = [
        ("topicArn", &input.topic_arn),
        ("topics.newAmi", &input.topics.new_ami),
        ("topics.cycle", &input.topics.cycle),
        ("topics.approval", &input.topics.approval),
        ("topics.digest", &input.topics.digest),
    ]
    .into_iter()
    .filter_map(|(field, topic)| Some((field, topic.clone()?)))
    .collect();
    let topics = input.topics.or(input.topic_arn);
    let bake_input =
        bake::Input { recipes: input.recipes, force: input.force, dry_run: false, topic_arn: topics.new_ami.clone() };
    // The bake's own checks, so a bad recipe is named before the first wave could start.
    super::validate_recipes::handle(clients, bake_input.clone()).await?;
    let recipes: BTreeSet<&str> = bake_input.recipes.iter().map(|r| r.name.as_str()).collect();
    if input.waves.is_empty() {
        return Err(ActivityError::invalid_input("waves", "give at least one wave"));
    }
    let mut names = BTreeSet::new();
    for (i, wave) in input.waves.iter().enumerate() {
        let field = |name: &str| format!("waves[{i}].{name}");
        if wave.name.trim().is_empty() || !names.insert(wave.name.as_str()) {
            return Err(ActivityError::invalid_input(
                &field("name"),
                format!("'{}' is empty or used twice", wave.name),
            ));
        }
        if !recipes.contains(wave.recipe.as_str()) {
            return Err(ActivityError::invalid_input(
                &field("recipe"),
                format!("'{}' is not one of the recipes", wave.recipe),
            ));
        }
        if wave.approval == Approval::Manual && topics.approval.is_none() {
            return Err(ActivityError::invalid_input(
                &field("approval"),
                "a manual approval needs topicArn (or topics.approval) to ask on",
            ));
        }
        if let Some(invalid) = wave.tolerated_failures.as_ref().and_then(|t| t.tolerance_of(0).err()) {
            return Err(ActivityError::invalid_input(&field("toleratedFailures"), invalid));
        }
        if let Some(load) = &wave.validate {
            crate::load::plan_attack::plan(load).map_err(|(name, problem)| {
                ActivityError::invalid_input(&field(&format!("validate.{name}")), problem)
            })?;
        }
    }
    let every = input.wait_for_new_ami.check_every_hours;
    if every == 0 {
        return Err(ActivityError::invalid_input("waitForNewAmi.checkEveryHours", "must be at least 1"));
    }
    if !input.claim.starts_with("/tuesday/") {
        return Err(ActivityError::invalid_input(
            "claim",
            format!("'{}' is not a parameter under /tuesday/", input.claim),
        ));
    }
    let mut tagged = BTreeMap::new();
    for wave in input.waves.iter().filter(|w| w.groups.is_empty()) {
        if !tagged.contains_key(&wave.recipe) {
            tagged.insert(wave.recipe.clone(), find_groups::tagged(clients, &wave.recipe).await?);
        }
    }
    let division = super::wave_groups::divide(&input.waves, &tagged);
    let mut problems = division.problems;
    let targets = &division.groups;
    problems.extend(
        super::patch_targets::problems(clients, &input.waves, targets, input.shared_templates, &named_topics).await?,
    );
    if !problems.is_empty() {
        return Err(ActivityError::new(contract::errors::INVALID_INPUT, problems.join("; ")));
    }
    let checks = (input.wait_for_new_ami.days * 24 / every + 1).min(MAX_NEW_AMI_CHECKS);
    let check_every_seconds = u64::from(every) * 3600;
    let wave_count = input.waves.len() as u32;
    // Each sized wave's groups are named in the plan, so that the waves after it leave them alone.
    let waves = input.waves.into_iter().zip(division.groups).map(|(mut wave, groups)| {
        if wave.size.is_some() {
            wave.groups = groups;
        }
        wave
    });
    Ok(PatchPlan {
        bake_input,
        wave_count,
        waves: waves.collect(),
        cycle: input.cycle,
        shared_templates: input.shared_templates,
        topics,
        max_new_ami_checks: checks,
        check_every_seconds,
        claim_seconds: claim_seconds(checks, check_every_seconds, wave_count),
        claim: input.claim,
    })
}
