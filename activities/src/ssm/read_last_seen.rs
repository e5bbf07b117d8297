//! Read the last source AMI a recipe baked, from the account's own SSM parameter.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::read_last_seen::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:GetParameter"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    Ok(Output { source_image_id: super::parameter_value(clients, &input.parameter).await? })
}
