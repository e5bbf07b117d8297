//! The validate machine on the local stack: bees attack a local target, their histograms merge into
//! one report, and the gate fails the execution when a threshold is out of reach.

use bees::practice::{self, Options, StatusCode, BACKEND_HEADER};
use contract::errors;
use serde_json::json;
use tuesday::local::{Fault, LocalRun, Scenario, Status};
use tuesday_tests::{assert_within_aws_limits, create_fleet, emulator, FleetSpec};

#[tokio::test(flavor = "multi_thread")]
async fn bees_attack_a_local_target_and_the_merged_report_passes() {
    let target = practice::serve(Options { error_every: Some(25), ..Options::default() }).await.unwrap();
    let input = json!({
        "url": target.url(), "requests": 503, "concurrency": 9, "bees": 4, "stickyHeader": BACKEND_HEADER,
        "thresholds": { "maxErrorRate": 0.1, "maxP99Ms": 5000 },
    });

    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let report = result.output.clone().unwrap();
    assert_eq!(report["complete"], 503, "every request of every bee counted");
    assert_eq!(report["statuses"]["503"], 20);
    assert!(report["stickiness"].as_f64().unwrap() > 0.99);
    assert_eq!(result.events_of("StateEntered", "Attack As A Bee").len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn bees_attack_an_https_target_whose_authority_the_input_names() {
    let target = practice::serve(Options { tls: true, ..Options::default() }).await.unwrap();
    let input = json!({
        "url": target.url(), "requests": 90, "concurrency": 6, "bees": 3, "caCertPem": target.certificate_pem,
    });

    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let report = result.output.clone().unwrap();
    assert_eq!((report["complete"].as_u64(), report["statuses"]["200"].as_u64()), (Some(90), Some(90)));
    assert!(report["stickiness"].as_f64().unwrap() > 0.99);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duration_without_a_rate_keeps_the_closed_model_going_for_that_long() {
    let target = practice::serve(Options::default()).await.unwrap();
    let input = json!({ "url": target.url(), "durationSeconds": 1.5, "concurrency": 4, "bees": 2 });

    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let report = result.output.clone().unwrap();
    assert!(report["complete"].as_u64().unwrap() > 100, "{report}");
    assert!(report["elapsedSeconds"].as_f64().unwrap() >= 1.5, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_threshold_beyond_reach_fails_with_the_report() {
    let target = practice::serve(Options::default()).await.unwrap();
    let input = json!({ "url": target.url(), "requests": 100, "concurrency": 4, "bees": 2, "thresholds": { "minRps": 100000000 } });

    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::VALIDATION_FAILED));
    let cause = result.message().unwrap();
    assert!(cause.contains("Complete requests:      100"), "{cause}");
    assert!(cause.contains("Mission Assessment:"), "{cause}");
    assert!(cause.contains("Performance check FAILED"), "{cause}");
}

#[tokio::test(flavor = "multi_thread")]
async fn by_default_a_target_that_is_down_erring_or_only_redirecting_fails_the_validation() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let serving = |status| practice::serve(Options { status, ..Options::default() });
    let (erring, missing, redirecting) = (
        serving(StatusCode::INTERNAL_SERVER_ERROR).await.unwrap(),
        serving(StatusCode::NOT_FOUND).await.unwrap(),
        serving(StatusCode::FOUND).await.unwrap(),
    );
    let cases = [
        (format!("http://127.0.0.1:{closed}/"), "Target down: no request was answered."),
        (erring.url(), "Target failing: 100.00% of requests were errors."),
        (missing.url(), "Target failing: 100.00% of requests were errors."),
        (redirecting.url(), "Target elsewhere: every answer was a redirect."),
    ];
    for (url, assessment) in cases {
        let input = json!({ "url": url, "requests": 20, "concurrency": 2, "bees": 2 });
        let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();
        assert_eq!(result.error.as_deref(), Some(errors::VALIDATION_FAILED), "{url}: {}", result.outcome());
        let cause = result.message().unwrap();
        assert!(cause.contains(&format!("Mission Assessment: {assessment}")), "{url}: {cause}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_impossible_split_is_refused_naming_the_field() {
    let input = json!({ "url": "http://127.0.0.1:9/", "requests": 100, "concurrency": 2, "bees": 3 });
    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();
    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT));
    assert!(result.message().unwrap().starts_with("concurrency:"));
    assert!(result.events_of("StateEntered", "Release The Bees").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_bee_is_tried_again_and_an_unknown_failure_only_where_a_second_run_is_harmless() {
    let target = practice::serve(Options::default()).await.unwrap();
    let input = json!({ "url": target.url(), "requests": 40, "concurrency": 2, "bees": 2 });
    let run = |fault| {
        let input = input.clone();
        async move {
            LocalRun::new(emulator(), emulator().clients().await)
                .scenario(Scenario::new().at(0.0, fault))
                .run("validate", input)
                .await
                .unwrap()
        }
    };

    // Lambda refused the invoke, so the bee never ran: another try is safe.
    let throttled = run(Fault::fail_activity_once("Bee", "Lambda.TooManyRequestsException", "Rate Exceeded.")).await;
    assert_eq!(throttled.status, Status::Succeeded, "{}", throttled.outcome());
    assert_eq!(throttled.output.unwrap()["complete"], 40, "both bees attacked in the end");

    // Planning twice is harmless; attacking twice is not.
    let planned = run(Fault::fail_activity_once("PlanAttack", "Lambda.Unknown", "Task timed out")).await;
    assert_eq!(planned.status, Status::Succeeded, "{}", planned.outcome());
    let attacked = run(Fault::fail_activity_once("Bee", "Lambda.Unknown", "Task timed out")).await;
    assert_eq!(attacked.status, Status::Failed, "{}", attacked.outcome());
}

/// A bee's result after a million requests whose latencies cover every bucket from half a
/// millisecond to half a minute: the largest histogram a bee can send.
fn a_million_requests() -> serde_json::Value {
    let mut tally = bees::Tally::default();
    let golden = 0.618_033_988_749_895_f64;
    for i in 0..1_000_000u64 {
        let spread = (i as f64 * golden).fract();
        let latency_micros = (500.0 * 60_000f64.powf(spread)) as u64;
        tally.record_response(if i % 1000 == 0 { 503 } else { 200 }, latency_micros);
    }
    serde_json::to_value(bees::BeeResult::from(&tally)).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_bees_of_a_million_requests_each_merge_within_aws_limits() {
    let bee = a_million_requests();
    let histogram = bee["histogram"].as_str().unwrap().len();
    let input = json!({
        "url": "http://127.0.0.1:9/", "requests": 100_000_000u64, "concurrency": 1000, "bees": 100,
        "thresholds": { "maxErrorRate": 0.01 },
    });
    // The bees' attack cannot run here at this size; what is tested is the machine around them.
    let scenario = Scenario::new().stand_in(contract::Activity::Bee, move |_| bee.clone());

    let result =
        LocalRun::new(emulator(), emulator().clients().await).scenario(scenario).run("validate", input).await.unwrap();

    assert_within_aws_limits(
        &result,
        &format!("validate, 100 bees of 10^6 requests ({histogram} bytes of histogram each)"),
    );
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output.as_ref().unwrap()["complete"], 100_000_000u64, "every bee's requests merged");
    assert_eq!(result.events_of("StateEntered", "Attack As A Bee").len(), 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_bees_attack_at_once() {
    let target = practice::serve(Options::default()).await.unwrap();
    let input = json!({ "url": target.url(), "durationSeconds": 2, "concurrency": 100, "bees": 100 });

    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    // A bee of one connection holds it for the whole attack: the target saw how many flew at once.
    let at_once = target.most_connections();
    assert!(at_once > 40, "at most {at_once} bees attacked at once, where an inline Map runs 40");
    assert_eq!(result.events_of("StateExited", "Attack As A Bee").len(), 100, "every bee came back");
}

/// A group of two behind the target, with a simple scaling policy adding one instance, as the
/// seed's article sets up before its bees attack; the policy's ARN, for the alarm that acts on it.
async fn a_group_that_can_scale_out(clients: &activities::Clients, name: &str) -> String {
    let mut spec = FleetSpec::new(name, [1, 1]);
    spec.max_size = Some(4);
    spec.boot_seconds = 60;
    create_fleet(clients, spec).await.unwrap();
    let policy = clients
        .autoscaling
        .put_scaling_policy()
        .auto_scaling_group_name(name)
        // Named after its group: moto keeps policies by name alone, where AWS keeps them per group.
        .policy_name(format!("{name}-add-one"))
        .policy_type("SimpleScaling")
        .adjustment_type("ChangeInCapacity")
        .scaling_adjustment(1)
        .send()
        .await
        .unwrap();
    policy.policy_arn().unwrap().to_owned()
}

fn watching(url: String, group: &str) -> serde_json::Value {
    json!({
        "url": url, "durationSeconds": 2, "concurrency": 2, "bees": 2,
        "watchGroup": { "name": group, "pollSeconds": 2, "expectScaleOut": { "withinSeconds": 20 } },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_whose_alarm_fires_during_the_attack_passes_the_scale_out_check() {
    let clients = emulator().clients().await;
    let policy = a_group_that_can_scale_out(&clients, "validate-elastic").await;
    let target = practice::serve(Options::default()).await.unwrap();
    // As the attack's load would drive the group's CPU alarm into ALARM, once the watch has seen
    // the group as it started.
    let alarm = Fault::emulator("the group's alarm fires", move |_| {
        let body = json!({ "name": "validate-elastic-cpu-high", "policyArns": [policy], "state": "ALARM" });
        async move { emulator().fault("alarm", body).await }
    });

    let result = LocalRun::new(emulator(), clients)
        .scenario(Scenario::new().after("Look At The Group", alarm))
        .run("validate", watching(target.url(), "validate-elastic"))
        .await
        .unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let report = result.output.clone().unwrap();
    let watched = &report["elasticity"];
    let desired: Vec<i64> =
        watched["samples"].as_array().unwrap().iter().map(|s| s["desired"].as_i64().unwrap()).collect();
    assert_eq!((desired.first(), desired.last()), (Some(&2), Some(&3)), "{watched}");
    assert_eq!(desired.len(), 11, "a look at the start, then every 2 s for 20 s");
    let cause = watched["activities"][0]["cause"].as_str().unwrap();
    assert!(
        cause.contains("alarm validate-elastic-cpu-high in state ALARM triggered policy validate-elastic-add-one"),
        "{cause}"
    );
    assert!(watched["scaledOutAfterSeconds"].as_f64().unwrap() <= 20.0, "{watched}");
    assert!(report["complete"].as_u64().unwrap() > 0, "the bees attacked meanwhile");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_whose_policy_never_acts_fails_the_check_naming_the_group() {
    let clients = emulator().clients().await;
    a_group_that_can_scale_out(&clients, "validate-inelastic").await;
    let target = practice::serve(Options::default()).await.unwrap();

    let result =
        LocalRun::new(emulator(), clients).run("validate", watching(target.url(), "validate-inelastic")).await.unwrap();

    assert_eq!(result.error.as_deref(), Some(errors::VALIDATION_FAILED), "{}", result.outcome());
    let cause = result.message().unwrap();
    assert!(
        cause.contains("Performance check FAILED: group validate-inelastic did not scale out within 20 s (desired stayed 2; no instance launched)"),
        "{cause}"
    );
    assert!(
        cause.contains("Group validate-inelastic: desired 2 → 2 (peak 2), InService 2 → 2, 11 looks over"),
        "{cause}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_needs_a_sustained_attack_and_is_refused_before_any_bee_flies() {
    let input = json!({ "url": "http://127.0.0.1:9/", "requests": 10, "concurrency": 2, "bees": 1, "watchGroup": { "name": "web" } });
    let result = LocalRun::new(emulator(), emulator().clients().await).run("validate", input).await.unwrap();
    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT));
    assert!(
        result.message().unwrap().starts_with("durationSeconds: watching a group needs a sustained attack"),
        "{:?}",
        result.message()
    );
    assert!(result.events_of("StateEntered", "Release The Bees").is_empty());
}
