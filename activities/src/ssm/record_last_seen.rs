//! Record the source AMI a recipe just baked, so the next bake of the same source is skipped.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::record_last_seen::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:PutParameter"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let put = clients
        .ssm
        .put_parameter()
        .name(&input.parameter)
        .value(&input.source_image_id)
        .description(format!("tuesday: baked into {}", input.image_id))
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await?;
    Ok(Output { version: put.version() })
}
