//! cycle: replace every instance of one Auto Scaling group with no loss of capacity.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most health checks a cycle makes; `healthyTimeoutSeconds / pollSeconds` is clamped to it.
pub const MAX_HEALTH_CHECKS: u32 = 150;
/// The most checks a rollback makes of the old instances, registered again, once the load balancer
/// could have found them healthy, before it gives up on them (and keeps the new instances serving).
pub const MAX_SERVING_CHECKS: u32 = 10;
/// Seconds between checks of the pre-termination command.
pub const COMMAND_POLL_SECONDS: u64 = 30;
/// The most checks of the pre-termination command: `preTerminationTimeoutSeconds` is clamped to
/// this many polls.
pub const MAX_COMMAND_CHECKS: u32 = 20;
/// The most batches a cycle takes: a surge of 1% replaces a group in at most a hundred.
pub const MAX_BATCHES: u32 = 100;
/// The most checks of an instance refresh's rollback, waited for as long as AWS takes (the refresh
/// itself is checked as long as a surge's instances are, and its checkpoints' pauses).
pub const MAX_REFRESH_CHECKS: u32 = 100;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// The Auto Scaling group to cycle.
    pub group_name: String,
    /// `surge` (tuesday's own, the default) or `instance-refresh` (EC2 Auto Scaling's, with
    /// MinHealthyPercentage 100, MaxHealthyPercentage 200, skip matching and auto rollback).
    #[serde(default)]
    pub strategy: Strategy,
    /// With `instance-refresh`, set by the update: the new launch template version, left for the
    /// refresh to make effective. None: the instances are refreshed to the version the group
    /// launches from now.
    #[serde(default)]
    pub refresh_to: Option<RefreshTo>,
    /// With `instance-refresh`: pause once this percentage of the instances are replaced, each time
    /// for `checkpointDelaySeconds`, to look at the new ones before the rest (ascending, the last 100).
    #[serde(default)]
    pub checkpoints: Vec<u32>,
    /// With `instance-refresh`: how long each checkpoint pauses the refresh (AWS's default: an hour).
    #[serde(default = "defaults::checkpoint_delay_seconds")]
    #[schemars(range(max = 172800))]
    pub checkpoint_delay_seconds: u64,
    /// With `instance-refresh`: CloudWatch alarms (at most 10) that fail the refresh when one goes
    /// into ALARM; AWS rolls it back.
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Extra instances while the old ones still serve, as a percentage of the desired capacity:
    /// 100 doubles the group and replaces it in one batch; less replaces it in batches of the
    /// surge, each old batch going only once its replacements are healthy. At least one instance
    /// is always added.
    #[serde(default = "defaults::surge_percent")]
    #[schemars(range(min = 1, max = 100))]
    pub surge_percent: u32,
    /// Seconds before the first health check: a Windows instance takes minutes to boot.
    #[serde(default = "defaults::warm_up_seconds")]
    pub warm_up_seconds: u64,
    /// Seconds between health checks after the first.
    #[serde(default = "defaults::poll_seconds")]
    #[schemars(range(min = 1))]
    pub poll_seconds: u64,
    /// Give up, and roll back, when the new instances are not all healthy after this long.
    #[serde(default = "defaults::healthy_timeout_seconds")]
    #[schemars(range(min = 1))]
    pub healthy_timeout_seconds: u64,
    /// PowerShell run on the old instances over SSM after they are drained, before they are
    /// terminated (to flush sessions to a shared store, say).
    #[serde(default)]
    pub pre_termination_command: Vec<String>,
    /// Give up on the pre-termination command, and roll back, when it has not ended on every old
    /// instance after this long (at most 10 minutes).
    #[serde(default = "defaults::pre_termination_timeout_seconds")]
    #[schemars(range(min = 1))]
    pub pre_termination_timeout_seconds: u64,
    /// PowerShell run over SSM on each new instance once the group (and its load balancers, or its
    /// SSM Agent) says it is up: it must succeed before the instance counts as ready (a probe of the
    /// application, say); a failure rolls the cycle back.
    #[serde(default)]
    pub readiness_command: Vec<String>,
    /// Give up on the readiness probe, and roll back, when it has not ended on every new instance
    /// after this long (at most 10 minutes).
    #[serde(default = "defaults::readiness_timeout_seconds")]
    #[schemars(range(min = 1))]
    pub readiness_timeout_seconds: u64,
    /// Instances protected from scale-in: `block` (the default: someone wants them kept, and the
    /// plan says which, before anything changes), `replace` (replaced like the others: protection
    /// does not stop an explicit terminate) or `ignore` (left on their image; the others are
    /// replaced, and the cycle verifies those).
    #[serde(default)]
    pub protected_instances: ProtectedInstances,
    /// Instances in Standby (out of service by someone's hand, not counted in the desired capacity):
    /// `block` (the default), `terminate` (once every old instance is replaced, as instance
    /// refresh's `Terminate` does) or `ignore` (left as they are, in Standby, on their image).
    #[serde(default)]
    pub standby_instances: StandbyInstances,
    /// The launch template version to put back if the cycle fails (the `update` machine sets it).
    pub rollback: Option<Rollback>,
    /// An SNS topic for "scale-up complete".
    pub topic_arn: Option<String>,
    /// Compute the plan and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    #[default]
    Surge,
    InstanceRefresh,
}

/// The version an update made for an `instance-refresh` cycle. The update changes neither the group
/// nor the template's default: AWS's refresh makes the version the group's once it succeeded, and
/// rolls back to what the group names if it fails.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshTo {
    /// The new numbered version of the group's launch template.
    pub version: String,
    /// The number the group launched from before the update made `version`.
    pub previous_version: String,
    /// Once the refresh succeeded, the template's default moves to `version` and the group follows
    /// `$Default` again: no other group follows it.
    #[serde(default)]
    pub make_default: bool,
    /// Once AWS rolled the refresh back, `version` is deleted and the group follows `$Latest` again,
    /// which is then what it launched before: it followed `$Latest`, and no other group of the
    /// update does.
    #[serde(default)]
    pub delete_on_rollback: bool,
}

/// An instance refresh, planned. AWS rolls back only a group that names a numbered version, so a
/// group that follows `$Default` or `$Latest` is pinned to the number it launches first, and named
/// as before once the refresh ended, where that launches what it should.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshPlan {
    pub launch_template_id: String,
    /// The numbered version the instances are replaced with: the refresh's desired configuration.
    pub version: String,
    /// Before the refresh: the group pinned to the number it launches.
    pub pin: Option<Rollback>,
    /// Once it succeeded: the template's default moved to `version`.
    pub default_after: Option<Rollback>,
    /// Once it succeeded: the group's own reference (`$Default`, `$Latest`) put back.
    pub reference_after_success: Option<Rollback>,
    /// Once AWS rolled it back: the group's own reference put back.
    pub reference_after_failure: Option<Rollback>,
    /// The input's checkpoints, their delay and alarms, for the refresh's preferences.
    #[serde(default)]
    pub checkpoints: Vec<u32>,
    #[serde(default = "defaults::checkpoint_delay_seconds")]
    pub checkpoint_delay_seconds: u64,
    #[serde(default)]
    pub alarms: Vec<String>,
}

/// What a cycle does with instances protected from scale-in. Blocking is the default because the
/// other two each guess at an intent the protection expresses: replacing undoes it, ignoring
/// reports a group patched that still runs the old image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProtectedInstances {
    #[default]
    Block,
    Replace,
    Ignore,
}

/// What a cycle does with instances in Standby. Blocking is the default because a Standby instance
/// is someone's at the moment (being looked at, or kept warm by hand). There is nothing to replace
/// it with: it holds none of the desired capacity, so `terminate` ends it without a successor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StandbyInstances {
    #[default]
    Block,
    Terminate,
    Ignore,
}

/// The instances each batch of a cycle adds: `surge_percent` of the desired capacity, rounded up, at
/// least one, and no more than the old instances it replaces.
pub fn surge_of(desired: i32, old: usize, surge_percent: u32) -> i32 {
    let surge = (u64::try_from(desired).unwrap_or(0) * u64::from(surge_percent)).div_ceil(100).max(1) as i32;
    surge.min(i32::try_from(old).unwrap_or(i32::MAX).max(1))
}

pub mod defaults {
    pub fn surge_percent() -> u32 {
        100
    }
    pub fn warm_up_seconds() -> u64 {
        600
    }
    pub fn poll_seconds() -> u64 {
        30
    }
    pub fn healthy_timeout_seconds() -> u64 {
        1800
    }
    pub fn pre_termination_timeout_seconds() -> u64 {
        600
    }
    pub fn readiness_timeout_seconds() -> u64 {
        600
    }
    pub fn checkpoint_delay_seconds() -> u64 {
        3600
    }
}

/// How to put back what was effective before the update.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "scope", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rollback {
    /// Make `version` the launch template's default again.
    #[serde(rename_all = "camelCase")]
    TemplateDefault { launch_template_id: String, version: String },
    /// Point the group at `version` of the launch template again (a number, or `$Default` for a group
    /// pinned off a shared default).
    #[serde(rename_all = "camelCase")]
    Group { launch_template_id: String, version: String },
    /// Delete `version`, the one the update made, and name `$Latest`, which is then again what the
    /// group launched before (only for a group no other of the update follows that `$Latest` with; a
    /// refresh pinned it to a number meanwhile).
    #[serde(rename_all = "camelCase")]
    NewVersion { launch_template_id: String, version: String },
    /// Point the group at its previous (legacy) launch configuration again.
    #[serde(rename_all = "camelCase")]
    LaunchConfiguration { launch_configuration_name: String },
}

/// Every group setting the cycle touches, as it was before.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Snapshot {
    pub min_size: i32,
    pub max_size: i32,
    pub desired_capacity: i32,
    pub suspended_processes: Vec<String>,
    pub termination_policies: Vec<String>,
}

/// What the cycle will do, computed before it changes anything: also the dry run's answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub group_name: String,
    /// When the plan was made (RFC 3339), by the function's clock: kept in the lock record.
    pub started_at: String,
    pub strategy: Strategy,
    /// With `instance-refresh`: what the refresh replaces the instances with, and how the group
    /// names its version around it.
    #[serde(default)]
    pub refresh: Option<RefreshPlan>,
    pub dry_run: bool,
    /// The AMI the group's launch template makes effective (with `instance-refresh`, the version it
    /// refreshes to): what every instance runs afterwards.
    pub image_id: String,
    pub snapshot: Snapshot,
    pub old_instances: Vec<String>,
    /// Instances the cycle leaves as they are, on their image (protected from scale-in, under
    /// `protectedInstances: ignore`): neither replaced nor removed by a rollback.
    #[serde(default)]
    pub left_alone: Vec<String>,
    /// Instances in Standby the cycle terminates once every old instance is replaced
    /// (`standbyInstances: terminate`).
    #[serde(default)]
    pub standby_to_terminate: Vec<String>,
    /// Old instances per Availability Zone.
    pub old_per_zone: std::collections::BTreeMap<String, u32>,
    /// Instances added in each batch, and old ones replaced by it (the last batch may take fewer).
    pub surge: i32,
    /// Batches of `surge` it takes to replace every old instance.
    pub batches: u32,
    pub peak_capacity: i32,
    /// MaxSize during the cycle (raised when the surge needs it).
    pub max_size_during: i32,
    /// The desired capacity once the old instances are terminated, each decrementing it: each
    /// batch takes away as many as it added.
    pub desired_after: i32,
    pub target_group_arns: Vec<String>,
    /// The group's Classic Load Balancers (absent from lock records written before they counted).
    #[serde(default)]
    pub load_balancer_names: Vec<String>,
    /// Every instance already runs `image_id`: nothing to do.
    pub up_to_date: bool,
    /// Why the cycle must not start (Standby or scale-in-protected instances); empty when it can.
    pub blockers: Vec<String>,
    /// Worth knowing, not blocking (a `$Latest` reference makes a new version live at once).
    pub warnings: Vec<String>,
    pub warm_up_seconds: u64,
    /// Seconds between health checks: the input's, but never more often than the load balancers
    /// check (their shortest health check interval): between two of their checks nothing changes;
    /// and no more often than lets `MAX_HEALTH_CHECKS` cover the whole wait.
    pub poll_seconds: u64,
    pub healthy_timeout_seconds: u64,
    /// The longest a launch hook holds a new instance in Pending:Wait (its heartbeat timeout; 0
    /// without one): waited for on top of `healthy_timeout_seconds`.
    #[serde(default)]
    pub launch_hook_seconds: u64,
    /// Health checks before giving up (over the healthy timeout and the launch hooks' time), at most
    /// `MAX_HEALTH_CHECKS`.
    pub max_checks: u32,
    pub pre_termination_command: Vec<String>,
    pub pre_termination_timeout_seconds: u64,
    /// Checks of the pre-termination command before giving up, at most `MAX_COMMAND_CHECKS`.
    pub command_checks: u32,
    #[serde(default)]
    pub readiness_command: Vec<String>,
    #[serde(default = "defaults::readiness_timeout_seconds")]
    pub readiness_timeout_seconds: u64,
    /// Checks of the readiness probe before giving up, at most `MAX_COMMAND_CHECKS`.
    #[serde(default)]
    pub readiness_checks: u32,
    pub rollback: Option<Rollback>,
    pub topic_arn: Option<String>,
}

/// How far a cycle has gone, as its lock record says: what recovering the group means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Locked, nothing changed yet: recovering is releasing the lock.
    Locked,
    /// Planned; the group may be surged, its old instances deregistered, but none is gone:
    /// recovering is rolling back to the plan's snapshot.
    Planned,
    /// Old instances are being terminated: recovering is finishing the cycle.
    Terminating,
}

impl Phase {
    /// The phase as the lock record and the machines write it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Locked => "locked",
            Phase::Planned => "planned",
            Phase::Terminating => "terminating",
        }
    }
}

/// A group's lock record: who cycles it, how far it has gone, and what it will put back.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    pub group_name: String,
    /// The execution holding the lock.
    pub owner: String,
    /// When it was taken (RFC 3339).
    pub locked_at: String,
    pub phase: Phase,
    /// The cycle's plan, made under the lock: the snapshot of everything the cycle changes.
    pub plan: Option<Plan>,
    /// The batch whose old instances are going, from when they start to go (phase `terminating`).
    pub batch: Option<Terminating>,
    /// The cycle's execution, when a recovery has taken the lock over from it.
    pub recovered_from: Option<String>,
}

/// A batch whose old instances are being terminated, as the lock record keeps it: what finishing
/// the cycle terminates (never the old instances of later batches, which have no replacements yet).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Terminating {
    pub number: u32,
    /// The batch's old instances, replaced by as many new ones, every one of them healthy.
    pub outgoing: Vec<String>,
    /// Old instances remain for a later batch.
    pub more: bool,
}

/// One batch of a cycle, as it starts: what is in the group, and what the batch will add.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    /// Every instance holding capacity as the batch starts (old and earlier batches' new): any
    /// other instance is the batch's new.
    pub present: Vec<String>,
    /// `present` per Availability Zone: where balancing puts the batch's new instances.
    pub per_zone: std::collections::BTreeMap<String, u32>,
    /// The plan's old instances still in the group, which this and later batches replace.
    pub remaining: Vec<String>,
    /// Instances the batch adds and old instances it replaces: the surge, or what is left.
    pub size: u32,
    /// The desired capacity during the batch: as it is now, plus `size`.
    pub desired_capacity: i32,
    /// Old instances remain for another batch after this one.
    pub more: bool,
}

/// What a health check of the new instances found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Every expected new instance is InService, Healthy, and healthy in every target group.
    pub ready: bool,
    pub new_instances: Vec<String>,
    pub healthy: u32,
    pub expected: u32,
    /// New instances not ready yet: booting, failing checks, not yet healthy behind a load balancer.
    pub unhealthy: Vec<String>,
    /// Of `unhealthy`, those a launch hook holds (Pending:Wait): its work, not ill health.
    pub held_by_hooks: Vec<String>,
    /// `<instance>: <image>` for each instance launched during the cycle on another image than the
    /// new one (a warm pool's, a per-type override template's): the cycle cannot replace with them.
    pub wrong_image: Vec<String>,
    /// Once the new instances are ready: `<zone>: <new> new where balancing gives it <n>` for each
    /// zone that got fewer of them than Auto Scaling's balancing gives it: a zone that could not
    /// launch, which terminating the old instances would leave short.
    pub uncovered: Vec<String>,
    /// Once the new instances are ready and cover their zones: the instances the batch takes out, as
    /// many as it added less what a scale-in took meanwhile. Old ones first, taken where most old ones
    /// are left, so that the new ones end balanced across the zones; then `surplus`.
    pub outgoing: Vec<String>,
    /// New instances in `outgoing`: old ones the group replaced on its own during the wait (for their
    /// health) left the batch more new instances than it added.
    pub surplus: Vec<String>,
    /// Old instances still to replace that the group no longer holds (scaled in, or replaced for
    /// their health, during the wait).
    pub gone: Vec<String>,
    /// Why the batch cannot go on: a scale-in during the wait took some of its new instances (empty
    /// unless; at most one sentence).
    pub scaled_in: Vec<String>,
}

/// What EC2 Auto Scaling says of an instance refresh.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Refresh {
    pub instance_refresh_id: String,
    /// `Pending`, `InProgress`, `Successful`, `Failed`, `Cancelled`, `RollbackSuccessful`, ...
    pub status: String,
    pub percentage_complete: i32,
    pub status_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Phase;

    #[test]
    fn a_phase_is_written_as_serde_names_it() {
        for phase in [Phase::Locked, Phase::Planned, Phase::Terminating] {
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
        }
    }
}
