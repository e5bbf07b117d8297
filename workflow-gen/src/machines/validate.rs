//! validate: prove a fleet under load. Plan the attack (split across bees) → a Distributed Map of
//! bees, all at once, each a Lambda attacking its share and returning its compressed histogram and
//! counts, written to S3 → merge the histograms from there into one report → gate: fail with
//! `Tuesday.ValidationFailed` and the report when a threshold is missed.

use contract::machines::validate::{AttackPlan, Verdict, MAX_BEES};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{ResultWriter, StateMachine};
use crate::dsl::{lambda, var, Choice, Fail, Graph, Machine, MapState, Pass};
use crate::GraphError;

/// The bucket the CDK app provides for map runs' results (a definition substitution).
pub const RESULTS_BUCKET: &str = "${ResultsBucket}";

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
    let bees = m.add_map(
        "Release The Bees",
        // Every bee at once (an inline Map runs 40), and their histograms in S3, not in the state.
        MapState::distributed_over("$.attack.orders", bee)
            .max_concurrency(MAX_BEES)
            .result_writer(ResultWriter::s3(RESULTS_BUCKET, "validate"))
            .result_path("$.results"),
    );

    let merge = m.add(
        "Merge The Reports",
        activity(Activity::MergeBees)
            .payload(json!({ "results.$": "$.results.ResultWriterDetails", "thresholds.$": "$.attack.thresholds" }))
            .returns_as::<Verdict>("$.verdict"),
    );
    let held = m.add("Target Held", Pass::new().output_path("$.verdict.report"));
    let failed = m.add("Validation Failed", Fail::with_cause_path(errors::VALIDATION_FAILED, "$.verdict.text"));
    let gate = m.add(
        "Thresholds Met?",
        Choice::new().jump(var("$.verdict.passed").boolean_equals(true), &held).otherwise_jump(&failed),
    );
    m.start(&plan).then(&bees).then(&merge).then(&gate);
    m.build()
}
