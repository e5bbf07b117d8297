//! `tuesday run` as a person uses it: progress lines or a JSON event log, and an exit code that
//! says how the execution ended.

use std::process::Command;

use serde_json::Value;
use tuesday::exit;

fn tuesday(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tuesday")).args(args).output().unwrap()
}

#[test]
fn run_streams_progress_and_exits_zero_when_the_execution_succeeds() {
    let input = r#"{"parameters": ["/aws/service/ami-windows-latest/Windows_Server-2025-English-Full-Base"]}"#;
    let output = tuesday(&["run", "detect", "--input", input]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("→ Resolve Source AMI [0]"), "{stdout}");
    assert!(stdout.contains("detect succeeded in"), "{stdout}");
    assert!(stdout.contains("Windows_Server-2025-English-Full-Base-"), "{stdout}");
}

#[test]
fn run_json_gives_the_event_log_and_exits_one_when_the_execution_fails() {
    let output = tuesday(&["run", "detect", "--json", "--input", r#"{"parameters": ["no-slash"]}"#]);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    // AWS's history events: the failed task, then the execution.
    assert!(lines
        .iter()
        .any(|e| e["type"] == "TaskFailed" && e["taskFailedEventDetails"]["error"] == "Tuesday.InvalidInput"));
    assert!(lines.iter().any(|e| e["type"] == "ExecutionFailed" && e["execution"] == "detect"));
    let outcome = lines.last().unwrap();
    assert_eq!(outcome["status"], "FAILED");
    assert_eq!(outcome["error"], "Tuesday.InvalidInput");
}

#[test]
fn run_refuses_a_machine_that_does_not_exist() {
    let output = tuesday(&["run", "no_such_machine"]);
    assert_eq!(output.status.code(), Some(exit::USAGE.into()));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no machine 'no_such_machine'"));
}

#[test]
fn approve_and_reject_answer_a_local_token_for_the_waiting_run() {
    let approvals = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/approvals");
    let token = format!("local-cli-test-{}", std::process::id());
    let approved = tuesday(&["approve", &token]);
    assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));
    assert_eq!(std::fs::read_to_string(approvals.join(&token)).unwrap(), "approve");
    let rejected = tuesday(&["reject", &token, "--reason", "change freeze"]);
    assert!(rejected.status.success());
    assert_eq!(std::fs::read_to_string(approvals.join(&token)).unwrap(), "reject\nchange freeze");
    std::fs::remove_file(approvals.join(&token)).unwrap();
    assert_eq!(tuesday(&["approve", "local-../../etc/passwd"]).status.code(), Some(1), "a token is never a path");
}

/// `tuesday ARGS | head`, the reader gone before the first line: the output ends there, quietly.
fn into_a_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_tuesday")).args(args).stdout(writer).output().unwrap()
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_and_successfully() {
    let input = r#"{"parameters": ["/aws/service/ami-windows-latest/Windows_Server-2025-English-Full-Base"]}"#;
    for args in [&["machines", "list"][..], &["run", "detect", "--input", input]] {
        let output = into_a_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(exit::SUCCESS.into()), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_failed_execution_tells_its_error_once_as_it_happens_and_once_in_the_result() {
    let output = tuesday(&["run", "detect", "--input", r#"{"parameters": ["no-slash"]}"#]);
    assert_eq!(output.status.code(), Some(exit::FAILED.into()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("must start with '/'").count(), 2, "{stdout}");
    assert!(!stdout.contains("errorMessage"), "the Lambda's JSON is read for its message: {stdout}");
}
