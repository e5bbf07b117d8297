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

#[tokio::test(flavor = "multi_thread")]
async fn approvals_lists_what_local_runs_wait_for_and_approve_and_reject_answer_them_or_refuse() {
    use tuesday::local::approvals::{self, Answer};
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            tuesday(&args)
        })
    };
    let stdout = |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
    for (token, answer, expected) in [
        (format!("local-cli-approve-{}", std::process::id()), vec!["approve"], Answer::Approve),
        (
            format!("local-cli-reject-{}", std::process::id()),
            vec!["reject", "--reason", "change freeze"],
            Answer::Reject("change freeze".into()),
        ),
    ] {
        // A local run waiting for a person, as the engine's bridge does.
        let waiting = tokio::spawn({
            let token = token.clone();
            async move { approvals::wait_for(&token, "patch: Ask For Approval").await }
        });
        while !approvals::waiting_list().iter().any(|(t, _)| *t == token) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let listed = run(vec!["approvals".into()]).await.unwrap();
        assert!(stdout(&listed).contains(&format!("{token}  patch: Ask For Approval")), "{}", stdout(&listed));

        let mut args: Vec<String> = vec![answer[0].into(), token.clone()];
        args.extend(answer[1..].iter().map(|a| a.to_string()));
        let answered = run(args).await.unwrap();
        assert!(answered.status.success(), "{}", String::from_utf8_lossy(&answered.stderr));
        assert!(
            stdout(&answered).ends_with(": patch: Ask For Approval\n"),
            "says what it answered: {}",
            stdout(&answered)
        );
        assert_eq!(waiting.await.unwrap(), expected, "the waiting run got the answer");
        assert!(!approvals::waiting_list().iter().any(|(t, _)| *t == token), "no longer waiting");
    }
    let unknown = run(vec!["approve".into(), format!("local-nobody-waits-{}", std::process::id())]).await.unwrap();
    assert_eq!(unknown.status.code(), Some(exit::USAGE.into()));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no local run waits for"), "{unknown:?}");
    let path = run(vec!["approve".into(), "local-../../etc/passwd".into()]).await.unwrap();
    assert_eq!(path.status.code(), Some(exit::USAGE.into()), "a token is never a path");
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
    let run = |args: &[&str], extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tuesday"));
        command.args(args).args(extra);
        for unset in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            command.env_remove(unset);
        }
        command.env("HOME", &dir).env("AWS_CONFIG_FILE", &config).env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"));
        let output = command.env("AWS_EC2_METADATA_DISABLED", "true").output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let plan = |extra: &[&str]| run(&["plan", "--aws", "--input", "{}"], extra);
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
    // An approval answered in AWS acts where the flags say, too.
    for answer in [&["approve", "AAAAKgAAAAIAAAAA"][..], &["reject", "AAAAKgAAAAIAAAAA", "--reason", "not today"]] {
        let (code, stderr) = run(answer, &["--profile", "nowhere"]);
        assert_eq!(code, usage, "{stderr}");
        assert!(stderr.contains("--profile: no credentials for profile nowhere"), "{stderr}");
    }
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
