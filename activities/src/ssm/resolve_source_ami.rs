//! Resolve a source image: the AMI a public parameter names today (or an AMI given by id), with its
//! name, creation date and deprecation time.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::resolve_source_ami::{Input, Output, Source};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:DescribeImages", "ssm:GetParameter"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let (image_id, parameter, parameter_version) = match (input.source.parameter, input.source.image_id) {
        (Some(name), None) => {
            if !name.starts_with('/') {
                return Err(ActivityError::invalid_input("source.parameter", format!("'{name}' must start with '/'")));
            }
            let found = clients.ssm.get_parameter().name(&name).send().await?;
            let parameter = found.parameter().ok_or_else(|| ActivityError::not_found(format!("parameter {name}")))?;
            let image_id = parameter.value().unwrap_or_default().to_owned();
            let version = parameter.version();
            (image_id, Some(name), Some(version))
        }
        (None, Some(image_id)) => {
            if !image_id.starts_with("ami-") {
                return Err(ActivityError::invalid_input("source.imageId", format!("'{image_id}' is not an AMI id")));
            }
            (image_id, None, None)
        }
        (Some(_), Some(_)) => {
            return Err(ActivityError::invalid_input("source", "give parameter or imageId, not both"))
        }
        (None, None) => return Err(ActivityError::invalid_input("source", "give a parameter or an imageId")),
    };

    let described = clients.ec2.describe_images().image_ids(&image_id).send().await?;
    let image = described.images().first().ok_or_else(|| ActivityError::not_found(format!("image {image_id}")))?;
    Ok(Output {
        image_id,
        name: image.name().map(str::to_owned),
        creation_date: image.creation_date().map(str::to_owned),
        deprecation_time: image.deprecation_time().map(str::to_owned),
        parameter,
        parameter_version,
    })
}
