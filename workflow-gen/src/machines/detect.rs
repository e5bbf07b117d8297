//! detect: which AWS Windows AMIs are current. For each SSM public parameter, resolve the AMI it
//! names; a parameter that does not exist is reported, not fatal.

use contract::{errors, Activity};
use serde_json::json;

use crate::asl::StateMachine;
use crate::dsl::{lambda, Graph, Machine, MapState, Pass};
use crate::GraphError;

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut each = Graph::new();
    let not_found = each.add(
        "Parameter Not Found",
        Pass::set("$", json!({ "parameter.$": "$.parameter", "found": false, "cause.$": "$.error.Cause" })),
    );
    let resolve = each.add(
        "Resolve Source AMI",
        lambda(Activity::ResolveSourceAmi)
            .payload(json!({ "source": { "parameter.$": "$.parameter" } }))
            .returns("$.ami", &["imageId", "name", "creationDate", "deprecationTime"])
            .catch(&[errors::NOT_FOUND], &not_found),
    );
    let found =
        each.add("Found", Pass::set("$", json!({ "parameter.$": "$.parameter", "found": true, "ami.$": "$.ami" })));
    each.start(&resolve).then(&found);

    let mut m = Machine::new("detect").comment("Resolve the AMIs that AWS's Windows public parameters name.");
    let resolve_all = m.add_map(
        "Resolve Every Parameter",
        MapState::over("$.parameters", each)
            .item_selector(json!({ "parameter.$": "$$.Map.Item.Value" }))
            .max_concurrency(10)
            .result_path("$.images"),
    );
    m.start(&resolve_all);
    m.build()
}
