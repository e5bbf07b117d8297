//! validate: prove a fleet under load. Plan the attack (split across bees) → at once, a Distributed
//! Map of bees, each a Lambda attacking its share and returning its compressed histogram and counts,
//! written to S3, and, if asked, a watch of the group behind the target (a look every pollSeconds
//! while the attack lasts, then what Auto Scaling did) → merge the histograms from S3 into one
//! report, with the group's scale-out judged → gate: fail with `Tuesday.ValidationFailed` and the
//! report when a threshold is missed.

use contract::machines::validate::{AttackPlan, Verdict, Watch, MAX_BEES, MAX_WATCH_SAMPLES};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{ResultWriter, StateMachine};
use crate::dsl::{lambda, var, Choice, Fail, Graph, Machine, MapState, ParallelState, Pass, Wait};
use crate::GraphError;

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m =
        Machine::new("validate").comment("Prove the fleet under distributed load: bees, one merged report, a gate.");
    let rejected = m.add("Request Rejected", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let plan = m.add(
        "Plan The Attack",
        activity(Activity::PlanAttack).returns_as::<AttackPlan>("$.attack").catch(&[errors::INVALID_INPUT], &rejected),
    );

    let mut bee = Graph::new();
    // A bee is never retried on a transient error of its own: a second attack would double the load.
    let attack = bee.add(
        "Attack As A Bee",
        lambda(Activity::Bee)
            .returns(
                "$.result",
                &[
                    "histogram",
                    "complete",
                    "failed",
                    "statuses",
                    "errors",
                    "stickySame",
                    "stickyIdentified",
                    "elapsedSeconds",
                ],
            )
            .output_path("$.result"),
    );
    bee.start(&attack);
    let bees = MapState::distributed_over("$.attack.orders", bee)
        .max_concurrency(MAX_BEES)
        // Every bee at once (an inline Map runs 40), and their histograms in S3, not in the state.
        .result_writer(ResultWriter::s3(super::RESULTS_BUCKET, "validate"));
    let mut attack = Graph::new();
    let release = attack.add_map("Release The Bees", bees);
    attack.start(&release);

    let attack_and_watch = m.add_parallel(
        "Attack And Watch",
        ParallelState::branches([attack, watch_the_group()]).result_path("$.attacked"),
    );
    let merge = m.add(
        "Merge The Reports",
        activity(Activity::MergeBees)
            .payload(json!({
                "results.$": "$.attacked[0].ResultWriterDetails",
                "thresholds.$": "$.attack.thresholds",
                "watched.$": "$.attacked[1]",
            }))
            .returns_as::<Verdict>("$.verdict"),
    );
    let held = m.add("Target Held", Pass::new().output_path("$.verdict.report"));
    let failed = m.add("Validation Failed", Fail::with_cause_path(errors::VALIDATION_FAILED, "$.verdict.text"));
    let gate = m.add(
        "Thresholds Met?",
        Choice::new().jump(var("$.verdict.passed").boolean_equals(true), &held).otherwise_jump(&failed),
    );
    m.start(&plan).then(&attack_and_watch).then(&merge).then(&gate);
    m.build()
}

/// Beside the bees: a look at the group at once, then one every pollSeconds until the watch has
/// taken its looks, then the scaling activities since the first. Its output is `{"group": watch}`,
/// or `{}` when no group is watched.
fn watch_the_group() -> Graph {
    let mut g = Graph::new();
    let nothing = g.add("Nothing To Watch", Pass::result_at("$", json!({})));
    let look = g.add(
        "Look At The Group",
        activity(Activity::WatchGroup)
            .payload(json!({ "watch.$": "$.attack.watch", "at.$": "$$.State.EnteredTime" }))
            .returns_as::<Watch>("$.attack.watch"),
    );
    let pause = g.add("Between Looks", Wait::seconds_path("$.attack.watch.pollSeconds"));
    let activities = g.add(
        "Read The Scaling Activities",
        activity(Activity::ScalingActivities)
            .payload_from("$.attack.watch")
            .result_selector(json!({ "group.$": "$.Payload" }))
            .result_path("$"),
    );
    let watching = g.add(
        "Watching A Group?",
        Choice::new().jump(var("$.attack.watch").is_null(true), &nothing).otherwise_jump(&look),
    );
    let done = g.add(
        "Watched Long Enough?",
        Choice::new().jump(var("$.attack.watch.done").boolean_equals(true), &activities).otherwise_jump(&pause),
    );
    g.start(&watching);
    g.chain(&look).then(&done);
    g.chain(&pause).then(&look);
    g.bound_loop(&done, MAX_WATCH_SAMPLES);
    g
}
