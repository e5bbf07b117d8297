//! Activities that call Amazon EC2.

pub mod apply_image;
pub mod apply_retention;
pub mod check_instance;
pub mod copy_image;
pub mod create_image;
pub mod describe_fast_launch;
pub mod describe_image;
pub mod enable_fast_launch;
pub mod latest_baked_images;
pub mod launch_instance;
pub mod restore_launch_template;
pub mod set_image_lifecycle;
pub mod share_image;
pub mod terminate_instances;

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

/// The tag keys tuesday itself gives a baked image and its snapshots (a recipe may add its own).
pub const BAKED_TAG_KEYS: [&str; 2] = ["tuesday:recipe", "tuesday:source"];

/// The tags of every baked image and of its snapshots, given in the call that makes them: the
/// recipe, the source, and the recipe's own. Tagged at birth, the snapshots are as findable (and as
/// deletable, under a `tuesday:recipe` condition) as the image.
pub(crate) fn baked_tags(
    recipe: &str,
    source_image_id: &str,
    extra: &BTreeMap<String, String>,
) -> Vec<TagSpecification> {
    let tags: Vec<Tag> = BAKED_TAG_KEYS
        .into_iter()
        .zip([recipe, source_image_id])
        .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect();
    [ResourceType::Image, ResourceType::Snapshot]
        .map(|kind| TagSpecification::builder().resource_type(kind).set_tags(Some(tags.clone())).build())
        .into()
}

/// A baked image's name: unique per recipe and source, readable in the console.
pub(crate) fn image_name(recipe: &str, source_name: Option<&str>, source_image_id: &str) -> String {
    let stamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    format!("tuesday-{recipe}-{}-{stamp}", source_name.unwrap_or(source_image_id))
}
