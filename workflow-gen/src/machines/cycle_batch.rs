//! cycle_batch: one batch of a cycle, a child execution of `cycle` (or of `recover` finishing one),
//! which rolls the batch back if it fails.
//!
//! Plan the batch (what the group holds now; the surge, or the old instances left; nothing left, a
//! scale-in having taken them, ends it) → record that the batch is under way (a recovery rolls it
//! back) → surge by the batch → wait until every new instance runs the new image, is InService and
//! healthy in every target group, and its zone got the share balancing gives it → announce →
//! deregister as many old instances as it added, taken where most old ones are left (so the new ones
//! end balanced), and wait out the deregistration delay → optional pre-termination command → record that they are going (a
//! recovery finishes the batch) → terminate exactly them, decrementing desired. Any failure ends the
//! batch with its error, for the cycle to read: it rolls the batch back, or, after a termination that
//! failed (`Tuesday.TerminationFailed`), keeps every instance.

use contract::activities::ssm::check_commands::Output as CommandsCheck;
use contract::machines::cycle::{
    Batch, Health, Phase, Plan, COMMAND_POLL_SECONDS, MAX_BATCHES, MAX_COMMAND_CHECKS, MAX_HEALTH_CHECKS,
};
use contract::{errors, notifications, Activity};
use serde_json::json;

use super::{activity, LOCK_TABLE};
use crate::asl::{self, StateMachine};
use crate::dsl::{child_execution, pick, raise, var, Chain, Choice, Fail, Fields, Machine, Pass, Poll, Task, Wait};
use crate::GraphError;

/// Where the cycle's plan lives in the state data: most payloads are fields of it.
const PLAN: &str = "$.plan";
/// The plan's fields naming where the group's instances serve: target groups, Classic Load Balancers.
pub(super) const LOAD_BALANCERS: &[&str] = &["targetGroupArns", "loadBalancerNames"];
const FAILED: &str = "Batch Failed";
const TERMINATION_FAILED: &str = "Termination Failed";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("cycle_batch").comment(
        "One batch of a cycle: surge by the batch, wait until the new instances are healthy and cover their zones, \
         drain and terminate exactly the old instances they replace.",
    );
    let all = [asl::errors::ALL];

    m.flow()
        .step(
            "Plan The Batch",
            activity(Activity::PlanBatch)
                .payload(pick(PLAN, &["groupName", "oldInstances", "surge"]))
                .returns_as::<Batch>("$.batch")
                .catch(&all, FAILED),
        )
        .step(
            "Anything Left?",
            Choice::new().when(var("$.batch.size").numeric_equals(0), |nothing| {
                // A scale-in took the old instances this batch would have replaced.
                nothing.step("Nothing Left To Replace", replaced("$.batch.remaining", "$.batch.remaining")).end()
            }),
        )
        .afterwards()
        .catching(&all, FAILED, |batch| {
            batch
                // The plan too: a rollback's batches replace under a plan of their own.
                .step(
                    "Record The Batch",
                    activity(Activity::RecordCycle).payload(record(Phase::Planned).and("plan", PLAN)),
                )
                .step(
                    "Surge The Group",
                    activity(Activity::SurgeGroup).payload(
                        pick(PLAN, &["groupName"])
                            .and("desiredCapacity", "$.batch.desiredCapacity")
                            .and("maxSize", "$.plan.maxSizeDuring"),
                    ),
                )
                .poll(new_instances_healthy())
                .step(
                    "Any Readiness Probe?",
                    Choice::new()
                        .when(var("$.plan.readinessCommand[0]").is_present(true), run_command(READINESS_PROBE)),
                )
                .afterwards()
                .step(
                    "Announce Scale-Up Complete",
                    activity(Activity::PublishMessage)
                        .payload(json!({
                            "topicArn.$": "$.plan.topicArn",
                            "kind": notifications::CYCLE,
                            "subject": "tuesday: scale-up complete",
                            "message": {
                                "event": "scale-up-complete",
                                "groupName.$": "$.plan.groupName",
                                "batch.$": "$.number",
                                "newInstances.$": "$.health.newInstances",
                            },
                        }))
                        // The announcement is news, not a step of the cycle: failing it goes on.
                        .catch_into(&all, "$.announceError", "Deregister Old Instances"),
                )
                .step(
                    "Deregister Old Instances",
                    activity(Activity::DeregisterInstances)
                        .payload(pick(PLAN, LOAD_BALANCERS).and("instanceIds", "$.health.outgoing"))
                        .returns("$.drain", &["delaySeconds"]),
                )
                .step("Drain Old Instances", Wait::seconds_path("$.drain.delaySeconds"))
                .step(
                    "Any Pre-Termination Command?",
                    Choice::new()
                        .when(var("$.plan.preTerminationCommand[0]").is_present(true), run_command(PRE_TERMINATION)),
                )
                .afterwards()
                // A recovery from here on finishes the batch rather than rolling it back.
                .step(
                    "Record The Termination",
                    activity(Activity::RecordCycle).payload(
                        record(Phase::Terminating).with(
                            "batch",
                            Fields::default()
                                .and("number", "$.number")
                                .and("outgoing", "$.health.outgoing")
                                .and("more", "$.batch.more"),
                        ),
                    ),
                )
        })
        // From here on, removing the new instances would shrink the group: the cycle keeps them all.
        .step(
            "Terminate Old Instances",
            activity(Activity::TerminateGroupInstances)
                .payload(pick(PLAN, &["groupName"]).and("instanceIds", "$.health.outgoing"))
                .catch(&all, TERMINATION_FAILED),
        )
        .step("Batch Replaced", replaced("$.health.outgoing", "$.health.gone"));
    m.add(TERMINATION_FAILED, Fail::with_cause_path(errors::TERMINATION_FAILED, "$.error.Cause"));
    m.add(FAILED, Fail::from_paths("$.error.Error", "$.error.Cause"));
    m.build()
}

/// The batch numbered `$.batch.next` of the cycle planned at `plan`, as a child execution in this
/// execution's name (it holds the lock), its outcome at `$.batch`: each batch in its own history,
/// since a hundred in one would come near its limit of 25,000 events.
pub(super) fn next(plan: &str) -> Task {
    child_execution("CycleBatch")
        .child_input(
            Fields::default()
                .and("groupName", &format!("{plan}.groupName"))
                .and("owner", "$$.Execution.Id")
                .and("number", "$.batch.next")
                .and("plan", plan),
        )
        .result_selector(json!({ "more.$": "$.Output.more", "next.$": "$.Output.next" }))
        .result_path("$.batch")
}

/// Where a rollback's plan lives in the state data, and the state of its loop of batches.
pub(super) const ROLLBACK_PLAN: &str = "$.rollbackPlan";
pub(super) const ROLL_BACK_BATCH: &str = "Roll Back A Batch";

/// Plans the rolling back of the batches the cycle planned at `plan` had finished (`planned` gives
/// the planning task its catches) and, when they launched instances, enters the rollback's loop
/// (`add_loop` at `ROLL_BACK_BATCH`): the group must not be left with both images.
pub(super) fn roll_back_finished<'g>(chain: Chain<'g>, plan: &str, planned: impl FnOnce(Task) -> Task) -> Chain<'g> {
    let planning = activity(Activity::PlanRollback).payload(Fields::default().and("plan", plan));
    chain
        .step("Plan The Rollback Of Finished Batches", planned(planning.returns_as::<Plan>(ROLLBACK_PLAN)))
        .step(
            "Any Batch To Roll Back?",
            Choice::new().when(var("$.rollbackPlan.upToDate").boolean_equals(false), |undo| {
                undo.step("Start The Rollback Batches", Pass::set("$.batch", json!({ "next": 1 })))
                    .join(ROLL_BACK_BATCH)
            }),
        )
        .afterwards()
}

/// Adds `name`, which runs the batch numbered `$.batch.next` of the plan at `plan` (`failed` says where
/// its failure goes), and `guard`, which runs it again while old instances remain and then goes to
/// `done`: at most `MAX_BATCHES` times.
pub(super) fn add_loop(
    m: &mut Machine,
    (name, guard): (&str, &str),
    plan: &str,
    done: &str,
    failed: impl FnOnce(Task) -> Task,
) {
    let more = m.add(guard, Choice::new().jump(var("$.batch.more").boolean_equals(true), name).otherwise_jump(done));
    m.bound_loop(&more, MAX_BATCHES);
    m.add(name, failed(next(plan)));
    m.chain(name).then(&more);
}

/// Waits until the batch's new instances are ready: each on the new image (one on another fails the
/// batch at once), InService and healthy in every target group, each zone with the share balancing
/// gives it (a zone short of it could not launch: nothing old may go). The first check comes after
/// the warm-up, then no more often than the load balancer checks.
fn new_instances_healthy<'a>() -> Poll<'a> {
    Poll::check(
        "New Instances",
        activity(Activity::CheckNewInstances)
            .payload(
                pick(PLAN, &["groupName", "imageId", "targetGroupArns", "loadBalancerNames"])
                    .and("present", "$.batch.present")
                    .and("perZone", "$.batch.perZone")
                    .and("remaining", "$.batch.remaining")
                    .and("expected", "$.batch.size")
                    .and("desiredCapacity", "$.batch.desiredCapacity"),
            )
            .returns_as::<Health>("$.health"),
    )
    .asking("New Instances Healthy?")
    .first_wait(Wait::seconds_path("$.plan.warmUpSeconds"))
    .every(Wait::seconds_path("$.plan.pollSeconds"))
    .until(
        var("$.health.ready")
            .boolean_equals(true)
            .and(var("$.health.wrongImage[0]").is_present(false))
            .and(var("$.health.uncovered[0]").is_present(false))
            .and(var("$.health.scaledIn[0]").is_present(false)),
    )
    .unless(
        var("$.health.wrongImage[0]").is_present(true),
        raise(
            "New Instances On Another Image",
            Pass::error_from(
                errors::UNHEALTHY,
                "States.Format('{} launched instances on another image than {}, first {} (from a warm pool, or an override template?); rolled back.', $.plan.groupName, $.plan.imageId, $.health.wrongImage[0])",
            ),
            FAILED,
        ),
    )
    .unless(
        var("$.health.scaledIn[0]").is_present(true),
        raise(
            "New Instances Scaled In",
            Pass::error_from(
                errors::UNHEALTHY,
                "States.Format('{}: {}; rolled back.', $.plan.groupName, $.health.scaledIn[0])",
            ),
            FAILED,
        ),
    )
    .unless(
        var("$.health.uncovered[0]").is_present(true),
        raise(
            "A Zone Left Short",
            Pass::error_from(
                errors::UNHEALTHY,
                "States.Format('The new instances of {} do not cover the old ones in every zone, first {} (a zone that could not launch?); rolled back before any old instance of the batch went.', $.plan.groupName, $.health.uncovered[0])",
            ),
            FAILED,
        ),
    )
    .at_most(MAX_HEALTH_CHECKS)
    .limit_path("$.plan.maxChecks")
    .on_timeout(raise(
        "New Instances Never Healthy",
        Pass::error_from(
            errors::UNHEALTHY,
            "States.Format('The new instances of {} were not all healthy after {} seconds (and {} more for launch hooks); rolled back.', $.plan.groupName, $.plan.healthyTimeoutSeconds, $.plan.launchHookSeconds)",
        ),
        FAILED,
    ))
}

/// A PowerShell command the batch runs over Run Command, fifty instances to a command, and waits for
/// until it has ended on each: one that fails or does not end fails the batch.
struct RunCommand {
    /// Names its states: "Run Pre-Termination Command", "Pre-Termination Command Done?", ...
    name: &'static str,
    /// Paths to the instances and the command's lines.
    instances: &'static str,
    commands: &'static str,
    /// The error the batch fails with, and the causes, formatted with the group's name and the first
    /// instance that failed, or the timeout.
    error: &'static str,
    failed: &'static str,
    timed_out: &'static str,
    /// Path to the most checks before it times out.
    checks: &'static str,
}

/// The pre-termination command on the drained old instances: terminating an instance whose command
/// did not run would lose what it was to save.
const PRE_TERMINATION: RunCommand = RunCommand {
    name: "Pre-Termination Command",
    instances: "$.health.outgoing",
    commands: "$.plan.preTerminationCommand",
    error: errors::COMMAND_FAILED,
    failed: "States.Format('The pre-termination command did not succeed on every old instance of {}, first {}; rolled back.', $.plan.groupName, $.commandCheck.failed[0])",
    timed_out: "States.Format('The pre-termination command had not ended on every old instance of {} after {} seconds; rolled back.', $.plan.groupName, $.plan.preTerminationTimeoutSeconds)",
    checks: "$.plan.commandChecks",
};

/// The readiness probe on the new instances, once the group and its load balancers (or their SSM
/// Agent) say they are up: the application's own word that it serves.
const READINESS_PROBE: RunCommand = RunCommand {
    name: "Readiness Probe",
    instances: "$.health.newInstances",
    commands: "$.plan.readinessCommand",
    error: errors::UNHEALTHY,
    failed: "States.Format('The readiness probe did not succeed on every new instance of {}, first {}; rolled back.', $.plan.groupName, $.commandCheck.failed[0])",
    timed_out: "States.Format('The readiness probe had not ended on every new instance of {} after {} seconds; rolled back.', $.plan.groupName, $.plan.readinessTimeoutSeconds)",
    checks: "$.plan.readinessChecks",
};

fn run_command(command: RunCommand) -> impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> {
    move |chain| {
        let name = command.name;
        chain
            .step(
                format!("Run {name}"),
                activity(Activity::SendCommand)
                    .payload(Fields::default().and("instanceIds", command.instances).and("commands", command.commands))
                    .returns("$.command", &["sent"]),
            )
            .poll(
                Poll::check(
                    name,
                    activity(Activity::CheckCommands)
                        .payload(Fields::default().and("sent", "$.command.sent"))
                        .returns_as::<CommandsCheck>("$.commandCheck"),
                )
                .asking(format!("{name} Done?"))
                .every(Wait::seconds(COMMAND_POLL_SECONDS))
                .until(
                    var("$.commandCheck.done")
                        .boolean_equals(true)
                        .and(var("$.commandCheck.failed[0]").is_present(false)),
                )
                .unless(var("$.commandCheck.failed[0]").is_present(true), move |leg| {
                    leg.step(format!("{name} Failed"), Pass::error_from(command.error, command.failed)).join(FAILED)
                })
                .at_most(MAX_COMMAND_CHECKS)
                .limit_path(command.checks)
                .on_timeout(move |leg| {
                    leg.step(format!("{name} Timed Out"), Pass::error_from(command.error, command.timed_out))
                        .join(FAILED)
                }),
            )
    }
}

/// How far the cycle has gone, for the lock record the cycle holds: the batch acts in its name.
fn record(phase: Phase) -> Fields {
    Fields::default()
        .with("table", LOCK_TABLE)
        .and("groupName", "$.groupName")
        .and("owner", "$.owner")
        .with("phase", phase.as_str())
}

/// The batch's output: the instances it terminated, the old ones the group lost meanwhile, and
/// whether any are left for another.
fn replaced(terminated: &str, gone: &str) -> Pass {
    Pass::set(
        "$",
        json!({
            "number.$": "$.number",
            "replaced.$": terminated,
            "gone.$": gone,
            "more.$": "$.batch.more",
            "next.$": "States.MathAdd($.number, 1)",
        }),
    )
}
