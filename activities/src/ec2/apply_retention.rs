//! Retention for one recipe: keep the newest `keep` images and any image a launch template still
//! uses (the rollback target); deregister the rest and delete their snapshots.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::apply_retention::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "ec2:DeleteSnapshot",
    "ec2:DeregisterImage",
    "ec2:DescribeImages",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeLaunchTemplates",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.keep == 0 {
        return Err(ActivityError::invalid_input("keep", "must be at least 1"));
    }
    let owned = clients
        .ec2
        .describe_images()
        .owners("self")
        .filters(Filter::builder().name("tag:tuesday:recipe").values(&input.recipe).build())
        .send()
        .await?;
    let mut images: Vec<_> = owned.images().to_vec();
    // Newest first; ISO 8601 creation dates sort as text.
    images.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()).then_with(|| b.image_id().cmp(&a.image_id())));
    let in_use = images_in_launch_templates(clients).await?;

    let (mut kept, mut deregistered, mut deleted_snapshots) = (Vec::new(), Vec::new(), Vec::new());
    for (rank, image) in images.iter().enumerate() {
        let id = image.image_id().unwrap_or_default().to_owned();
        if rank < input.keep as usize || in_use.contains(&id) {
            kept.push(id);
            continue;
        }
        clients.ec2.deregister_image().image_id(&id).send().await?;
        for snapshot in image.block_device_mappings().iter().filter_map(|m| m.ebs().and_then(|e| e.snapshot_id())) {
            clients.ec2.delete_snapshot().snapshot_id(snapshot).send().await?;
            deleted_snapshots.push(snapshot.to_owned());
        }
        deregistered.push(id);
    }
    Ok(Output { kept, deregistered, deleted_snapshots })
}

/// Every image the default or latest version of any launch template names.
async fn images_in_launch_templates(clients: &Clients) -> Result<BTreeSet<String>, ActivityError> {
    let mut in_use = BTreeSet::new();
    let mut templates = clients.ec2.describe_launch_templates().into_paginator().send();
    while let Some(page) = templates.next().await {
        for template in page?.launch_templates() {
            let Some(id) = template.launch_template_id() else { continue };
            let versions = clients
                .ec2
                .describe_launch_template_versions()
                .launch_template_id(id)
                .versions("$Default")
                .versions("$Latest")
                .send()
                .await?;
            in_use.extend(
                versions
                    .launch_template_versions()
                    .iter()
                    .filter_map(|v| v.launch_template_data().and_then(|d| d.image_id()).map(str::to_owned)),
            );
        }
    }
    Ok(in_use)
}
