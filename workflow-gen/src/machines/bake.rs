//! bake: AWS's patched Windows AMIs, baked into the account. For every recipe, in a child execution
//! of `bake_recipe`: resolve the source AMI → compare it with the last one seen → skip, or bake by
//! mode (`copy`, `ssm-build`, `packer`) → wait until available → optional boot test → share → record
//! the source as seen → announce the new AMI → apply retention. One recipe failing does not hide the
//! others: the output lists baked, skipped and failed recipes with reasons.

use contract::machines::bake::{Jobs, Report, MAX_CONCURRENT_RECIPES, MAX_RECIPES};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{self, StateMachine};
use crate::dsl::{child_execution, Graph, Machine, MapState, Pass};
use crate::GraphError;

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("bake").comment(
        "Bake AWS's patched Windows AMIs into the account, one child execution per recipe; report baked, skipped and failed.",
    );
    let rejected = m.add("Request Rejected", crate::dsl::Fail::from_paths("$.error.Error", "$.error.Cause"));
    let check = m.add(
        "Check The Recipes",
        activity(Activity::ValidateRecipes).returns_as::<Jobs>("$.checked").catch(&[errors::INVALID_INPUT], &rejected),
    );

    let mut each = Graph::new();
    let failed = each.add(
        "Recipe Bake Failed",
        Pass::set("$", json!({ "recipe.$": "$.recipe.name", "status": "failed", "error.$": "$.failure.Error", "reason.$": "$.failure.Cause" })),
    );
    // A failed child execution's cause is the JSON of its own error and cause.
    let read_failure = each
        .add("Read The Failure", Pass::set("$.failure", json!({ "parsed.$": "States.StringToJson($.error.Cause)" })));
    let unwrap_failure = each.add(
        "Unwrap The Failure",
        Pass::set("$.failure", json!({ "Error.$": "$.failure.parsed.Error", "Cause.$": "$.failure.parsed.Cause" })),
    );
    each.chain(&read_failure).then(&unwrap_failure).then(&failed);
    let bake = each.add(
        "Bake The Recipe",
        child_execution("BakeRecipe").output_path("$.output").catch_into(&[asl::errors::ALL], "$.error", &read_failure),
    );
    each.start(&bake);

    let bake_all = m.add_map(
        "Bake Every Recipe",
        MapState::over("$.checked.jobs", each)
            .max_concurrency(MAX_CONCURRENT_RECIPES)
            .at_most_items(MAX_RECIPES)
            .result_path("$.results"),
    );
    let report = m.add(
        "Report",
        activity(Activity::SummarizeBake)
            .payload(json!({ "results.$": "$.results" }))
            .returns_as::<Report>("$.report")
            .output_path("$.report"),
    );
    m.start(&check).then(&bake_all).then(&report);
    m.build()
}
