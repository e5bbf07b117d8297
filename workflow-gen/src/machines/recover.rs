//! recover: put a group back from its lock record, or finish the cycle that left it, and release it.
//!
//! Take the lock over from the execution that held it (never while it still runs) → by how far that
//! cycle had gone: nothing changed yet, release; planned (a batch surged, perhaps drained, none of
//! its old instances gone), roll back to the recorded snapshot: register the old instances again and wait until they serve,
//! remove the new instances, put the launch template back, replace the instances of batches already
//! finished with the image it gives (in batches), put every setting back; terminating (old
//! instances of a batch going), finish: terminate them, replace those of the batches left as the
//! cycle would have, restore the settings, verify. Then
//! release the lock. A failure keeps the lock, now this execution's, which has then ended too: the
//! next recovery takes it over and starts again, every step being safe to repeat.

use contract::machines::cycle::Phase;
use contract::machines::recover::Found;
use contract::{errors, Activity};
use serde_json::json;

use super::cycle_batch::{roll_back_finished, LOAD_BALANCERS, ROLLBACK_PLAN, ROLL_BACK_BATCH};
use super::{activity, LOCK_TABLE};
use crate::asl::{self, StateMachine};
use crate::dsl::{pick, var, Chain, Choice, Fail, Fields, Machine, Pass};
use crate::GraphError;

/// Where the lock taken over lives in the state data, and its cycle's plan.
const LOCK: &str = "$.lock";
const PLAN: &str = "$.lock.plan";
const RECOVERY_STOPPED: &str = "Recovery Stopped";
const REPLACE_BATCH_LEFT: &str = "Replace A Batch Left";
const RESTORE_FINISHED: &str = "Restore The Settings";
const PUT_BACK_SETTINGS: &str = "Put Back The Settings";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("recover")
        .comment("Put a group back from its lock record, or finish the cycle that left it, and release the lock.");
    let phase = |p: Phase| var("$.lock.phase").string_equals(p.as_str());

    // Batches the cycle had not reached yet, replaced as it would have; batches finished before it
    // stopped, replaced again with the image the template gives. A batch that fails stops the recovery.
    let stop = |t: crate::dsl::Task| t.catch(&[asl::errors::ALL], RECOVERY_STOPPED);
    super::cycle_batch::add_loop(&mut m, (REPLACE_BATCH_LEFT, "More Batches Left?"), PLAN, RESTORE_FINISHED, stop);
    super::cycle_batch::add_loop(
        &mut m,
        (ROLL_BACK_BATCH, "More To Roll Back?"),
        ROLLBACK_PLAN,
        PUT_BACK_SETTINGS,
        stop,
    );

    m.flow()
        .step(
            "Take Over The Lock",
            activity(Activity::TakeOverLock)
                .payload(json!({ "table": LOCK_TABLE, "owner.$": "$$.Execution.Id", "request.$": "$" }))
                .returns_as::<Found>(LOCK),
        )
        .step(
            "How Far Did The Cycle Go?",
            Choice::new()
                .when(var("$.lock.found").boolean_equals(false), |nothing| {
                    nothing.step("Nothing To Recover", recovered("nothing")).end()
                })
                .when(phase(Phase::Planned), |planned| roll_back(planned).end())
                .when(phase(Phase::Terminating), |terminating| finish(terminating).end())
                .otherwise(|locked| {
                    locked.step("Release The Untouched Group", unlock()).step("Released", recovered("released")).end()
                }),
        );
    m.add(RECOVERY_STOPPED, Fail::with_cause_path(errors::LEFT_LOCKED, "$.error.Cause"));
    m.build()
}

/// Nothing old is gone: the group goes back to exactly where the cycle found it.
fn roll_back(chain: Chain<'_>) -> Chain<'_> {
    let rolling_back = chain
        .step(
            "Register The Old Instances Again",
            activity(Activity::RegisterInstances)
                .payload(old_targets())
                .returns("$.registered", &["healthyAfterSeconds"]),
        )
        .poll(super::cycle::serving_again(PLAN, RECOVERY_STOPPED))
        .step(
            "Remove The New Instances",
            activity(Activity::RemoveNewInstances).payload(
                group()
                    .and("oldInstances", "$.lock.plan.oldInstances")
                    .and("leftAlone", "$.lock.plan.leftAlone")
                    .and("keepAtLeast", "$.lock.plan.snapshot.desiredCapacity"),
            ),
        )
        .step(
            "Put Back The Launch Template",
            activity(Activity::RestoreLaunchTemplate).payload(group().and("rollback", "$.lock.plan.rollback")),
        );
    roll_back_finished(rolling_back, PLAN, |planning| planning)
        .step(PUT_BACK_SETTINGS, restore("$.lock.plan.snapshot.desiredCapacity"))
        .step("Release The Rolled-Back Group", unlock())
        .step("Rolled Back", recovered("rolled-back"))
}

/// The batch's new instances had passed every check before any of its old ones went: the batch is
/// finished, and any batch after it, as the cycle would have.
fn finish(chain: Chain<'_>) -> Chain<'_> {
    chain
        .step(
            "Terminate The Old Instances Left",
            activity(Activity::TerminateGroupInstances).payload(group().and("instanceIds", "$.lock.batch.outgoing")),
        )
        .step(
            "Any Batches Left?",
            Choice::new().when(var("$.lock.batch.more").boolean_equals(true), |left| {
                left.step(
                    "Go On From The Next Batch",
                    Pass::set("$.batch", json!({ "next.$": "States.MathAdd($.lock.batch.number, 1)" })),
                )
                .join(REPLACE_BATCH_LEFT)
            }),
        )
        .afterwards()
        .step(RESTORE_FINISHED, restore("$.lock.plan.desiredAfter"))
        .step("Release The Finished Group", unlock())
        .step(
            "Verify Every Instance",
            activity(Activity::VerifyGroup).payload(
                group()
                    .and("imageId", "$.lock.plan.imageId")
                    .and("leftAlone", "$.lock.plan.leftAlone")
                    .and("desiredCapacity", "$.restored.desiredCapacity")
                    .and("at", "$$.State.EnteredTime"),
            ),
        )
        .step("Finished", recovered("finished"))
}

fn group() -> Fields {
    Fields::default().and("groupName", "$.lock.groupName")
}

fn old_targets() -> Fields {
    pick(PLAN, LOAD_BALANCERS).and("instanceIds", "$.lock.plan.oldInstances")
}

/// The settings put back, as the cycle would: `expected` is the desired capacity its steps leave.
fn restore(expected: &str) -> crate::dsl::Task {
    let settings = group().and("snapshot", "$.lock.plan.snapshot").and("maxSizeDuring", "$.lock.plan.maxSizeDuring");
    activity(Activity::RestoreGroup)
        .payload(settings.and("expectedDesired", expected))
        .returns("$.restored", &["maxSize", "desiredCapacity", "kept"])
}

fn unlock() -> crate::dsl::Task {
    activity(Activity::UnlockGroup).payload(
        Fields::default()
            .with("table", LOCK_TABLE)
            .and("groupName", "$.lock.groupName")
            .and("owner", "$$.Execution.Id"),
    )
}

/// The machine's output: the group, whose lock it was, and what the recovery did.
fn recovered(what: &str) -> Pass {
    Pass::set(
        "$",
        json!({ "groupName.$": "$.lock.groupName", "heldBy.$": "$.lock.heldBy", "phase.$": "$.lock.phase", "recovered": what }),
    )
}
