//! Let go of the patch's claim: delete the claim parameter if this execution holds it.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::release_patch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:DeleteParameter", "ssm:GetParameter"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    match super::holder(clients, &input.parameter).await? {
        Some(held) if held.execution == input.execution => {
            clients.ssm.delete_parameter().name(&input.parameter).send().await?;
            Ok(Output { released: true })
        }
        _ => Ok(Output { released: false }),
    }
}
