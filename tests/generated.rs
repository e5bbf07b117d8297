//! The generated machines as AWS's rules see them: asl-validator accepts every file in
//! `statemachines/` and the example machine that uses every kind of state.

use tuesday_tests::{asl_validator, generated_machines};
use workflow_gen::{example, machines};

fn assert_valid(files: &[std::path::PathBuf]) {
    let output = asl_validator(files).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "asl-validator rejected:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout.matches("is valid").count(), files.len(), "{stdout}");
}

#[test]
fn asl_validator_accepts_every_generated_machine() {
    let files = generated_machines().unwrap();
    assert_eq!(files.len(), machines::all().len(), "one file per machine: {files:?}");
    assert_valid(&files);
}

#[test]
fn asl_validator_accepts_the_example_machine() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.asl.json");
    std::fs::write(&file, example::definition().unwrap().to_json()).unwrap();
    assert_valid(&[file]);
}

#[test]
fn asl_validator_rejects_a_dangling_next() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.asl.json");
    std::fs::write(&file, r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#).unwrap();
    let output = asl_validator(&[file]).unwrap();
    assert!(!output.status.success());
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(said.contains("MISSING_TRANSITION_TARGET"), "{said}");
}
