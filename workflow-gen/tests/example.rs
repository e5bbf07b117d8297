//! The example machine's snapshot (the machines' own files are pinned once, in `statemachines/`, by
//! `workflow-gen --check`), and the shape of every input schema. A new or changed snapshot fails
//! under CI=true: review it with `cargo insta review` and commit it.

use workflow_gen::{example, machines};

#[test]
fn example_machine_matches_its_snapshot() {
    insta::assert_snapshot!("example.asl.json", example::definition().unwrap().to_json());
}

#[test]
fn every_machine_has_an_input_schema_that_names_its_fields() {
    for def in machines::all() {
        let schema = serde_json::to_value((def.input_schema)()).unwrap();
        assert_eq!(schema["type"], "object", "{}", def.name);
        assert!(schema["properties"].as_object().is_some_and(|p| !p.is_empty()), "{}", def.name);
    }
}
