//! Claim the patch for this execution: create the claim parameter, which fails if another patch holds
//! it. A claim past its time was left by a patch that was stopped, and is taken over.

use aws_sdk_ssm::types::ParameterType;
use contract::machines::patch::Claim;
use serde::{Deserialize, Serialize};

use crate::{ActivityError, Clients};

pub use contract::activities::ssm::claim_patch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ssm:GetParameter", "ssm:PutParameter"];

/// What the claim parameter holds.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Holder {
    pub execution: String,
    /// Seconds since the epoch after which the claim may be taken over.
    pub until: u64,
}

pub async fn handle(clients: &Clients, input: Input) -> Result<Claim, ActivityError> {
    let mine = Holder { execution: input.execution.clone(), until: super::now_seconds() + input.seconds };
    if put(clients, &input.parameter, &mine, false).await? {
        return Ok(Claim { claimed: true, holder: input.execution });
    }
    let holder = super::holder(clients, &input.parameter).await?;
    match holder {
        // Held by this execution (a retried call), or by one that cannot still be running.
        Some(held) if held.execution != input.execution && held.until > super::now_seconds() => {
            Ok(Claim { claimed: false, holder: held.execution })
        }
        _ => {
            put(clients, &input.parameter, &mine, true).await?;
            Ok(Claim { claimed: true, holder: input.execution })
        }
    }
}

/// Writes the claim; false when it exists and `overwrite` is not set.
async fn put(clients: &Clients, parameter: &str, holder: &Holder, overwrite: bool) -> Result<bool, ActivityError> {
    let value = serde_json::to_string(holder).map_err(|e| ActivityError::new(crate::errors::AWS, e))?;
    let put = clients
        .ssm
        .put_parameter()
        .name(parameter)
        .value(value)
        .r#type(ParameterType::String)
        .overwrite(overwrite)
        .description("tuesday: the patch execution running now")
        .send()
        .await;
    match put {
        Ok(_) => Ok(true),
        Err(error) if error.as_service_error().is_some_and(|e| e.is_parameter_already_exists()) => Ok(false),
        Err(error) => Err(error.into()),
    }
}
