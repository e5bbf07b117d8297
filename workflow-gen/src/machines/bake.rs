//! bake: AWS's patched Windows AMIs, baked into the account. For every recipe, in a child execution
//! of `bake_recipe`: resolve the source AMI → compare it with the last one seen → skip, or bake by
//! mode (`copy`, `ssm-build`, `packer`) → wait until available → optional boot test → share → record
//! the source as seen → announce the new AMI. One recipe failing does not hide the others: the output
//! lists baked, skipped and failed recipes with reasons. (Retention runs after a patch's waves.)

use contract::machines::bake::{Jobs, Report, MAX_CONCURRENT_RECIPES, MAX_RECIPES};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{self, StateMachine};
use crate::dsl::{child_execution, Graph, Machine, MapState, Pass};
use crate::GraphError;

/// A failed recipe's failure, read whatever its shape; reached only by the Catch.
const READ_FAILURE: &str = "Read The Failure";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("bake").comment(
        "Bake AWS's patched Windows AMIs into the account, one child execution per recipe; report baked, skipped and failed.",
    );
    let rejected = m.add("Request Rejected", crate::dsl::Fail::from_paths("$.error.Error", "$.error.Cause"));
    let check = m.add(
        "Check The Recipes",
        // Only the checked jobs go on: the recipes' scripts once, not twice (40 recipes of realistic
        // scripts passed 256 KiB when the input was kept beside them).
        activity(Activity::ValidateRecipes).returns_as::<Jobs>("$").catch(&[errors::INVALID_INPUT], &rejected),
    );

    let mut each = Graph::new();
    each.flow().step(
        "Bake The Recipe",
        child_execution("BakeRecipe").output_path("$.output").catch_into(&[asl::errors::ALL], "$.error", READ_FAILURE),
    );
    let recipe_failed = |error: &str, reason: &str| {
        Pass::set("$", json!({ "recipe.$": "$.recipe.name", "status": "failed", "error.$": error, "reason.$": reason }))
    };
    each.begin(
        READ_FAILURE,
        activity(Activity::ReadFailure).payload_from("$.error").returns("$.failure", &["error", "reason"]).catch_into(
            &[asl::errors::ALL],
            "$.readError",
            "Recipe Bake Failed Unread",
        ),
    )
    .step("Recipe Bake Failed", recipe_failed("$.failure.error", "$.failure.reason"));
    each.add("Recipe Bake Failed Unread", recipe_failed("$.error.Error", "$.error.Cause"));

    let bake_all = m.add_map(
        "Bake Every Recipe",
        MapState::over("$.jobs", each)
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
