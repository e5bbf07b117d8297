//! Launch one instance for a bake: the builder of an `ssm-build` recipe, or a boot test of a baked
//! image. Tagged with the recipe and its purpose, so a forgotten one is easy to find.

use aws_sdk_ec2::types::{IamInstanceProfileSpecification, InstanceType, ResourceType, Tag, TagSpecification};

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::launch_instance::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:RunInstances"];

/// The instance's tags: its name, and the recipe and purpose it is launched for.
pub const TAG_KEYS: [&str; 3] = ["Name", "tuesday:recipe", "tuesday:purpose"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let [name, recipe, purpose] = TAG_KEYS;
    let values = [format!("tuesday {} {}", input.purpose, input.recipe), input.recipe.clone(), input.purpose.clone()];
    let tagged = [name, recipe, purpose].into_iter().zip(values);
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Instance)
        .set_tags(Some(tagged.map(|(key, value)| Tag::builder().key(key).value(value).build()).collect()))
        .build();
    let mut launch = clients
        .ec2
        .run_instances()
        .image_id(&input.image_id)
        .instance_type(InstanceType::from(input.instance_type.as_str()))
        .min_count(1)
        .max_count(1)
        .set_subnet_id(input.subnet_id)
        .tag_specifications(tags);
    if !input.security_group_ids.is_empty() {
        launch = launch.set_security_group_ids(Some(input.security_group_ids));
    }
    if let Some(profile) = input.instance_profile {
        launch = launch.iam_instance_profile(IamInstanceProfileSpecification::builder().name(profile).build());
    }
    let launched = launch.send().await?;
    let instance_id = launched
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .ok_or_else(|| ActivityError::new(crate::errors::AWS, "RunInstances returned no instance"))?;
    Ok(Output { instance_id: instance_id.to_owned() })
}
