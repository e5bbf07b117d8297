//! The newest image the account baked for each recipe: the one this run baked, or else an earlier
//! run's newest.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::latest_baked_images::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeImages"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut by_recipe = BTreeMap::new();
    for recipe in &input.recipes {
        let baked_now = input.baked.iter().find(|b| b["recipe"] == recipe.name.as_str());
        if let Some(id) = baked_now.and_then(|b| b["imageId"].as_str()) {
            by_recipe.insert(recipe.name.clone(), id.to_owned());
            continue;
        }
        let filter = Filter::builder().name("tag:tuesday:recipe").values(&recipe.name).build();
        let owned = clients.ec2.describe_images().owners("self").filters(filter).send().await?;
        let newest = owned
            .images()
            .iter()
            .filter(|i| i.state().map(|s| s.as_str()) == Some("available"))
            .max_by(|a, b| a.creation_date().cmp(&b.creation_date()).then_with(|| a.image_id().cmp(&b.image_id())));
        if let Some(id) = newest.and_then(|i| i.image_id()) {
            by_recipe.insert(recipe.name.clone(), id.to_owned());
        }
    }
    Ok(Output { by_recipe })
}
