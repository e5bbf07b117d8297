//! `tuesday bees attack` against a local practice target: the report, JSON, and the exit code of the
//! thresholds gate.

use std::process::Output;

use bees::practice::{self, Options, BACKEND_HEADER};
use serde_json::Value;

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
        &["-n", "301", "-c", "6", "--bees", "4", "--sticky-header", BACKEND_HEADER, "--json"],
    ))
    .await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["complete"], 301, "every request kept across 4 bees");
    assert_eq!(report["statuses"]["5xx"], 15);
    assert!(report["stickiness"].as_f64().unwrap() > 0.99);
    assert_eq!(report["passed"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_prints_the_mission_assessment_and_fails_a_threshold_beyond_reach() {
    let target = practice::serve(Options::default()).await.unwrap();
    let output = tuesday(args(&target.url(), &["-n", "50", "-c", "5", "--max-mean-ms", "0.0001"])).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Mission Assessment: Target crushed bee offensive."), "{stdout}");
    assert!(stdout.contains("Performance check FAILED: mean time per request"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn attack_refuses_an_impossible_split() {
    let output = tuesday(args("http://127.0.0.1:9/", &["-n", "10", "-c", "2", "--bees", "3"])).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("concurrency: 2 connections cannot arm 3 bees"));
}
