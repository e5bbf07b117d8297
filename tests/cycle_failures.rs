//! Every activity of the cycle, of its batches and of its rollback failing in turn, once (a transient
//! error, retried) and for good (every call refused): a group of four at a surge of 50% (two batches)
//! behind a target group never has fewer InService than it started with, and ends whole: a transient
//! failure changes nothing of the outcome; after one for good, the group is as it was or patched, on
//! one image, every instance serving, its settings and processes back and no lock left (a lock left
//! is recovered by `recover`, as the README's runbook says).

use contract::errors;
use serde_json::json;
use tuesday::local::{Fault, Scenario, Status};
use tuesday_tests::cycling::{
    cycle, cycle_input, fewest_serving, healthy_targets, images_of, lowest_in_service, recover, served, settings,
};
use tuesday_tests::{group_instances, lock_record};

/// What the cycle and its batches call on a cycle that succeeds.
const FORWARD: [&str; 14] = [
    "CheckCycleRequest",
    "LockGroup",
    "PlanCycle",
    "RecordCycle",
    "SuspendProcesses",
    "PlanBatch",
    "SurgeGroup",
    "CheckNewInstances",
    "PublishMessage",
    "DeregisterInstances",
    "TerminateGroupInstances",
    "RestoreGroup",
    "UnlockGroup",
    "VerifyGroup",
];

/// What only a rollback calls, once the second batch has failed.
const ROLLBACK: [&str; 6] =
    ["ReadFailure", "RegisterInstances", "CheckTargets", "RemoveNewInstances", "RestoreLaunchTemplate", "PlanRollback"];

#[tokio::test]
async fn an_activity_failing_once_is_retried_and_the_cycle_patches_the_group() {
    for (n, activity) in FORWARD.iter().enumerate() {
        let fault = Fault::fail_activity_once(activity, errors::RETRYABLE, "ThrottlingException: slow down");
        let outcome = run(&format!("once-{n}"), Scenario::new().at(0.0, fault), activity).await;
        assert_eq!(outcome.status, Status::Succeeded, "{activity}: {}", outcome.told);
        assert_eq!(outcome.images, std::slice::from_ref(&outcome.new_image), "{activity}: patched");
    }
}

#[tokio::test]
async fn an_activity_of_the_cycle_failing_for_good_leaves_the_group_whole() {
    for (n, activity) in FORWARD.iter().enumerate() {
        let fault = Fault::fail_activity_always(activity, errors::AWS, "InternalFailure: refused for good");
        run(&format!("good-{n}"), Scenario::new().at(0.0, fault), activity).await;
    }
}

#[tokio::test]
async fn an_activity_of_the_rollback_failing_for_good_leaves_the_group_whole() {
    for (n, activity) in ROLLBACK.iter().enumerate() {
        // The second batch fails, once the first has replaced its old instances; then the rollback's.
        let second = Fault::fail_activity_once("DeregisterInstances", errors::AWS, "InternalFailure: ELB refused");
        let fault = Fault::fail_activity_always(activity, errors::AWS, "InternalFailure: refused for good");
        let scenario =
            Scenario::new().after("Terminate Old Instances", second).after("Reregister Old Instances", fault);
        let outcome = run(&format!("rollback-{n}"), scenario, activity).await;
        assert_eq!(outcome.status, Status::Failed, "{activity}: {}", outcome.told);
    }
}

/// Activities that terminate: refused, the instances they would have removed stay.
const KEEPS_WHAT_IT_CANNOT_REMOVE: [&str; 2] = ["RemoveNewInstances", "TerminateGroupInstances"];

/// What a cycle left.
struct Outcome {
    status: Status,
    told: String,
    images: Vec<String>,
    new_image: String,
}

/// Cycles a fresh group under `scenario` (where `failing` fails), recovers it if the cycle left its
/// lock, and asserts the group whole: never below its four InService (nor serving), one image, its
/// settings and no lock. Instances that cannot be terminated stay, and the group's desired with them.
async fn run(name: &str, scenario: Scenario, failing: &str) -> Outcome {
    let (clients, fleet) = served(name, [2, 2]).await;
    let before = settings(&clients, &fleet.group).await;
    let mut input = cycle_input(&fleet);
    input["surgePercent"] = json!(50);

    let result = cycle(&clients, &fleet, input, scenario).await;
    let told = format!("{failing} failing: {} {:?}", result.outcome(), result.message());
    // A cycle that fails at its first state has no samples: the group is checked as it ends.
    if !result.samples_of("serving").is_empty() {
        assert!(lowest_in_service(&result, &fleet.group) >= 4, "{name}: {told}");
        assert!(fewest_serving(&result) >= 4, "{name}: serving {:?}: {told}", result.samples_of("serving"));
    }
    if lock_record(&clients, &fleet.group).await.is_some() {
        assert_eq!(
            result.error.as_deref(),
            Some(errors::LEFT_LOCKED),
            "{name}: only a cycle left locked keeps it: {told}"
        );
        let recovered = recover(&clients, &fleet, Scenario::new()).await;
        assert_eq!(recovered.status, Status::Succeeded, "{name}: recovered: {}", recovered.outcome());
        assert!(lowest_in_service(&recovered, &fleet.group) >= 4, "{name}: recovered: {}", recovered.outcome());
    }

    let now = group_instances(&clients, &fleet.group).await.unwrap();
    let images: Vec<String> = images_of(&clients, &now).await.into_iter().collect();
    // Nothing can be terminated: every instance stays, old and new alike.
    if failing != "TerminateGroupInstances" {
        assert_eq!(images.len(), 1, "{name}: one image, not {images:?}: {told}");
    }
    let mut after = settings(&clients, &fleet.group).await;
    if KEEPS_WHAT_IT_CANNOT_REMOVE.contains(&failing) {
        assert_eq!(after["desired"], json!(now.len()), "{name}: desired holds what stayed: {told}");
        after["desired"] = before["desired"].clone();
    }
    assert_eq!(after, before, "{name}: settings, processes, no lock: {told}");
    let target_group = fleet.target_group_arn.as_deref().unwrap();
    let serving = healthy_targets(&clients, target_group).await;
    match failing {
        // The surviving old instances are registered again, and pass their checks after the cycle.
        "TerminateGroupInstances" => assert!(serving.len() >= 4, "{name}: serving {serving:?}: {told}"),
        _ => assert_eq!(serving, now.iter().cloned().collect(), "{name}: every instance serving: {told}"),
    }
    Outcome { status: result.status, told, images, new_image: fleet.new_image }
}
