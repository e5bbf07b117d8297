//! update: point every target group at a new AMI, then cycle it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use serde_json::json;

use super::cycle;

/// Groups updated at once.
pub const MAX_CONCURRENT_GROUPS: u32 = 4;
/// The most groups one update handles; more belong in several waves.
pub const MAX_GROUPS: u32 = 50;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// The AMI to roll out.
    pub image_id: String,
    /// Update every group tagged `tuesday:image=<recipe>`.
    pub recipe: Option<String>,
    /// Update these groups (with `recipe`, both).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Start the cycle of each updated group; otherwise only publish the cycle request.
    #[serde(default = "default_true")]
    pub start_cycle: bool,
    /// How each group is cycled.
    #[serde(default)]
    pub cycle: CycleSettings,
    /// An SNS topic for cycle requests.
    pub topic_arn: Option<String>,
    /// Plan every group and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn default_true() -> bool {
    true
}

/// The cycle's settings an update passes on to every group it cycles.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CycleSettings {
    #[serde(default = "cycle::defaults::surge_percent")]
    #[schemars(range(min = 1, max = 100))]
    pub surge_percent: u32,
    #[serde(default = "cycle::defaults::warm_up_seconds")]
    pub warm_up_seconds: u64,
    #[serde(default = "cycle::defaults::poll_seconds")]
    pub poll_seconds: u64,
    #[serde(default = "cycle::defaults::healthy_timeout_seconds")]
    pub healthy_timeout_seconds: u64,
    #[serde(default)]
    pub pre_termination_command: Vec<String>,
    #[serde(default = "cycle::defaults::pre_termination_timeout_seconds")]
    #[schemars(range(min = 1))]
    pub pre_termination_timeout_seconds: u64,
    #[serde(default)]
    pub readiness_command: Vec<String>,
    #[serde(default = "cycle::defaults::readiness_timeout_seconds")]
    #[schemars(range(min = 1))]
    pub readiness_timeout_seconds: u64,
    #[serde(default)]
    pub protected_instances: cycle::ProtectedInstances,
    #[serde(default)]
    pub standby_instances: cycle::StandbyInstances,
}

impl CycleSettings {
    /// The cycle of `group_name` with these settings (tuesday's own strategy, nothing to roll back to).
    pub fn cycle_input(&self, group_name: &str, topic_arn: Option<String>, dry_run: bool) -> cycle::Input {
        cycle::Input {
            group_name: group_name.to_owned(),
            strategy: cycle::Strategy::Surge,
            surge_percent: self.surge_percent,
            warm_up_seconds: self.warm_up_seconds,
            poll_seconds: self.poll_seconds,
            healthy_timeout_seconds: self.healthy_timeout_seconds,
            pre_termination_command: self.pre_termination_command.clone(),
            pre_termination_timeout_seconds: self.pre_termination_timeout_seconds,
            readiness_command: self.readiness_command.clone(),
            readiness_timeout_seconds: self.readiness_timeout_seconds,
            protected_instances: self.protected_instances,
            standby_instances: self.standby_instances,
            rollback: None,
            topic_arn,
            dry_run,
        }
    }
}

impl Default for CycleSettings {
    fn default() -> Self {
        serde_json::from_value(json!({})).expect("every field has a default")
    }
}

/// One group to update, as the group search hands it on.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupRequest {
    pub group_name: String,
    pub image_id: String,
    pub start_cycle: bool,
    pub cycle: CycleSettings,
    pub topic_arn: Option<String>,
    pub dry_run: bool,
}

/// The groups found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Targets {
    pub image_id: String,
    pub dry_run: bool,
    pub requests: Vec<GroupRequest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Every instance and the effective template already use the AMI.
    Skip,
    /// A new launch template version, made effective for the group.
    NewTemplateVersion,
    /// The template already gives the AMI, but instances run another: cycle only.
    CycleOnly,
    /// A copy of the legacy launch configuration with the new image, swapped in.
    CloneLaunchConfiguration,
    /// Something makes the update unsafe; see `blockers`.
    Blocked,
}

/// What updating one group means, computed without changing anything.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupPlan {
    pub group_name: String,
    pub action: Action,
    pub image_id: String,
    pub current_image_id: Option<String>,
    pub launch_template_id: Option<String>,
    /// How the group names its version: `$Default`, `$Latest` or a number.
    pub version_reference: Option<String>,
    /// The version number `version_reference` resolves to now.
    pub current_version: Option<String>,
    pub launch_configuration_name: Option<String>,
    pub mixed_instances_policy: bool,
    pub blockers: Vec<String>,
    pub warnings: Vec<String>,
    pub dry_run: bool,
    pub start_cycle: bool,
    pub topic_arn: Option<String>,
    /// The cycle's input, rollback still to be filled in by the update.
    pub cycle_input: cycle::Input,
}

/// What making the new image effective did.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The new launch template version, or the new launch configuration's name.
    pub effective: String,
    pub rollback: Option<cycle::Rollback>,
    /// The cycle's input with the rollback filled in.
    pub cycle_input: cycle::Input,
}
