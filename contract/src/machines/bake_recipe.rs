//! bake_recipe: one recipe of a bake.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bake::RecipeJob;

pub type Input = RecipeJob;

/// How an instance is doing (a builder, a boot test).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceCheck {
    pub instance_id: String,
    /// `pending`, `running`, `stopping`, `stopped`, ...
    pub state: String,
    /// Running with both status checks passed.
    pub ready: bool,
}

/// How an SSM command is doing.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandCheck {
    pub command_id: Option<String>,
    /// `Pending`, `InProgress`, `Success`, `Failed`, `Cancelled`, `TimedOut`, ... (`Success` when
    /// there was nothing to run).
    pub status: String,
}

/// How a CodeBuild build is doing, and the AMI it made.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuildCheck {
    pub build_id: String,
    /// `IN_PROGRESS`, `SUCCEEDED`, `FAILED`, `FAULT`, `STOPPED`, `TIMED_OUT`.
    pub status: String,
    /// The AMI the build exported as `AMI_ID`, once it succeeded.
    pub image_id: Option<String>,
}
