//! `tuesday bees attack` against a local practice target: the report, JSON, and the exit code of the
//! thresholds gate.

use std::process::Output;

use bees::practice::{self, Options, StatusCode, BACKEND_HEADER};
use serde_json::Value;
use tuesday::exit::{THRESHOLD_MISSED, USAGE};

async fn tuesday(args: Vec<String>) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tuesday")).args(args).output().await.unwrap()
}

fn args(url: &str, extra: &[&str]) -> Vec<String> {
    ["bees", "attack", "-u", url].iter().chain(extra).map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_reports_exact_counts_and_stickiness_as_json() {
    let target = practice::serve(Options { error_every: Some(20), ..Options::default() }).await.unwrap();
    let output = tuesday(args(
        &target.url(),
        &[
            "-n",
            "301",
            "-c",
            "6",
            "--bees",
            "4",
            "--sticky-header",
            BACKEND_HEADER,
            "--max-error-rate",
            "0.1",
            "--json",
        ],
    ))
    .await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["complete"], 301, "every request kept across 4 bees");
    assert_eq!(report["statuses"]["503"], 15);
    assert!(report["stickiness"].as_f64().unwrap() > 0.99);
    assert_eq!(report["passed"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_prints_the_mission_assessment_and_fails_a_threshold_beyond_reach() {
    let target = practice::serve(Options::default()).await.unwrap();
    let output = tuesday(args(&target.url(), &["-n", "50", "-c", "5", "--max-mean-ms", "0.0001"])).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(THRESHOLD_MISSED.into()), "{stdout}");
    assert!(stdout.contains("Mission Assessment: Target answered, but fell short of its thresholds."), "{stdout}");
    assert!(stdout.contains("Performance check FAILED: mean time per request"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_fails_by_default_on_a_target_that_is_down_erring_or_only_redirecting() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let serving = |status| practice::serve(Options { status, ..Options::default() });
    let (erring, missing, redirecting) = (
        serving(StatusCode::SERVICE_UNAVAILABLE).await.unwrap(),
        serving(StatusCode::NOT_FOUND).await.unwrap(),
        serving(StatusCode::MOVED_PERMANENTLY).await.unwrap(),
    );
    let cases = [
        (format!("http://127.0.0.1:{closed}/"), "no request completed", "Target down: no request was answered."),
        (erring.url(), "error rate 100.00% is above 1.00%", "Target failing: 100.00% of requests were errors."),
        (missing.url(), "a status outside 200-399", "Target failing: 100.00% of requests were errors."),
        (redirecting.url(), "no response was a success (2xx)", "Target elsewhere: every answer was a redirect."),
    ];
    for (url, violation, assessment) in cases {
        let output = tuesday(args(&url, &["-n", "20", "-c", "2"])).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(THRESHOLD_MISSED.into()), "{url}: {stdout}");
        let failed = stdout.lines().find(|line| line.starts_with("Performance check FAILED: "));
        assert!(failed.is_some_and(|line| line.contains(violation)), "{url}: {stdout}");
        assert!(stdout.contains(&format!("Mission Assessment: {assessment}")), "{url}: {stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_refuses_an_impossible_split() {
    let output = tuesday(args("http://127.0.0.1:9/", &["-n", "10", "-c", "2", "--bees", "3"])).await;
    assert_eq!(output.status.code(), Some(USAGE.into()));
    assert!(String::from_utf8_lossy(&output.stderr).contains("-c/--concurrency: 2 connections cannot arm 3 bees"));
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_trusts_the_authority_given_by_ca_cert_for_an_https_target() {
    let target = practice::serve(Options { tls: true, ..Options::default() }).await.unwrap();
    let ca = std::env::temp_dir().join(format!("tuesday-practice-ca-{}.pem", target.addr.port()));
    std::fs::write(&ca, target.certificate_pem.as_deref().unwrap()).unwrap();
    let ca = ca.to_str().unwrap();

    let output =
        tuesday(args(&target.url(), &["-n", "120", "-c", "4", "--bees", "2", "--ca-cert", ca, "--json"])).await;

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["complete"], 120);
    assert_eq!(report["statuses"]["200"], 120);
    assert!(report["stickiness"].as_f64().unwrap() > 0.99);
    let untrusted = tuesday(args(&target.url(), &["-n", "4", "-c", "2"])).await;
    let stdout = String::from_utf8_lossy(&untrusted.stdout);
    assert_eq!(untrusted.status.code(), Some(THRESHOLD_MISSED.into()), "{stdout}");
    assert!(stdout.contains("  tls "), "the failures are named: {stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_errors_name_the_flag_to_change() {
    let refused = |extra: &'static [&'static str], url: &'static str, expected: &'static str| async move {
        let output = tuesday(args(url, extra)).await;
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(USAGE.into()), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert_eq!(stderr.matches(expected).count(), 1, "said once: {stderr}");
    };
    refused(
        &["-n", "10"],
        "127.0.0.1:9/",
        "-u/--url: '127.0.0.1:9/' has no scheme; did you mean http://127.0.0.1:9/ ?",
    )
    .await;
    refused(&["-n", "1", "-c", "2"], "http://127.0.0.1:9/", "-n/--requests: 1 requests cannot keep 2 connections busy")
        .await;
    refused(
        &["-n", "50", "--rate", "10", "-z", "1s"],
        "http://127.0.0.1:9/",
        "'--requests <REQUESTS>' cannot be used with",
    )
    .await;
    refused(
        &["-z", "1s", "-c", "4000000000"],
        "http://127.0.0.1:9/",
        "-c/--concurrency: 4000000000 connections need about",
    )
    .await;
    refused(&["-z", "soon"], "http://127.0.0.1:9/", "give \"30s\", \"2m\" or seconds").await;
    refused(
        &["-n", "10", "--max-error-rate", "5"],
        "http://127.0.0.1:9/",
        "--max-error-rate: 5: give a share from 0 to 1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attack_for_a_duration_prints_a_plain_progress_line_when_not_on_a_terminal() {
    let target = practice::serve(Options::default()).await.unwrap();
    let output = tuesday(args(&target.url(), &["-z", "6s", "-c", "2", "--json"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let complete = report["complete"].as_u64().unwrap();
    assert!(complete > 100, "the closed model kept going for the duration: {complete}");
    let served = target.served.load(std::sync::atomic::Ordering::Relaxed);
    assert!((complete..=complete + 2).contains(&served), "only the two in flight at the end dropped: {served} served");
    let line = stderr.lines().find(|line| line.contains(" errors after ")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.ends_with(" s") && line.contains("/s, 0 errors"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_ends_the_attack_with_a_partial_report_and_an_exit_code_of_its_own() {
    let target = practice::serve(Options::default()).await.unwrap();
    let attack = tokio::process::Command::new(env!("CARGO_BIN_EXE_tuesday"))
        .args(args(&target.url(), &["-n", "1000000000", "-c", "2"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while target.served.load(std::sync::atomic::Ordering::Relaxed) < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pid = attack.id().unwrap().to_string();
    let sent = tokio::process::Command::new("kill").args(["-INT", &pid]).status().await.unwrap();
    assert!(sent.success());

    let output =
        tokio::time::timeout(std::time::Duration::from_secs(30), attack.wait_with_output()).await.unwrap().unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("Interrupted: a partial report of the "), "{stdout}");
    let complete: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Complete requests:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!((200..1_000_000_000).contains(&complete), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_the_practice_target_in_its_own_process_for_attack_to_hit() {
    use tokio::io::AsyncBufReadExt;
    let certificate = std::env::temp_dir().join(format!("tuesday-serve-{}.pem", std::process::id()));
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_tuesday"))
        .args(["bees", "serve", "--tls-certificate-out", certificate.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut url = String::new();
    tokio::io::BufReader::new(serve.stdout.take().unwrap()).read_line(&mut url).await.unwrap();
    let url = url.trim();
    assert!(url.starts_with("https://localhost:"), "{url}");

    let output =
        tuesday(args(url, &["-n", "40", "-c", "2", "--ca-cert", certificate.to_str().unwrap(), "--json"])).await;

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["statuses"]["200"], 40);
    serve.kill().await.unwrap();
}

/// The emulator this binary's watch tests share, started on first use.
fn emulator() -> &'static tuesday::local::Emulator {
    static EMULATOR: std::sync::OnceLock<tuesday::local::Emulator> = std::sync::OnceLock::new();
    EMULATOR.get_or_init(|| tuesday::local::Emulator::start().expect("the emulator starts (run `./just setup`)"))
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_group_shows_the_scale_out_an_alarm_caused_during_the_attack() {
    use tuesday::local::fleet::{create_fleet, FleetSpec};
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new("cli-watched", [1, 1]);
    spec.max_size = Some(3);
    create_fleet(&clients, &emulator().seeded, spec).await.unwrap();
    let policy = clients
        .autoscaling
        .put_scaling_policy()
        .auto_scaling_group_name("cli-watched")
        .policy_name("cli-watched-add-one")
        .policy_type("SimpleScaling")
        .adjustment_type("ChangeInCapacity")
        .scaling_adjustment(1)
        .send()
        .await
        .unwrap();
    let target = practice::serve(Options::default()).await.unwrap();
    let watch = [
        "-z",
        "3s",
        "-c",
        "2",
        "--watch-group",
        "cli-watched",
        "--poll",
        "1s",
        "--expect-scale-out-within",
        "3s",
        "--region",
        &emulator().seeded.region,
        "--endpoint-url",
        emulator().endpoint(),
    ];
    let attack = tokio::process::Command::new(env!("CARGO_BIN_EXE_tuesday"))
        .args(args(&target.url(), &watch))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output();
    let alarm = async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let body =
            serde_json::json!({ "name": "cli-watched-busy", "policyArns": [policy.policy_arn()], "state": "ALARM" });
        emulator().fault("alarm", body).await.unwrap();
    };
    let (output, ()) = tokio::join!(attack, alarm);

    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("Group cli-watched: desired 2 → 3 (peak 3)"), "{stdout}");
    assert!(
        stdout.contains("a monitor alarm cli-watched-busy in state ALARM triggered policy cli-watched-add-one"),
        "{stdout}"
    );
    assert!(stdout.contains("Scale-out check: passed"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_group_needs_a_duration_and_names_the_flag() {
    let output = tuesday(args("http://127.0.0.1:9/", &["--watch-group", "web"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--duration"), "{stderr}");
}
