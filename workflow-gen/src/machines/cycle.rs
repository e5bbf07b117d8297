//! cycle: replace every instance of one Auto Scaling group with no loss of capacity.
//!
//! Plan (read only) → lock the group → suspend the processes that could undo the work → surge →
//! wait until every new instance is InService and healthy in every target group → announce →
//! deregister the old instances and wait out the deregistration delay (sticky clients re-pin; that
//! delay only protects requests in flight) → optional pre-termination command → terminate exactly the
//! old instances, decrementing desired (never the termination policy: AZ balance overrides it) →
//! restore every setting → release the lock → verify. Before the first old instance is terminated,
//! any failure removes the new instances, restores the previous launch template version and every
//! setting, and releases the lock. After that, removing new instances would shrink the group, so a
//! failure restores the settings and the lock and keeps every instance.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::activity;
use crate::asl::{self, StateMachine};
use crate::dsl::{var, Choice, Fail, Machine, Pass, Poll, Wait};
use crate::{errors, notifications, GraphError};

/// The most health checks a cycle makes; `healthyTimeoutSeconds / pollSeconds` is clamped to it.
pub const MAX_HEALTH_CHECKS: u32 = 200;
/// The most checks of an instance refresh, which replaces instances in batches and is polled less.
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
    /// Extra instances while the old ones still serve, as a percentage of the desired capacity:
    /// 100 doubles the group. At least one instance is always added.
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
}

/// How to put back what was effective before the update.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "scope", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rollback {
    /// Make `version` the launch template's default again.
    #[serde(rename_all = "camelCase")]
    TemplateDefault { launch_template_id: String, version: String },
    /// Point the group at `version` of the launch template again.
    #[serde(rename_all = "camelCase")]
    Group { launch_template_id: String, version: String },
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
    /// When the plan was made (RFC 3339): the start of the cycle, for the digest's durations.
    pub started_at: String,
    pub strategy: Strategy,
    pub dry_run: bool,
    /// The AMI the group's launch template makes effective: what every instance runs afterwards.
    pub image_id: String,
    pub snapshot: Snapshot,
    pub old_instances: Vec<String>,
    /// Old instances per Availability Zone.
    pub old_per_zone: std::collections::BTreeMap<String, u32>,
    pub surge: i32,
    pub peak_capacity: i32,
    /// MaxSize during the cycle (raised when the surge needs it).
    pub max_size_during: i32,
    pub target_group_arns: Vec<String>,
    /// Every instance already runs `image_id`: nothing to do.
    pub up_to_date: bool,
    /// Why the cycle must not start (Standby or scale-in-protected instances); empty when it can.
    pub blockers: Vec<String>,
    /// Worth knowing, not blocking (a `$Latest` reference makes a new version live at once).
    pub warnings: Vec<String>,
    pub warm_up_seconds: u64,
    pub poll_seconds: u64,
    pub healthy_timeout_seconds: u64,
    /// Health checks before giving up, at most `MAX_HEALTH_CHECKS`.
    pub max_checks: u32,
    pub pre_termination_command: Vec<String>,
    pub rollback: Option<Rollback>,
    pub topic_arn: Option<String>,
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
    pub unhealthy: Vec<String>,
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

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("cycle").comment(
        "Replace every instance of one Auto Scaling group with no loss of capacity: surge, wait healthy, drain, \
         terminate exactly the old instances, restore; roll back on failure.",
    );
    let all = [asl::errors::ALL];
    let group = json!({ "groupName.$": "$.plan.groupName" });

    // How it ends.
    let rejected = m.add("Request Rejected", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let blocked = m.add("Cycle Blocked", Fail::with_cause_path(errors::BLOCKED, "$.plan.blockers[0]"));
    let failed = m.add("Cycle Failed", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let plan_only = m.add("Report The Plan", Pass::new().output_path("$.plan"));
    let nothing_to_do = m.add("Already Up To Date", Pass::new().output_path("$.plan"));
    let complete = m.add(
        "Cycle Complete",
        Pass::set(
            "$.result",
            json!({
                "groupName.$": "$.plan.groupName",
                "imageId.$": "$.plan.imageId",
                "replaced.$": "$.plan.oldInstances",
                "startedAt.$": "$.plan.startedAt",
                "verified.$": "$.verified",
            }),
        )
        .output_path("$.result"),
    );

    // Rolling back: each step runs even when the one before it failed.
    let release_after_failure = m.add(
        "Release The Lock After Failure",
        activity("UnlockGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "owner.$": "$$.Execution.Id" }))
            .catch_into(&all, "$.rollbackErrors.unlock", &failed),
    );
    let restore_after_failure = m.add(
        "Restore Settings After Failure",
        activity("RestoreGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "snapshot.$": "$.plan.snapshot" }))
            .catch_into(&all, "$.rollbackErrors.restore", &release_after_failure),
    );
    let restore_template = m.add(
        "Restore The Launch Template",
        activity("RestoreLaunchTemplate")
            .payload(json!({ "groupName.$": "$.plan.groupName", "rollback.$": "$.plan.rollback" }))
            .catch_into(&all, "$.rollbackErrors.template", &restore_after_failure),
    );
    let reregister = m.add(
        "Reregister Old Instances",
        activity("RegisterInstances")
            .payload(json!({ "targetGroupArns.$": "$.plan.targetGroupArns", "instanceIds.$": "$.plan.oldInstances" }))
            .catch_into(&all, "$.rollbackErrors.register", &restore_template),
    );
    let remove_new = m.add(
        "Remove New Instances",
        activity("RemoveNewInstances")
            .payload(json!({ "groupName.$": "$.plan.groupName", "oldInstances.$": "$.plan.oldInstances" }))
            .catch_into(&all, "$.rollbackErrors.remove", &reregister),
    );
    m.chain(&remove_new)
        .then(&reregister)
        .then(&restore_template)
        .then(&restore_after_failure)
        .then(&release_after_failure)
        .then(&failed);

    // The cycle.
    let plan = m.add(
        "Plan The Cycle",
        activity("PlanCycle")
            .returns_as::<Plan>("$.plan")
            .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND], &rejected),
    );
    let lock = m.add(
        "Lock The Group",
        activity("LockGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "owner.$": "$$.Execution.Id" }))
            .catch(&all, &rejected),
    );
    let what_now = m.add(
        "Anything To Do?",
        Choice::new()
            .when(var("$.plan.dryRun").boolean_equals(true), &plan_only)
            .when(var("$.plan.upToDate").boolean_equals(true), &nothing_to_do)
            .when(var("$.plan.blockers[0]").is_present(true), &blocked)
            .otherwise(&lock),
    );
    let suspend = m
        .add("Suspend Scaling Processes", activity("SuspendProcesses").payload(group.clone()).catch(&all, &remove_new));
    let surge = m.add(
        "Surge The Group",
        activity("SurgeGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "desiredCapacity.$": "$.plan.peakCapacity", "maxSize.$": "$.plan.maxSizeDuring" }))
            .catch(&all, &remove_new),
    );
    let never_healthy = m.add(
        "New Instances Never Healthy",
        Pass::set(
            "$.error",
            json!({
                "Error": errors::UNHEALTHY,
                "Cause.$": "States.Format('The new instances of {} were not all healthy after {} seconds; rolled back.', $.plan.groupName, $.plan.healthyTimeoutSeconds)",
            }),
        ),
    );
    m.chain(&never_healthy).then(&remove_new);
    let announce = m.add(
        "Announce Scale-Up Complete",
        activity("PublishMessage")
            .payload(json!({
                "topicArn.$": "$.plan.topicArn",
                "kind": notifications::CYCLE,
                "subject": "tuesday: scale-up complete",
                "message": { "event": "scale-up-complete", "groupName.$": "$.plan.groupName", "newInstances.$": "$.health.newInstances" },
            }))
            .catch_into(&all, "$.announceError", "Deregister Old Instances"),
    );
    let wait_healthy = m.poll_until(
        Poll::check(
            "New Instances",
            activity("CheckNewInstances")
                .payload(json!({
                    "groupName.$": "$.plan.groupName",
                    "oldInstances.$": "$.plan.oldInstances",
                    "expected.$": "$.plan.surge",
                    "targetGroupArns.$": "$.plan.targetGroupArns",
                }))
                .returns_as::<Health>("$.health")
                .catch(&all, &remove_new),
        )
        .asking("New Instances Healthy?")
        .first_wait(Wait::seconds_path("$.plan.warmUpSeconds"))
        .every(Wait::seconds_path("$.plan.pollSeconds"))
        .until(var("$.health.ready").boolean_equals(true), &announce)
        .at_most(MAX_HEALTH_CHECKS)
        .limit_path("$.plan.maxChecks")
        .on_timeout(&never_healthy),
    );
    let deregister = m.add(
        "Deregister Old Instances",
        activity("DeregisterInstances")
            .payload(json!({ "targetGroupArns.$": "$.plan.targetGroupArns", "instanceIds.$": "$.plan.oldInstances" }))
            .returns("$.drain", &["delaySeconds"])
            .catch(&all, &remove_new),
    );
    let drain = m.add("Drain Old Instances", Wait::seconds_path("$.drain.delaySeconds"));
    let flush = m.add(
        "Run Pre-Termination Command",
        activity("SendCommand")
            .payload(json!({ "instanceIds.$": "$.plan.oldInstances", "commands.$": "$.plan.preTerminationCommand" }))
            .catch(&all, &remove_new),
    );
    let terminate = m.add(
        "Terminate Old Instances",
        activity("TerminateGroupInstances")
            .payload(json!({ "groupName.$": "$.plan.groupName", "instanceIds.$": "$.plan.oldInstances" }))
            .catch(&all, &restore_after_failure),
    );
    let restore = m.add(
        "Restore Group Settings",
        activity("RestoreGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "snapshot.$": "$.plan.snapshot" }))
            .catch(&all, &release_after_failure),
    );
    let release = m.add(
        "Release The Lock",
        activity("UnlockGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "owner.$": "$$.Execution.Id" }))
            .catch(&all, &failed),
    );
    let verify = m.add(
        "Verify Every Instance",
        activity("VerifyGroup")
            .payload(json!({ "groupName.$": "$.plan.groupName", "imageId.$": "$.plan.imageId", "desiredCapacity.$": "$.plan.snapshot.desiredCapacity" }))
            .returns("$.verified", &["instances", "imageId", "finishedAt"])
            .catch(&all, &failed),
    );

    // Instance refresh: EC2 Auto Scaling replaces the instances and rolls back on its own; tuesday
    // locks, waits, puts back the launch template if it failed, and verifies.
    let refresh_failed = m.add(
        "Instance Refresh Failed",
        Pass::set(
            "$.error",
            json!({
                "Error": errors::UNHEALTHY,
                "Cause.$": "States.Format('The instance refresh of {} ended {}; the launch template was put back.', $.plan.groupName, $.refresh.status)",
            }),
        ),
    );
    m.chain(&refresh_failed).then(&restore_template);
    let refresh_timed_out = m.add(
        "Instance Refresh Timed Out",
        Pass::set(
            "$.error",
            json!({
                "Error": errors::UNHEALTHY,
                "Cause": format!("The instance refresh did not finish within {MAX_REFRESH_CHECKS} checks a minute apart."),
            }),
        ),
    );
    m.chain(&refresh_timed_out).then(&restore_template);
    let wait_refresh = m.poll_until(
        Poll::check(
            "Instance Refresh",
            activity("DescribeInstanceRefresh")
                .payload(
                    json!({ "groupName.$": "$.plan.groupName", "instanceRefreshId.$": "$.refresh.instanceRefreshId" }),
                )
                .returns_as::<Refresh>("$.refresh")
                .catch(&all, &restore_template),
        )
        .asking("Instance Refresh Done?")
        .first_wait(Wait::seconds_path("$.plan.warmUpSeconds"))
        .every(Wait::seconds(60))
        .until(var("$.refresh.status").string_equals("Successful"), &release)
        .unless(
            crate::dsl::any(
                ["Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"]
                    .map(|status| var("$.refresh.status").string_equals(status)),
            ),
            &refresh_failed,
        )
        .at_most(MAX_REFRESH_CHECKS)
        .on_timeout(&refresh_timed_out),
    );
    let start_refresh = m.add(
        "Start Instance Refresh",
        activity("StartInstanceRefresh")
            .payload(json!({ "groupName.$": "$.plan.groupName", "warmUpSeconds.$": "$.plan.warmUpSeconds" }))
            .returns_as::<Refresh>("$.refresh")
            .catch(&all, &restore_template),
    );
    let which_strategy = m.add(
        "Which Strategy?",
        Choice::new()
            .when(var("$.plan.strategy").string_equals("instance-refresh"), &start_refresh)
            .otherwise(&suspend),
    );
    m.chain(&start_refresh).then(&wait_refresh);

    m.start(&plan).then(&what_now);
    m.chain(&lock).then(&which_strategy);
    m.chain(&suspend).then(&surge).then(&wait_healthy);
    m.chain(&announce)
        .then(&deregister)
        .then(&drain)
        .then(&flush)
        .then(&terminate)
        .then(&restore)
        .then(&release)
        .then(&verify)
        .then(&complete);
    m.build()
}
