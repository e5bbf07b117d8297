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

use contract::machines::cycle::{Health, Plan, Refresh, MAX_HEALTH_CHECKS, MAX_REFRESH_CHECKS};
use contract::{errors, notifications, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{self, StateMachine};
use crate::dsl::{var, Choice, Fail, Machine, Pass, Poll, Wait};
use crate::GraphError;

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
        activity(Activity::UnlockGroup)
            .payload(json!({ "groupName.$": "$.plan.groupName", "owner.$": "$$.Execution.Id" }))
            .catch_into(&all, "$.rollbackErrors.unlock", &failed),
    );
    let restore_after_failure = m.add(
        "Restore Settings After Failure",
        activity(Activity::RestoreGroup)
            .payload(json!({ "groupName.$": "$.plan.groupName", "snapshot.$": "$.plan.snapshot" }))
            .catch_into(&all, "$.rollbackErrors.restore", &release_after_failure),
    );
    let restore_template = m.add(
        "Restore The Launch Template",
        activity(Activity::RestoreLaunchTemplate)
            .payload(json!({ "groupName.$": "$.plan.groupName", "rollback.$": "$.plan.rollback" }))
            .catch_into(&all, "$.rollbackErrors.template", &restore_after_failure),
    );
    let reregister = m.add(
        "Reregister Old Instances",
        activity(Activity::RegisterInstances)
            .payload(json!({ "targetGroupArns.$": "$.plan.targetGroupArns", "instanceIds.$": "$.plan.oldInstances" }))
            .catch_into(&all, "$.rollbackErrors.register", &restore_template),
    );
    let remove_new = m.add(
        "Remove New Instances",
        activity(Activity::RemoveNewInstances)
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
        activity(Activity::PlanCycle)
            .returns_as::<Plan>("$.plan")
            .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND], &rejected),
    );
    let lock = m.add(
        "Lock The Group",
        activity(Activity::LockGroup)
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
    let suspend = m.add(
        "Suspend Scaling Processes",
        activity(Activity::SuspendProcesses).payload(group.clone()).catch(&all, &remove_new),
    );
    let surge = m.add(
        "Surge The Group",
        activity(Activity::SurgeGroup)
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
        activity(Activity::PublishMessage)
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
            activity(Activity::CheckNewInstances)
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
        activity(Activity::DeregisterInstances)
            .payload(json!({ "targetGroupArns.$": "$.plan.targetGroupArns", "instanceIds.$": "$.plan.oldInstances" }))
            .returns("$.drain", &["delaySeconds"])
            .catch(&all, &remove_new),
    );
    let drain = m.add("Drain Old Instances", Wait::seconds_path("$.drain.delaySeconds"));
    let flush = m.add(
        "Run Pre-Termination Command",
        activity(Activity::SendCommand)
            .payload(json!({ "instanceIds.$": "$.plan.oldInstances", "commands.$": "$.plan.preTerminationCommand" }))
            .catch(&all, &remove_new),
    );
    let terminate = m.add(
        "Terminate Old Instances",
        activity(Activity::TerminateGroupInstances)
            .payload(json!({ "groupName.$": "$.plan.groupName", "instanceIds.$": "$.plan.oldInstances" }))
            .catch(&all, &restore_after_failure),
    );
    let restore = m.add(
        "Restore Group Settings",
        activity(Activity::RestoreGroup)
            .payload(json!({ "groupName.$": "$.plan.groupName", "snapshot.$": "$.plan.snapshot" }))
            .catch(&all, &release_after_failure),
    );
    let release = m.add(
        "Release The Lock",
        activity(Activity::UnlockGroup)
            .payload(json!({ "groupName.$": "$.plan.groupName", "owner.$": "$$.Execution.Id" }))
            .catch(&all, &failed),
    );
    let verify = m.add(
        "Verify Every Instance",
        activity(Activity::VerifyGroup)
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
            activity(Activity::DescribeInstanceRefresh)
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
        activity(Activity::StartInstanceRefresh)
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
