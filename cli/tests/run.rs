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

#[test]
fn an_aws_command_names_the_missing_profile_or_region_before_calling_anything() {
    let dir = std::env::temp_dir().join(format!("tuesday-aws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(&config, "[profile keys-only]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s\n")
        .unwrap();
    let plan = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tuesday"));
        command.args(["plan", "--aws", "--input", "{}"]).args(extra);
        for unset in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            command.env_remove(unset);
        }
        command.env("HOME", &dir).env("AWS_CONFIG_FILE", &config).env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"));
        let output = command.env("AWS_EC2_METADATA_DISABLED", "true").output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let usage = Some(exit::USAGE.into());
    let (code, stderr) = plan(&["--profile", "nowhere"]);
    assert_eq!(code, usage, "{stderr}");
    assert!(stderr.contains("--profile: no credentials for profile nowhere"), "{stderr}");
    let (code, stderr) = plan(&["--profile", "keys-only"]);
    assert_eq!(code, usage, "{stderr}");
    assert!(stderr.contains("--region: give the region (profile keys-only names none)"), "{stderr}");
    let (code, stderr) = plan(&[]);
    assert_eq!(code, usage, "{stderr}");
    assert!(stderr.contains("--profile: no AWS credentials: give --profile"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_load_into_bash_and_know_the_commands_and_flags() {
    let output = tuesday(&["completions", "bash"]);
    assert!(output.status.success());
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("--watch-group") && script.contains("recover"), "{script}");
    let loaded = Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p tuesday"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut bash| {
            use std::io::Write;
            bash.stdin.take().unwrap().write_all(&output.stdout)?;
            bash.wait_with_output()
        })
        .unwrap();
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("-F _tuesday tuesday"), "{loaded:?}");
    let version = tuesday(&["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("tuesday "), "{version:?}");
}

#[test]
fn plan_json_gives_every_wave_and_group_with_its_budget_and_whether_anything_is_blocked() {
    let output = tuesday(&["plan", "--demo", "--json"]);
    assert_eq!(output.status.code(), Some(exit::SUCCESS.into()), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert_eq!(plan["blocked"], false);
    let groups: Vec<&str> =
        plan["plan"]["rows"].as_array().unwrap().iter().map(|r| r["plan"]["groupName"].as_str().unwrap()).collect();
    assert_eq!(groups, ["preprod-web", "prod-web-a", "prod-web-b"]);
    let prod = &plan["plan"]["waves"][1];
    assert_eq!(prod["wave"], "prod");
    assert_eq!(prod["budget"]["groupsAtOnce"], 2, "{prod}");
    assert!(plan["plan"]["loadTests"][0]["validate"]["url"].is_string(), "{plan}");
}
