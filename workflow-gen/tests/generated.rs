//! Snapshots of every file the generator writes, and of the example machine. A new or changed
//! snapshot fails under CI=true: review it with `cargo insta review` and commit it.

use workflow_gen::{example, generate, machines};

#[test]
fn every_generated_file_matches_its_snapshot() {
    let files = generate::render(&machines::all()).unwrap();
    assert!(!files.is_empty());
    for file in files {
        let name = file.path.to_string_lossy().replace('/', "__");
        insta::assert_snapshot!(name, file.contents);
    }
}

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
