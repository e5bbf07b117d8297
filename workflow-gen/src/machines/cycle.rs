//! cycle: replace every instance of one Auto Scaling group with no loss of capacity.
//!
//! Check the request → (a dry run plans, reading only, and ends) → lock the group: a conditional
//! create of its record in the lock table, refused while another execution holds it (a lock whose
//! holder has ended is stale: the `recover` machine puts the group back first) → plan under the
//! lock (nothing to do or a blocker releases it and ends) → record the plan in the lock record, the
//! snapshot a recovery reads → (with the `instance-refresh` strategy, EC2 Auto Scaling's instance
//! refresh replaces the instances with the plan's numbered version, and rolls them back itself if it
//! fails or times out, the group pinned to its own version first and named as before afterwards;
//! then restore and release) → suspend the processes that could undo the work →
//! replace the old instances a batch of the surge at a time, each batch a `cycle_batch` child
//! execution (surge, wait healthy, drain and terminate as many old instances as it added) →
//! terminate the Standby instances the input gives up → restore every setting → release the lock
//! → verify.
//! A batch that fails before its old instances go is rolled back: the old instances registered
//! again and serving, the batch's new instances removed, the previous launch template version put
//! back, and the batches already finished replaced again, in batches, with the image it gives (a
//! group with both images would be half-updated), every setting restored, the lock released. After
//! a termination that failed, removing new instances would shrink the group: the surviving old ones
//! serve again, and every instance stays.

use contract::activities::elbv2::check_targets::Output as Serving;
use contract::machines::cycle::{Phase, Plan, Refresh, MAX_BATCHES, MAX_REFRESH_CHECKS, MAX_SERVING_CHECKS};
use contract::{errors, Activity};
use serde_json::json;

use super::cycle_batch::{roll_back_finished, LOAD_BALANCERS, ROLLBACK_PLAN, ROLL_BACK_BATCH};
use super::{activity, LOCK_TABLE};
use crate::asl::{self, StateMachine};
use crate::dsl::{
    any, child_execution, pick, raise, var, Chain, Choice, Fail, Fields, Machine, Pass, Poll, Task, Wait,
};
use crate::GraphError;

/// Where the plan lives in the state data: most payloads are fields of it.
const PLAN: &str = "$.plan";

// States only a Catch or a jump reaches.
const REJECTED: &str = "Request Rejected";
const FAILED: &str = "Cycle Failed";
const REPLACE_BATCH: &str = "Replace A Batch";
const READ_BATCH_FAILURE: &str = "Read The Batch Failure";
const REGISTER_SURVIVORS: &str = "Register The Surviving Old Instances";
const ROLL_BACK: &str = "Reregister Old Instances";
const ROLLBACK_UNFINISHED: &str = "Rollback Unfinished";
const UNFINISHED: &str = "$.rollbackErrors.unfinished";
const REMOVE_NEW: &str = "Remove New Instances";
const RESTORE_TEMPLATE: &str = "Restore The Launch Template";
const RESTORE_AFTER_FAILURE: &str = "Restore Settings After Failure";
const RELEASE_AFTER_FAILURE: &str = "Release The Lock After Failure";
const RELEASE: &str = "Release The Lock";
const RESTORE_SETTINGS: &str = "Restore Group Settings";
const NOT_ROLLED_BACK: &str = "Instance Refresh Not Rolled Back";
const NAME_AS_BEFORE: &str = "Name The Version As Before The Refresh";
const RECOVER: &str = "Recover The Group";
// A restore that fails for good keeps the lock: releasing it would let the next cycle take the
// half-restored group (MaxSize raised, processes suspended) for its starting point.
const LEFT_LOCKED: &str = "Group Left Locked";
const LEFT_LOCKED_AFTER_FAILURE: &str = "Group Left Locked After Failure";
// Old instances that cannot serve again keep the new ones serving: removing them would empty the group.
const NOT_REGISTERED_AGAIN: &str = "Old Instances Not Registered Again";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("cycle").comment(
        "Replace every instance of one Auto Scaling group with no loss of capacity: surge, wait healthy, drain, \
         terminate exactly the old instances, restore; roll back on failure.",
    );
    let all = [asl::errors::ALL];
    // After the old instances are terminated the cycle leaves desired at `desiredAfter`; after a
    // failure, at the start, with whatever it could not remove kept.
    let restore =
        |expected: &str| pick(PLAN, &["groupName", "snapshot", "maxSizeDuring"]).and("expectedDesired", expected);
    // The plan is made of the execution's input, as it started: the state holds more by then.
    let plan = || activity(Activity::PlanCycle).payload_from("$$.Execution.Input").returns_as::<Plan>("$.plan");

    // Loops of batches, each bounded: a surge of 1% replaces a group in at most a hundred.
    let more =
        m.add("More Old Instances?", Choice::new().jump(var("$.batch.more").boolean_equals(true), REPLACE_BATCH));
    m.bound_loop(&more, MAX_BATCHES);
    super::cycle_batch::add_loop(
        &mut m,
        (ROLL_BACK_BATCH, "More To Roll Back?"),
        ROLLBACK_PLAN,
        RESTORE_AFTER_FAILURE,
        |t| t.catch_into(&all, UNFINISHED, ROLLBACK_UNFINISHED),
    );

    m.flow()
        .step("Check The Request", activity(Activity::CheckCycleRequest).catch(&[errors::INVALID_INPUT], REJECTED))
        .step(
            "Dry Run?",
            Choice::new().when(var("$.dryRun").is_present(true).and(var("$.dryRun").boolean_equals(true)), |dry_run| {
                dry_run
                    .step("Plan The Dry Run", plan().catch(&all, REJECTED))
                    .step("Report The Plan", Pass::new().output_path("$.plan"))
                    .end()
            }),
        )
        .step(
            "Lock The Group",
            activity(Activity::LockGroup).payload(lock()).catch(&[errors::STALE_LOCK], RECOVER).catch(&all, REJECTED),
        )
        .step("Plan The Cycle", plan().catch(&all, RELEASE_AFTER_FAILURE))
        .step(
            "Anything To Do?",
            Choice::new().when(
                any([var("$.plan.upToDate").boolean_equals(true), var("$.plan.blockers[0]").is_present(true)]),
                |nothing| {
                    nothing.step("Release The Unneeded Lock", activity(Activity::UnlockGroup).payload(lock())).step(
                        "Blocked?",
                        Choice::new()
                            .when(var("$.plan.blockers[0]").is_present(true), |blocked| {
                                blocked
                                    .step("Cycle Blocked", Fail::with_cause_path(errors::BLOCKED, "$.plan.blockers[0]"))
                            })
                            .otherwise(|up_to_date| {
                                up_to_date.step("Already Up To Date", Pass::new().output_path("$.plan")).end()
                            }),
                    )
                },
            ),
        )
        .step(
            "Record The Plan",
            activity(Activity::RecordCycle)
                .payload(record(Phase::Planned).and("plan", PLAN))
                .catch(&all, RELEASE_AFTER_FAILURE),
        )
        .step(
            "Which Strategy?",
            Choice::new().when(var("$.plan.strategy").string_equals("instance-refresh"), |refresh| {
                refresh.catching(&all, NAME_AS_BEFORE, instance_refresh).join(RESTORE_SETTINGS)
            }),
        )
        .step(
            "Suspend Scaling Processes",
            activity(Activity::SuspendProcesses).payload(pick(PLAN, &["groupName"])).catch(&all, ROLL_BACK),
        )
        .step("Start With The First Batch", Pass::set("$.batch", json!({ "next": 1 })))
        .step(REPLACE_BATCH, super::cycle_batch::next(PLAN).catch(&all, READ_BATCH_FAILURE))
        .then(&more)
        .afterwards()
        .step(
            "Any Standby Instances To Terminate?",
            Choice::new().when(var("$.plan.standbyToTerminate[0]").is_present(true), |standby| {
                // Every old instance is gone by now: a failure here restores the settings and fails.
                standby.step(
                    "Terminate The Standby Instances",
                    activity(Activity::TerminateGroupInstances)
                        .payload(pick(PLAN, &["groupName"]).and("instanceIds", "$.plan.standbyToTerminate"))
                        .discard_result()
                        .catch(&all, RESTORE_AFTER_FAILURE),
                )
            }),
        )
        .afterwards()
        .step(
            RESTORE_SETTINGS,
            // A group that is gone has nothing to restore or recover.
            activity(Activity::RestoreGroup)
                .payload(restore("$.plan.desiredAfter"))
                .returns("$.restored", &["maxSize", "desiredCapacity", "kept"])
                .catch(&[errors::NOT_FOUND], RELEASE_AFTER_FAILURE)
                .catch(&all, LEFT_LOCKED),
        )
        .catching(&all, FAILED, |finish| {
            // A lock that cannot be released names this execution until a recovery takes it over.
            finish.step(RELEASE, activity(Activity::UnlockGroup).payload(lock()).catch(&all, LEFT_LOCKED)).step(
                "Verify Every Instance",
                activity(Activity::VerifyGroup)
                    .payload(
                        pick(PLAN, &["groupName", "imageId", "leftAlone"])
                            .and("desiredCapacity", "$.restored.desiredCapacity")
                            .and("at", "$$.State.EnteredTime"),
                    )
                    .returns("$.verified", &["instances", "imageId", "finishedAt"]),
            )
        })
        .step(
            "Cycle Complete",
            Pass::set(
                "$.result",
                json!({
                    "groupName.$": "$.plan.groupName",
                    "imageId.$": "$.plan.imageId",
                    "replaced.$": "$.plan.oldInstances",
                    // By the execution's clock, as its end is: the digest tells the cycle's length.
                    "startedAt.$": "$$.Execution.StartTime",
                    "verified.$": "$.verified",
                    "restored.$": "$.restored",
                }),
            )
            .output_path("$.result"),
        );

    // The batch's own error, as if the cycle had raised it: what the cycle fails with in the end.
    m.add(
        "Could The Batch Be Undone?",
        Choice::new()
            .jump(var("$.error.Error").string_equals(errors::TERMINATION_FAILED), REGISTER_SURVIVORS)
            .otherwise_jump(ROLL_BACK),
    );
    super::read_child_failure(&mut m, "Batch", "Could The Batch Be Undone?", ROLL_BACK);
    // Some of the batch's old instances may be gone: the rest serve again, and every new one stays.
    m.begin(
        REGISTER_SURVIVORS,
        activity(Activity::RegisterInstances).payload(old_targets()).discard_result().catch_into(
            &all,
            "$.rollbackErrors.register",
            RESTORE_AFTER_FAILURE,
        ),
    )
    .then(RESTORE_AFTER_FAILURE);

    // Rolling back: the old instances serve again before the new ones go; from there each step runs
    // even when the one before it failed.
    let rolling_back = m
        .begin(
            ROLL_BACK,
            activity(Activity::RegisterInstances)
                .payload(old_targets())
                .returns("$.registered", &["healthyAfterSeconds"])
                .catch_into(&all, "$.rollbackErrors.register", NOT_REGISTERED_AGAIN),
        )
        .poll(serving_again(PLAN, LEFT_LOCKED))
        .step(
            REMOVE_NEW,
            activity(Activity::RemoveNewInstances)
                .payload(
                    pick(PLAN, &["groupName", "oldInstances", "leftAlone"])
                        .and("keepAtLeast", "$.plan.snapshot.desiredCapacity"),
                )
                .catch_into(&all, "$.rollbackErrors.remove", RESTORE_TEMPLATE),
        )
        .step(
            RESTORE_TEMPLATE,
            activity(Activity::RestoreLaunchTemplate)
                .payload(pick(PLAN, &["groupName", "rollback"]))
                .catch_into(&[errors::NOT_FOUND], UNFINISHED, RESTORE_AFTER_FAILURE)
                .catch_into(&all, UNFINISHED, ROLLBACK_UNFINISHED),
        );
    // Batches finished before the failure are replaced again; a group that is gone has none left.
    roll_back_finished(rolling_back, PLAN, |planning| {
        planning.catch_into(&[errors::NOT_FOUND], UNFINISHED, RELEASE_AFTER_FAILURE).catch_into(
            &all,
            UNFINISHED,
            ROLLBACK_UNFINISHED,
        )
    })
    .step(
        RESTORE_AFTER_FAILURE,
        activity(Activity::RestoreGroup)
            .payload(restore("$.plan.snapshot.desiredCapacity"))
            .catch_into(&[errors::NOT_FOUND], "$.rollbackErrors.restore", RELEASE_AFTER_FAILURE)
            .catch_into(&all, "$.rollbackErrors.restore", LEFT_LOCKED_AFTER_FAILURE),
    )
    .step(
        RELEASE_AFTER_FAILURE,
        activity(Activity::UnlockGroup).payload(lock()).catch_into(&all, "$.rollbackErrors.unlock", FAILED),
    )
    .step(FAILED, Fail::from_paths("$.error.Error", "$.error.Cause"));
    // A refresh that did not succeed changed nothing AWS did not put back but the pinned version.
    m.begin(
        NAME_AS_BEFORE,
        point("referenceAfterFailure").catch_into(&all, "$.rollbackErrors.reference", RELEASE_AFTER_FAILURE),
    )
    .then(RELEASE_AFTER_FAILURE);
    m.begin(
        NOT_ROLLED_BACK,
        Pass::error_from(
            errors::LEFT_LOCKED,
            "States.Format('The instance refresh of {} could not be rolled back ({}): its instances are on both versions, and the lock stays for recovery.', $.plan.groupName, $.refresh.status)",
        ),
    )
    .then(LEFT_LOCKED);
    m.add(LEFT_LOCKED, Fail::with_cause_path(errors::LEFT_LOCKED, "$.error.Cause"));
    m.add(NOT_REGISTERED_AGAIN, Fail::with_cause_path(errors::LEFT_LOCKED, "$.rollbackErrors.register.Cause"));
    m.add(LEFT_LOCKED_AFTER_FAILURE, Fail::with_cause_path(errors::LEFT_LOCKED, "$.rollbackErrors.restore.Cause"));
    m.add(REJECTED, Fail::from_paths("$.error.Error", "$.error.Cause"));
    // A rollback that could not put the template back, or replace what the finished batches launched,
    // would leave the group with both images: the lock stays, and a recovery finishes the rollback.
    m.add(ROLLBACK_UNFINISHED, Fail::with_cause_path(errors::LEFT_LOCKED, "$.rollbackErrors.unfinished.Cause"));

    // A lock left by an execution that has ended: the group is put back from its record (or its cycle
    // finished) before this cycle plans anything.
    m.begin(
        RECOVER,
        child_execution("Recover")
            .child_input(Fields::default().and("groupName", "$.groupName"))
            .discard_result()
            .catch(&all, REJECTED),
    )
    .step("Lock The Recovered Group", activity(Activity::LockGroup).payload(lock()).catch(&all, REJECTED))
    .then("Plan The Cycle");
    m.build()
}

/// Waits until the plan's old instances, registered again (`$.registered`), are healthy in every
/// target group: what a rollback (here and in `recover`) does before it removes the new instances
/// that served meanwhile. The first check comes when the load balancer's initial checks could have
/// passed. If they never do, the new instances keep serving and the rollback stops at `stuck`.
pub(super) fn serving_again<'a>(plan: &str, stuck: &'a str) -> Poll<'a> {
    let field = |name: &str| format!("{plan}.{name}");
    let cause = format!(
        "States.Format('The old instances of {{}} were not healthy again in their target groups after {{}} seconds: the new instances keep serving, and the lock stays for recovery.', {}, {})",
        field("groupName"),
        field("healthyTimeoutSeconds")
    );
    Poll::check(
        "Old Instances",
        activity(Activity::CheckTargets)
            .payload(pick(plan, LOAD_BALANCERS).and("instanceIds", &field("oldInstances")))
            .returns_as::<Serving>("$.serving")
            // Not knowing whether the old instances serve is not knowing that removing the new is safe.
            .catch(&[asl::errors::ALL], stuck),
    )
    .asking("Old Instances Serving Again?")
    .first_wait(Wait::seconds_path("$.registered.healthyAfterSeconds"))
    .every(Wait::seconds_path(field("pollSeconds")))
    .until(var("$.serving.ready").boolean_equals(true))
    .at_most(MAX_SERVING_CHECKS)
    .limit_path(field("maxChecks"))
    .on_timeout(raise("Old Instances Never Healthy Again", Pass::error_from(errors::LEFT_LOCKED, cause), stuck))
}

/// The group's lock, as this execution takes, updates and releases it.
fn lock() -> Fields {
    Fields::default().with("table", LOCK_TABLE).and("groupName", "$.groupName").and("owner", "$$.Execution.Id")
}

/// How far the cycle has gone, for its lock record.
fn record(phase: Phase) -> Fields {
    lock().with("phase", phase.as_str())
}

/// The old instances in every load balancer (to deregister, or register again).
fn old_targets() -> Fields {
    pick(PLAN, LOAD_BALANCERS).and("instanceIds", "$.plan.oldInstances")
}

/// EC2 Auto Scaling replaces the instances with the plan's version and rolls back on its own: the
/// group named a numbered version first (AWS rolls back to nothing else), and as before once the
/// refresh ended. The launch template is never put back on top of AWS's rollback.
fn instance_refresh(refresh: Chain<'_>) -> Chain<'_> {
    let all = [asl::errors::ALL];
    let ended_without_success = ["Failed", "Cancelled", "RollbackSuccessful"];
    refresh
        .step("Pin The Group To Its Version", point("pin"))
        .step(
            "Start Instance Refresh",
            activity(Activity::StartInstanceRefresh)
                .payload(
                    pick(PLAN, &["groupName", "warmUpSeconds"])
                        .and("launchTemplateId", "$.plan.refresh.launchTemplateId")
                        .and("version", "$.plan.refresh.version")
                        .and("checkpoints", "$.plan.refresh.checkpoints")
                        .and("checkpointDelaySeconds", "$.plan.refresh.checkpointDelaySeconds")
                        .and("alarms", "$.plan.refresh.alarms"),
                )
                .returns_as::<Refresh>("$.refresh"),
        )
        .poll(
            refresh_checks("Instance Refresh")
                .until(var("$.refresh.status").string_equals("Successful"))
                .unless(
                    var("$.refresh.status").string_equals_any(ended_without_success),
                    raise(
                        "Instance Refresh Failed",
                        Pass::error_from(
                            errors::UNHEALTHY,
                            "States.Format('The instance refresh of {} ended {}: {}', $.plan.groupName, $.refresh.status, $.refresh.statusReason)",
                        ),
                        NAME_AS_BEFORE,
                    ),
                )
                .unless(var("$.refresh.status").string_equals("RollbackFailed"), not_rolled_back())
                .on_timeout(|timed_out| {
                    timed_out
                        .step(
                            "Roll Back The Refresh",
                            activity(Activity::RollbackInstanceRefresh)
                                .payload(pick(PLAN, &["groupName"]))
                                .returns_as::<Refresh>("$.refresh"),
                        )
                        .poll(
                            rollback_checks("Refresh Rollback")
                                .until(var("$.refresh.status").string_equals("RollbackSuccessful"))
                                .unless(
                                    var("$.refresh.status").string_equals_any(["RollbackFailed", "Failed", "Cancelled"]),
                                    not_rolled_back(),
                                )
                                .on_timeout(not_rolled_back()),
                        )
                        .step(
                            "Instance Refresh Timed Out",
                            Pass::error_from(
                                errors::UNHEALTHY,
                                "States.Format('The instance refresh of {} did not finish within {} checks {} s apart: AWS put back the instances it had replaced.', $.plan.groupName, $.plan.maxChecks, $.plan.pollSeconds)",
                            ),
                        )
                        .join(NAME_AS_BEFORE)
                }),
        )
        // Refreshed: every instance and the group are on the new version, whatever fails from here.
        .step("Make The New Version The Default", point("defaultAfter").catch_into(&all, "$.renamed", RESTORE_SETTINGS))
        .step("Name The Version As Before", point("referenceAfterSuccess").catch_into(&all, "$.renamed", RESTORE_SETTINGS))
}

/// The group pointed at a version as the refresh plan's `field` says (nothing, when it says none).
fn point(field: &str) -> Task {
    activity(Activity::RestoreLaunchTemplate)
        .payload(pick(PLAN, &["groupName"]).and("rollback", &format!("$.plan.refresh.{field}")))
        .discard_result()
}

/// Checks of an instance refresh as often, and as long, as of a surge's instances (and its
/// checkpoints' pauses).
fn refresh_checks(subject: &str) -> Poll<'static> {
    rollback_checks(subject).limit_path("$.plan.maxChecks")
}

/// Checks of an instance refresh's rollback as often as of a surge's instances, for as long as AWS
/// takes (at most `MAX_REFRESH_CHECKS`): giving up on it would leave the group on both versions.
fn rollback_checks(subject: &str) -> Poll<'static> {
    Poll::check(
        subject,
        activity(Activity::DescribeInstanceRefresh)
            .payload(pick(PLAN, &["groupName"]).and("instanceRefreshId", "$.refresh.instanceRefreshId"))
            .returns_as::<Refresh>("$.refresh"),
    )
    .asking(format!("{subject} Done?"))
    .first_wait(Wait::seconds_path("$.plan.warmUpSeconds"))
    .every(Wait::seconds_path("$.plan.pollSeconds"))
    .at_most(MAX_REFRESH_CHECKS)
}

/// AWS could not put the instances back: the group has both versions, and the lock stays.
fn not_rolled_back<'a>() -> impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a {
    |leg| leg.join(NOT_ROLLED_BACK)
}
