//! The recover machine on the local stack: a cycle stopped at each point that matters, and the group
//! put back exactly as it was, or exactly patched, from its lock record. InService is sampled after
//! every state of both runs.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tuesday::local::{RunResult, Scenario, Status};
use tuesday_tests::cycling::{
    cycle, cycle_input, default_version, fewest_serving, healthy_targets, images_of, lowest_in_service, recover,
    served, served_pair, settings,
};
use tuesday_tests::{create_fleet, emulator, group_instances, lock_record, Fleet, FleetSpec};

/// A group of two across both zones behind a target group, its cycle (`input`) stopped after `state`.
async fn stopped_after(
    name: &str,
    state: &str,
    input: fn(&Fleet) -> Value,
) -> (activities::Clients, Fleet, Value, RunResult) {
    let (clients, fleet) = served_pair(name).await;
    let before = settings(&clients, &fleet.group).await;
    let stopped = cycle(&clients, &fleet, input(&fleet), Scenario::new().stop_after(state)).await;
    assert_eq!(stopped.status, Status::Aborted, "{}", stopped.outcome());
    assert_eq!(lock_record(&clients, &fleet.group).await.map(|l| l.owner), Some(stopped.execution_arn.clone()));
    (clients, fleet, before, stopped)
}

fn recovered(result: &RunResult) -> &str {
    result.output.as_ref().and_then(|o| o["recovered"].as_str()).unwrap_or_default()
}

/// The group exactly as the cycle found it: its settings, its old instances serving, its template.
async fn assert_put_back(clients: &activities::Clients, fleet: &Fleet, before: &Value) {
    assert_eq!(&settings(clients, &fleet.group).await, before, "sizes, processes and no lock");
    let now: BTreeSet<String> = group_instances(clients, &fleet.group).await.unwrap().into_iter().collect();
    assert_eq!(now, fleet.instances.iter().cloned().collect(), "only the old instances");
    let target_group = fleet.target_group_arn.as_deref().unwrap();
    assert_eq!(healthy_targets(clients, target_group).await, now, "each serving in its target group");
    assert_eq!(default_version(clients, fleet).await, 1, "the launch template as it was");
}

#[tokio::test]
async fn a_cycle_stopped_after_the_surge_is_rolled_back_to_exactly_the_start() {
    let (clients, fleet, before, stopped) = stopped_after("recover-surged", "Surge The Group", cycle_input).await;

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "rolled-back");
    assert_eq!(result.output.as_ref().unwrap()["heldBy"], json!(stopped.execution_arn));
    assert_put_back(&clients, &fleet, &before).await;
    assert!(lowest_in_service(&stopped, &fleet.group) >= 2 && lowest_in_service(&result, &fleet.group) >= 2);
    assert!(fewest_serving(&result) >= 2, "{:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn a_cycle_stopped_after_deregistering_the_old_instances_registers_them_again() {
    let (clients, fleet, before, stopped) = stopped_after("recover-drained", "Drain Old Instances", cycle_input).await;
    let target_group = fleet.target_group_arn.clone().unwrap();
    assert!(healthy_targets(&clients, &target_group).await.is_disjoint(&fleet.instances.iter().cloned().collect()));

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "rolled-back");
    assert_put_back(&clients, &fleet, &before).await;
    assert!(lowest_in_service(&stopped, &fleet.group) >= 2 && lowest_in_service(&result, &fleet.group) >= 2);
    assert!(fewest_serving(&result) >= 2, "the old serve again before the new go: {:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn a_cycle_stopped_as_old_instances_went_is_finished_exactly_patched() {
    let (clients, fleet, before, stopped) =
        stopped_after("recover-terminating", "Record The Termination", cycle_input).await;

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "finished");
    assert_eq!(settings(&clients, &fleet.group).await, before, "sizes, processes and no lock");
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(now.len(), 2);
    assert!(now.iter().all(|i| !fleet.instances.contains(i)), "every old instance gone: {now:?}");
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&stopped, &fleet.group) >= 2 && lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_cycle_stopped_after_terminating_is_finished_and_its_settings_restored() {
    let (clients, fleet, before, stopped) =
        stopped_after("recover-terminated", "Terminate Old Instances", cycle_input).await;
    assert_ne!(settings(&clients, &fleet.group).await, before, "left with MaxSize raised and processes suspended");

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "finished");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&stopped, &fleet.group) >= 2 && lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn the_next_cycle_recovers_a_group_left_mid_cycle_before_planning_its_own() {
    // A cycle of a group whose template was already updated: recovering leaves the template as it is.
    let without_rollback = |fleet: &Fleet| {
        let mut input = cycle_input(fleet);
        input.as_object_mut().unwrap().remove("rollback");
        input
    };
    let (clients, fleet, before, stopped) = stopped_after("recover-next", "Surge The Group", without_rollback).await;

    let next = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(next.status, Status::Succeeded, "{} {:?}", next.outcome(), next.states_entered());
    let entered = next.states_entered();
    let recovered_at = entered.iter().position(|s| *s == "Rolled Back").expect("recovered first");
    let planned_at = entered.iter().position(|s| *s == "Plan The Cycle").unwrap();
    assert!(recovered_at < planned_at, "{entered:?}");
    let output = next.output.as_ref().unwrap();
    assert_eq!(output["replaced"].as_array().unwrap().len(), 2, "the old instances, not the stopped cycle's surge");
    assert_eq!(settings(&clients, &fleet.group).await, before, "the snapshot of the start, not of the surge");
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&stopped, &fleet.group) >= 2 && lowest_in_service(&next, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_group_with_no_lock_has_nothing_to_recover() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("recover-nothing", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "nothing");
    assert_eq!(settings(&clients, &fleet.group).await, before);
}

#[tokio::test]
async fn a_batched_cycle_stopped_as_its_first_batch_went_is_finished_batch_by_batch() {
    let (clients, fleet) = served("recover-batches", [2, 2]).await;
    let before = settings(&clients, &fleet.group).await;
    let mut input = cycle_input(&fleet);
    input["surgePercent"] = json!(50);
    let stopped = cycle(&clients, &fleet, input, Scenario::new().stop_after("Record The Termination")).await;
    assert_eq!(stopped.status, Status::Aborted, "{}", stopped.outcome());
    let lock = lock_record(&clients, &fleet.group).await.expect("the lock left");
    let batch = lock.batch.expect("the batch going, recorded");
    assert_eq!((batch.number, batch.outgoing.len(), batch.more), (1, 2, true));

    let result = recover(&clients, &fleet, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(recovered(&result), "finished");
    assert_eq!(result.events_of("StateEntered", "Plan The Batch").len(), 1, "the one batch the cycle had left");
    assert_eq!(settings(&clients, &fleet.group).await, before, "sizes, processes and no lock");
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(now.len(), 4);
    assert!(now.iter().all(|i| !fleet.instances.contains(i)), "every old instance gone: {now:?}");
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&stopped, &fleet.group) >= 4 && lowest_in_service(&result, &fleet.group) >= 4);
    assert!(fewest_serving(&stopped) >= 4 && fewest_serving(&result) >= 4, "{:?}", result.samples_of("serving"));
}
