//! validate: prove a fleet under load. Plan the attack (split across bees) → a Map of bees, each a
//! Lambda attacking its share and returning its compressed histogram and counts → merge the
//! histograms into one report → gate: fail with `Tuesday.ValidationFailed` and the report when a
//! threshold is missed.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::activity;
use crate::asl::StateMachine;
use crate::dsl::{lambda, var, Choice, Fail, Graph, Machine, MapState, Pass};
use crate::{errors, GraphError};

/// The most bees one validation sends.
pub const MAX_BEES: u32 = 100;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// The URL to attack (http://), a load balancer in front of the fleet.
    pub url: String,
    /// Requests in all (closed model).
    #[serde(default = "defaults::requests")]
    pub requests: u64,
    /// Connections in all: one virtual user, with its own cookie jar, each.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: u32,
    /// Bees (Lambda invocations) sharing the attack.
    #[serde(default = "defaults::bees")]
    #[schemars(range(min = 1, max = 100))]
    pub bees: u32,
    /// Open model: requests per second in all, for `durationSeconds`.
    pub rate: Option<f64>,
    pub duration_seconds: Option<f64>,
    #[serde(default = "defaults::method")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// The response header naming the backend, for stickiness.
    pub sticky_header: Option<String>,
    #[serde(default)]
    pub thresholds: Thresholds,
}

/// Limits that fail the validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Thresholds {
    pub max_mean_ms: Option<f64>,
    pub min_rps: Option<f64>,
    /// 0 to 1.
    pub max_error_rate: Option<f64>,
    pub max_p99_ms: Option<f64>,
}

pub mod defaults {
    pub fn requests() -> u64 {
        1000
    }
    pub fn concurrency() -> u32 {
        50
    }
    pub fn bees() -> u32 {
        5
    }
    pub fn method() -> String {
        "GET".into()
    }
    pub fn timeout_ms() -> u64 {
        30_000
    }
}

/// One bee's share of the attack: the input of the Bee activity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BeeOrder {
    pub url: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub timeout_ms: u64,
    pub sticky_header: Option<String>,
    pub requests: u64,
    pub concurrency: u32,
    pub rate: Option<f64>,
    pub duration_seconds: Option<f64>,
}

/// The checked attack: every bee's orders, and the thresholds for the gate.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttackPlan {
    pub orders: Vec<BeeOrder>,
    pub thresholds: Thresholds,
}

/// The merged report and the gate's answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub passed: bool,
    /// The report as numbers (bees::Report).
    pub report: serde_json::Value,
    /// The report as a person reads it.
    pub text: String,
}

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m =
        Machine::new("validate").comment("Prove the fleet under distributed load: bees, one merged report, a gate.");
    let rejected = m.add("Request Rejected", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let plan = m.add(
        "Plan The Attack",
        activity("PlanAttack").returns_as::<AttackPlan>("$.attack").catch(&[errors::INVALID_INPUT], &rejected),
    );

    let mut bee = Graph::new();
    // A bee is never retried on a transient error of its own: a second attack would double the load.
    let attack = bee.add(
        "Attack As A Bee",
        lambda("Bee")
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
        MapState::over("$.attack.orders", bee)
            .max_concurrency(MAX_BEES)
            .at_most_items(MAX_BEES)
            .result_path("$.results"),
    );

    let merge = m.add(
        "Merge The Reports",
        activity("MergeBees")
            .payload(json!({ "results.$": "$.results", "thresholds.$": "$.attack.thresholds" }))
            .returns_as::<Verdict>("$.verdict"),
    );
    let held = m.add("Target Held", Pass::new().output_path("$.verdict.report"));
    let failed = m.add("Validation Failed", Fail::with_cause_path(errors::VALIDATION_FAILED, "$.verdict.text"));
    let gate = m.add(
        "Thresholds Met?",
        Choice::new().when(var("$.verdict.passed").boolean_equals(true), &held).otherwise(&failed),
    );
    m.start(&plan).then(&bees).then(&merge).then(&gate);
    m.build()
}
