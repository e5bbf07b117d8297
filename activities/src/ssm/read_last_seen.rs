//! Read the last source AMI a recipe baked, from the account's own SSM parameter.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::read_last_seen::{Input, Output};

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    Ok(Output { source_image_id: super::parameter_value(clients, &input.parameter).await? })
}
