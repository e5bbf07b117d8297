//! Launch one instance for a bake: the builder of an `ssm-build` recipe, or a boot test of a baked
//! image. Tagged with the recipe and its purpose, so a forgotten one is easy to find.

use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, IamInstanceProfileSpecification, InstanceType, ResourceType, Tag,
    TagSpecification,
};
use contract::machines::bake::Encryption;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::launch_instance::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeImages", "ec2:RunInstances"];

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
    if let Some(encryption) = input.encryption.filter(|e| e.encrypted) {
        launch = launch.block_device_mappings(encrypted_root(clients, &input.image_id, encryption).await?);
    }
    let launched = launch.send().await?;
    let instance_id = launched
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .ok_or_else(|| ActivityError::new(crate::errors::AWS, "RunInstances returned no instance"))?;
    Ok(Output { instance_id: instance_id.to_owned() })
}

/// The image's root volume, encrypted with the recipe's key (EBS's default key without one).
async fn encrypted_root(
    clients: &Clients,
    image_id: &str,
    encryption: Encryption,
) -> Result<BlockDeviceMapping, ActivityError> {
    let described = clients.ec2.describe_images().image_ids(image_id).send().await?;
    let root = described
        .images()
        .first()
        .and_then(|i| i.root_device_name())
        .ok_or_else(|| ActivityError::not_found(format!("the root device of {image_id}")))?;
    // A builder's volume must not outlive it.
    let ebs = EbsBlockDevice::builder()
        .encrypted(true)
        .set_kms_key_id(encryption.kms_key_id)
        .delete_on_termination(true)
        .build();
    Ok(BlockDeviceMapping::builder().device_name(root).ebs(ebs).build())
}
