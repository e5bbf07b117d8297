//! Check every recipe of a bake before any AWS call, naming the field that is wrong
//! (`recipes[1].source.parameter`), and prepare what each recipe's bake needs.

use std::collections::BTreeSet;

use contract::machines::bake::{Jobs, Mode, Recipe, RecipeJob, MAX_RECIPES};

use crate::ActivityError;

pub use contract::activities::checks::validate_recipes::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

/// Where the last source AMI baked for a recipe is kept, in the account's own parameters.
pub fn last_seen_parameter(recipe: &str) -> String {
    format!("/tuesday/recipes/{recipe}/last-seen-source")
}

pub async fn handle(_: &crate::Clients, input: Input) -> Result<Jobs, ActivityError> {
    if input.recipes.is_empty() {
        return Err(ActivityError::invalid_input("recipes", "give at least one recipe"));
    }
    if input.recipes.len() > MAX_RECIPES as usize {
        return Err(ActivityError::invalid_input(
            "recipes",
            format!("{} recipes; one bake takes at most {MAX_RECIPES}", input.recipes.len()),
        ));
    }
    if let Some(topic) = input.topic_arn.as_deref().filter(|t| !t.starts_with("arn:")) {
        return Err(ActivityError::invalid_input("topicArn", format!("'{topic}' is not an ARN")));
    }
    let mut names = BTreeSet::new();
    for (i, recipe) in input.recipes.iter().enumerate() {
        check(recipe)
            .map_err(|(field, problem)| ActivityError::invalid_input(&format!("recipes[{i}].{field}"), problem))?;
        if !names.insert(recipe.name.as_str()) {
            return Err(ActivityError::invalid_input(
                &format!("recipes[{i}].name"),
                format!("'{}' is used twice", recipe.name),
            ));
        }
    }
    let jobs = input
        .recipes
        .into_iter()
        .map(|recipe| RecipeJob {
            force: input.force || recipe.force,
            dry_run: input.dry_run,
            topic_arn: input.topic_arn.clone(),
            last_seen_parameter: last_seen_parameter(&recipe.name),
            recipe,
        })
        .collect();
    Ok(Jobs { jobs })
}

/// The first problem with a recipe: the field (below the recipe) and what is wrong.
fn check(recipe: &Recipe) -> Result<(), (String, String)> {
    let problem = |field: &str, text: String| Err((field.to_owned(), text));
    let name_ok = !recipe.name.is_empty()
        && recipe.name.len() <= 63
        && recipe.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return problem("name", format!("'{}' must be 1 to 63 lower-case letters, digits or dashes", recipe.name));
    }
    match (&recipe.source.parameter, &recipe.source.image_id) {
        (Some(parameter), None) if !parameter.starts_with('/') => {
            return problem("source.parameter", format!("'{parameter}' must start with '/'"))
        }
        (None, Some(image)) if !image.starts_with("ami-") => {
            return problem("source.imageId", format!("'{image}' is not an AMI id"))
        }
        (Some(_), Some(_)) => return problem("source", "give parameter or imageId, not both".into()),
        (None, None) => return problem("source", "give a parameter or an imageId".into()),
        _ => {}
    }
    if recipe.keep == 0 {
        return problem("keep", "must be at least 1: the newest image is always kept".into());
    }
    if let Some(days) = recipe.deprecate_after_days.filter(|d| !(1..=3650).contains(d)) {
        return problem(
            "deprecateAfterDays",
            format!("{days}: give 1 to 3650 days (AWS deprecates at most 10 years ahead)"),
        );
    }
    if let Some(fast) = recipe.fast_launch.as_ref() {
        if fast.max_parallel_launches < 6 {
            let told = format!("{}: AWS launches at least 6 at once", fast.max_parallel_launches);
            return problem("fastLaunch.maxParallelLaunches", told);
        }
        if fast.snapshots == 0 {
            return problem("fastLaunch.snapshots", "keep at least one pre-provisioned snapshot".into());
        }
    }
    if let Some(key) = recipe.encryption.kms_key_id.as_deref() {
        if !recipe.encryption.encrypted {
            return problem("encryption.kmsKeyId", format!("'{key}' given but encrypted is false"));
        }
    }
    if let Some(account) = recipe.share_with.iter().find(|a| a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit())) {
        return problem("shareWith", format!("'{account}' is not a 12-digit account id"));
    }
    if let Some(empty) = recipe.provisioners.iter().position(|p| p.powershell.is_empty()) {
        return problem(&format!("provisioners[{empty}].powershell"), "give at least one line".into());
    }
    if recipe.mode == Mode::Packer && recipe.packer.is_none() {
        return problem("packer", "mode packer needs packer.projectName (the CodeBuild project)".into());
    }
    if recipe.mode == Mode::Copy && !recipe.provisioners.is_empty() {
        return problem("provisioners", "a copy runs no provisioners: use mode ssm-build or packer".into());
    }
    Ok(())
}
