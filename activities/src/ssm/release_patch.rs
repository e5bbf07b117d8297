//! Let go of the patch's claim: delete the claim parameter if this execution holds it.

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::release_patch::{Input, Output};

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    match super::holder(clients, &input.parameter).await? {
        Some(held) if held.execution == input.execution => {
            clients.ssm.delete_parameter().name(&input.parameter).send().await?;
            Ok(Output { released: true })
        }
        _ => Ok(Output { released: false }),
    }
}
