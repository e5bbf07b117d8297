//! Retention after a patch's waves, for every recipe at once: the account is read once for what it
//! launches from. Per recipe, newest first, an image is kept when it is one of the newest `keep`,
//! the rollback target (the one before the newest), launched from by anything in the account, or
//! shared with an account still in `shareWith` (tuesday cannot see what that account launches);
//! a protected image is left and reported; the rest are deregistered (their EC2 Fast Launch disabled
//! first), with the snapshots tuesday made for them.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, Image, ImageAttributeName};
use contract::activities::ec2::apply_retention::{KeptImage, RecipeRetention};
use contract::machines::bake::Recipe;

use crate::autoscaling::template_users::templates_of;
use crate::autoscaling::IMAGE_PARAMETER;
use crate::ec2::describe_fast_launch::fast_launch_of;
use crate::ec2::BAKED_TAG_KEYS;
use crate::{ActivityError, Clients};

pub use contract::activities::ec2::apply_retention::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "ec2:DeleteSnapshot",
    "ec2:DeregisterImage",
    "ec2:DescribeFastLaunchImages",
    "ec2:DescribeImageAttribute",
    "ec2:DescribeImages",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeSnapshots",
    "ec2:DisableFastLaunch",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if let Some(i) = input.recipes.iter().position(|r| r.keep == 0) {
        return Err(ActivityError::invalid_input(&format!("recipes[{i}].keep"), "must be at least 1"));
    }
    let launched = launched_images(clients).await?;
    let mut recipes = Vec::new();
    for recipe in &input.recipes {
        recipes.push(retain(clients, recipe, &launched).await?);
    }
    Ok(Output { recipes })
}

async fn retain(
    clients: &Clients,
    recipe: &Recipe,
    launched: &BTreeMap<String, String>,
) -> Result<RecipeRetention, ActivityError> {
    let mut retention = RecipeRetention {
        recipe: recipe.name.clone(),
        kept: Vec::new(),
        protected: Vec::new(),
        fast_launch_disabled: Vec::new(),
        deregistered: Vec::new(),
        deleted_snapshots: Vec::new(),
        snapshots_left: Vec::new(),
    };
    for (rank, image) in baked_images(clients, &recipe.name).await?.iter().enumerate() {
        let id = image.image_id().unwrap_or_default();
        let because = match rank {
            rank if rank < recipe.keep as usize => Some(format!("one of the newest {}", recipe.keep)),
            1 => Some("the rollback target: the image before the newest".to_owned()),
            _ => match launched.get(id) {
                Some(user) => Some(format!("launched by {user}")),
                None => shared_with_a_listed_account(clients, id, &recipe.share_with)
                    .await?
                    .map(|account| format!("shared with {account}, still in shareWith")),
            },
        };
        if let Some(because) = because {
            retention.kept.push(KeptImage { image_id: id.to_owned(), because });
        } else if protected(image) {
            retention.protected.push(id.to_owned());
        } else {
            // Its pre-provisioned snapshots go with it, not left behind for someone to pay for.
            if fast_launch_of(clients, id).await?.is_some() {
                clients.ec2.disable_fast_launch().image_id(id).send().await?;
                retention.fast_launch_disabled.push(id.to_owned());
            }
            clients.ec2.deregister_image().image_id(id).send().await?;
            retention.deregistered.push(id.to_owned());
            let (deleted, left) = delete_baked_snapshots(clients, image, &recipe.name).await?;
            retention.deleted_snapshots.extend(deleted);
            retention.snapshots_left.extend(left);
        }
    }
    Ok(retention)
}

/// The recipe's images, newest first (ISO 8601 creation dates sort as text).
async fn baked_images(clients: &Clients, recipe: &str) -> Result<Vec<Image>, ActivityError> {
    let mut images = Vec::new();
    let filter = Filter::builder().name(format!("tag:{}", BAKED_TAG_KEYS[0])).values(recipe).build();
    let mut pages = clients.ec2.describe_images().owners("self").filters(filter).into_paginator().send();
    while let Some(page) = pages.next().await {
        images.extend(page?.images().iter().cloned());
    }
    images.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()).then_with(|| b.image_id().cmp(&a.image_id())));
    Ok(images)
}

/// Every image something in the account launches from, with one of its users: each group's launch
/// template versions (its own, its mixed instances policy's and their overrides'; a warm pool
/// launches from its group's), every launch configuration (tuesday's own copies too), and every
/// template's `$Default` and `$Latest` (what a launch naming only the template gets).
async fn launched_images(clients: &Clients) -> Result<BTreeMap<String, String>, ActivityError> {
    let mut launched = BTreeMap::new();
    // Template (id, or name) → version as named → who launches from it.
    let mut versions: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut groups = clients.autoscaling.describe_auto_scaling_groups().into_paginator().send();
    while let Some(page) = groups.next().await {
        for group in page?.auto_scaling_groups() {
            let name = group.auto_scaling_group_name().unwrap_or_default();
            for (template, version) in templates_of(group) {
                let user = format!("group {name} ({version} of {template})");
                versions.entry(template).or_default().entry(version).or_insert(user);
            }
        }
    }
    let mut templates = clients.ec2.describe_launch_templates().into_paginator().send();
    while let Some(page) = templates.next().await {
        for template in page?.launch_templates() {
            let Some(id) = template.launch_template_id() else { continue };
            for version in ["$Default", "$Latest"] {
                let user = format!("{version} of launch template {}", template.launch_template_name().unwrap_or(id));
                versions.entry(id.to_owned()).or_default().entry(version.to_owned()).or_insert(user);
            }
        }
    }
    for (template, named) in &versions {
        for (version, user) in named {
            if let Some(image) = image_of_version(clients, template, version).await? {
                launched.entry(image).or_insert_with(|| user.clone());
            }
        }
    }
    let mut configurations = clients.autoscaling.describe_launch_configurations().into_paginator().send();
    while let Some(page) = configurations.next().await {
        for configuration in page?.launch_configurations() {
            if let Some(image) = configuration.image_id() {
                let user = format!("launch configuration {}", configuration.launch_configuration_name().unwrap_or("?"));
                launched.entry(image.to_owned()).or_insert(user);
            }
        }
    }
    Ok(launched)
}

/// The image one version of a template launches, its SSM parameter resolved; none when the version
/// names no image or no longer exists (it launches nothing). An image retention cannot name stops
/// it: deregistering what something launches from would break its next launch.
async fn image_of_version(clients: &Clients, template: &str, version: &str) -> Result<Option<String>, ActivityError> {
    let request = clients.ec2.describe_launch_template_versions().versions(version).resolve_alias(true);
    let request = match template.starts_with("lt-") {
        true => request.launch_template_id(template),
        false => request.launch_template_name(template),
    };
    let described = match request.send().await {
        Ok(described) => described,
        Err(error) if error.code().is_some_and(|code| code.contains("NotFound")) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let image = described.launch_template_versions().first().and_then(|v| v.launch_template_data()?.image_id());
    match image {
        Some(alias) if alias.starts_with(IMAGE_PARAMETER) => Err(ActivityError::new(
            contract::errors::AWS,
            format!(
                "retention cannot tell which image {version} of launch template {template} launches \
                 ('{alias}'): nothing was deregistered"
            ),
        )),
        image => Ok(image.map(str::to_owned)),
    }
}

/// The first account of `share_with` the image is shared with, if any.
async fn shared_with_a_listed_account(
    clients: &Clients,
    image_id: &str,
    share_with: &[String],
) -> Result<Option<String>, ActivityError> {
    if share_with.is_empty() {
        return Ok(None);
    }
    let attribute = clients
        .ec2
        .describe_image_attribute()
        .image_id(image_id)
        .attribute(ImageAttributeName::LaunchPermission)
        .send()
        .await?;
    let shared: BTreeSet<&str> = attribute.launch_permissions().iter().filter_map(|p| p.user_id()).collect();
    Ok(share_with.iter().find(|account| shared.contains(account.as_str())).cloned())
}

/// Protected from deregistration, or still in the cooldown after its protection was lifted
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deregistration-protection.html).
fn protected(image: &Image) -> bool {
    image.deregistration_protection().is_some_and(|state| state != "disabled")
}

/// Deletes the snapshots behind a deregistered image that carry the recipe's tag (tuesday tags them
/// as it makes them, and the grant to delete is scoped by it); returns those deleted and those left.
async fn delete_baked_snapshots(
    clients: &Clients,
    image: &Image,
    recipe: &str,
) -> Result<(Vec<String>, Vec<String>), ActivityError> {
    let ids: Vec<String> = image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
        .collect();
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let described = clients.ec2.describe_snapshots().set_snapshot_ids(Some(ids.clone())).send().await?;
    let baked: BTreeSet<&str> = described
        .snapshots()
        .iter()
        .filter(|s| s.tags().iter().any(|t| t.key() == Some(BAKED_TAG_KEYS[0]) && t.value() == Some(recipe)))
        .filter_map(|s| s.snapshot_id())
        .collect();
    let (deleted, left): (Vec<String>, Vec<String>) = ids.into_iter().partition(|id| baked.contains(id.as_str()));
    for snapshot in &deleted {
        clients.ec2.delete_snapshot().snapshot_id(snapshot).send().await?;
    }
    Ok((deleted, left))
}
