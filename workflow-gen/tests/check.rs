//! `workflow-gen --check`: passes on the committed files, and names every file that is stale.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../statemachines")
}

fn workflow_gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow-gen")).args(args).output().unwrap()
}

/// A copy of the committed `statemachines/` to spoil.
fn copy_of_committed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert!(workflow_gen(&["--out", out]).status.success());
    dir
}

#[test]
fn check_passes_on_the_committed_files() {
    let output = workflow_gen(&["--check", "--out", committed().to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn check_fails_and_names_a_hand_edited_file() {
    let dir = copy_of_committed();
    let asl = dir.path().join("detect.asl.json");
    let edited = fs::read_to_string(&asl).unwrap().replace("\"MaxConcurrency\": 10", "\"MaxConcurrency\": 11");
    fs::write(&asl, edited).unwrap();

    let output = workflow_gen(&["--check", "--out", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("detect.asl.json"), "{stderr}");
    assert!(!stderr.contains("detect.md"), "{stderr}");
}

#[test]
fn check_names_missing_and_unexpected_files() {
    let dir = copy_of_committed();
    fs::remove_file(dir.path().join("schemas/detect.input.schema.json")).unwrap();
    fs::write(dir.path().join("handmade.asl.json"), "{}").unwrap();

    let output = workflow_gen(&["--check", "--out", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("detect.input.schema.json") && stderr.contains("handmade.asl.json"), "{stderr}");
}

#[test]
fn generating_again_repairs_what_check_found() {
    let dir = copy_of_committed();
    fs::write(dir.path().join("detect.asl.json"), "{}").unwrap();
    fs::write(dir.path().join("handmade.asl.json"), "{}").unwrap();
    let out = dir.path().to_str().unwrap();
    assert!(workflow_gen(&["--out", out]).status.success());
    assert!(workflow_gen(&["--check", "--out", out]).status.success());
    assert!(!dir.path().join("handmade.asl.json").exists());
}
