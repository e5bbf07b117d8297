//! update: point every target group at a new AMI, then cycle it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use serde_json::json;

use super::cycle;
use crate::map_run::Location;

/// Groups updated at once, at most (fewer when the account's vCPU quota leaves no room for more surges).
pub const MAX_CONCURRENT_GROUPS: u32 = 4;
/// The most groups one update handles; more belong in several waves.
pub const MAX_GROUPS: u32 = 10_000;
/// The most groups an update's output (and a patch's record of its wave) lists one by one: beyond
/// it, only those neither patched nor skipped, up to as many, and every group's result stays in S3.
pub const LISTED_GROUPS: usize = 50;
/// The most other groups on a template a group's request names (those a new version would reach
/// first): a template a whole estate shares would otherwise fill the update's state.
pub const MAX_TEMPLATE_USERS: usize = 20;

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
    /// With `recipe`: leave out these of its groups (earlier waves of a patch take them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except_groups: Vec<String>,
    /// Start the cycle of each updated group; otherwise only publish the cycle request.
    #[serde(default = "default_true")]
    pub start_cycle: bool,
    /// How each group is cycled.
    #[serde(default)]
    pub cycle: CycleSettings,
    /// What to do with a group whose launch template other groups follow through `$Default`.
    #[serde(default)]
    pub shared_templates: SharedTemplates,
    /// An SNS topic for cycle requests.
    pub topic_arn: Option<String>,
    /// Plan every group and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an update does with a group whose launch template's `$Default` other groups follow too
/// (later waves, groups tuesday does not manage): moving the default would hand them the new image
/// at their next launch, before this wave has proven it, and a rollback would move them back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SharedTemplates {
    /// Pin the group to the new version, leaving the template's default where it is (and put the
    /// group back on `$Default` if it rolls back).
    #[default]
    Pin,
    /// Block the group, naming the others.
    Block,
}

/// A group that launches from a template, and how it names the version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateUser {
    pub group_name: String,
    /// `$Default`, `$Latest` or a number.
    pub version: String,
    /// The group is one of this update's.
    pub in_update: bool,
}

impl TemplateUser {
    pub fn follows(&self, reference: &str) -> bool {
        self.version == reference
    }
}

impl std::fmt::Display for TemplateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = &self.version;
        match version.starts_with('$') {
            true => write!(f, "{} ({version})", self.group_name),
            false => write!(f, "{} (version {version})", self.group_name),
        }
    }
}

fn default_true() -> bool {
    true
}

/// The cycle's settings an update passes on to every group it cycles.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CycleSettings {
    /// `surge` (tuesday's own) or `instance-refresh` (EC2 Auto Scaling's, to the new version, the
    /// group left as it is until the refresh succeeds).
    #[serde(default)]
    pub strategy: cycle::Strategy,
    /// With `instance-refresh`: pause once this percentage of the instances are replaced, each time
    /// for `checkpointDelaySeconds`, to look at the new ones before the rest (ascending, the last 100).
    #[serde(default)]
    pub checkpoints: Vec<u32>,
    /// With `instance-refresh`: how long each checkpoint pauses the refresh (AWS's default: an hour).
    #[serde(default = "cycle::defaults::checkpoint_delay_seconds")]
    #[schemars(range(max = 172800))]
    pub checkpoint_delay_seconds: u64,
    /// With `instance-refresh`: CloudWatch alarms (at most 10) that fail the refresh when one goes
    /// into ALARM; AWS rolls it back.
    #[serde(default)]
    pub alarms: Vec<String>,
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
    /// The cycle of `group_name` with these settings (nothing to roll back to, no version to refresh to).
    pub fn cycle_input(&self, group_name: &str, topic_arn: Option<String>, dry_run: bool) -> cycle::Input {
        cycle::Input {
            group_name: group_name.to_owned(),
            strategy: self.strategy,
            refresh_to: None,
            checkpoints: self.checkpoints.clone(),
            checkpoint_delay_seconds: self.checkpoint_delay_seconds,
            alarms: self.alarms.clone(),
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
    #[serde(default)]
    pub shared_templates: SharedTemplates,
    /// The other groups that launch from this group's launch template (itself, or through its
    /// mixed instances policy and overrides), found across the account: those following `$Latest`
    /// from outside the update first, then `$Default`, at most `MAX_TEMPLATE_USERS`.
    #[serde(default)]
    pub template_users: Vec<TemplateUser>,
    pub topic_arn: Option<String>,
    pub dry_run: bool,
}

/// The groups found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Targets {
    pub image_id: String,
    pub dry_run: bool,
    /// How many groups were found. Their requests are in `requestsAt`, not in the state: an update
    /// may find thousands.
    pub groups: u32,
    /// The groups' requests, a JSON array the update's Distributed Map reads.
    pub requests_at: Location,
    /// How many groups are updated and cycled at once: at most `MAX_CONCURRENT_GROUPS`, and no
    /// more than the region's On-Demand vCPU quotas leave room to surge.
    pub max_concurrency: u32,
    /// What set `maxConcurrency`, in words.
    pub surge_budget: String,
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

/// How a new launch template version is made effective for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MadeEffective {
    /// Made the template's default: the group is the only one that follows `$Default`.
    TemplateDefault,
    /// The group pinned to the new version: it pinned a number already, or other groups follow the
    /// template's `$Default`, which stays where it is.
    PinnedVersion,
    /// Live as soon as it exists: the group follows `$Latest`, and no other group does. A rollback
    /// deletes the new version, and `$Latest` is again what it was.
    Latest,
    /// Live as soon as it exists for every group of this update that follows the template's
    /// `$Latest`: a rollback pins the group to the version before (deleting its version could leave
    /// another group's new one as `$Latest`).
    SharedLatest,
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
    /// How a new template version is made effective (none for a launch configuration).
    #[serde(default)]
    pub made_effective: Option<MadeEffective>,
    /// The other groups that launch from the group's template, and how they name its version.
    #[serde(default)]
    pub shared_with: Vec<String>,
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

/// The groups' results, read from where the update's Distributed Map wrote them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub total: u32,
    /// Instances replaced, in every group.
    pub replaced: u32,
    /// How many groups ended in each status: patched, updated, skipped, blocked, planned or failed.
    pub counts: std::collections::BTreeMap<String, u32>,
    /// Each group's result (`groupName`, `status`, and why), in order of name: every group's, or
    /// beyond `LISTED_GROUPS` those neither patched nor skipped, up to as many.
    pub groups: Vec<serde_json::Value>,
    /// Whether `groups` lists every group.
    pub listed_all: bool,
}
