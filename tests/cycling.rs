//! What the cycle and recover tests read of a group, and how they run a cycle.

use std::collections::{BTreeMap, BTreeSet};

use activities::Clients;
use serde_json::{json, Value};
use tuesday::local::{LocalRun, RunResult, Scenario};

use crate::{create_fleet, emulator, lock_record, Fleet, FleetSpec};

/// A group of two across both zones behind a target group (a 30 s deregistration delay), and clients.
pub async fn served_pair(name: &str) -> (Clients, Fleet) {
    served(name, [1, 1]).await
}

/// A group with `per_zone` instances behind a target group (a 30 s deregistration delay), and clients.
pub async fn served(name: &str, per_zone: [i32; 2]) -> (Clients, Fleet) {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new(name, per_zone);
    spec.target_group_delay = Some(30);
    let fleet = create_fleet(&clients, spec).await.unwrap();
    (clients, fleet)
}

/// The group as the cycle's snapshot sees it.
pub async fn settings(clients: &Clients, group: &str) -> Value {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await.unwrap();
    let g = &described.auto_scaling_groups()[0];
    let mut suspended: Vec<&str> = g.suspended_processes().iter().filter_map(|p| p.process_name()).collect();
    suspended.sort();
    let lock = lock_record(clients, group).await.map(|lock| lock.owner);
    json!({
        "min": g.min_size(), "max": g.max_size(), "desired": g.desired_capacity(),
        "suspended": suspended, "terminationPolicies": g.termination_policies(), "lock": lock,
    })
}

pub async fn images_of(clients: &Clients, ids: &[String]) -> BTreeSet<String> {
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids.to_vec())).send().await.unwrap();
    described.reservations().iter().flat_map(|r| r.instances()).map(|i| i.image_id().unwrap().to_owned()).collect()
}

/// How many of the instances are in each Availability Zone.
pub async fn zones_of(clients: &Clients, ids: &[String]) -> BTreeMap<String, usize> {
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids.to_vec())).send().await.unwrap();
    let mut zones = BTreeMap::new();
    for instance in described.reservations().iter().flat_map(|r| r.instances()) {
        let zone = instance.placement().and_then(|p| p.availability_zone()).unwrap().to_owned();
        *zones.entry(zone).or_default() += 1;
    }
    zones
}

pub async fn states_of(clients: &Clients, ids: &[String]) -> BTreeSet<String> {
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids.to_vec())).send().await.unwrap();
    described
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| i.state().and_then(|s| s.name()).unwrap().as_str().to_owned())
        .collect()
}

pub async fn default_version(clients: &Clients, fleet: &Fleet) -> i64 {
    let described =
        clients.ec2.describe_launch_templates().launch_template_ids(&fleet.launch_template_id).send().await.unwrap();
    described.launch_templates()[0].default_version_number().unwrap()
}

pub fn cycle_input(fleet: &Fleet) -> Value {
    json!({
        "groupName": fleet.group,
        "warmUpSeconds": 600,
        "pollSeconds": 30,
        "healthyTimeoutSeconds": 1800,
        "rollback": { "launchTemplateId": fleet.launch_template_id, "version": "1", "scope": "template-default" },
    })
}

/// Runs the cycle machine on `fleet`'s group, sampled as `sampled` says.
pub async fn cycle(clients: &Clients, fleet: &Fleet, input: Value, scenario: Scenario) -> RunResult {
    LocalRun::new(emulator(), clients.clone()).scenario(sampled(scenario, fleet)).run("cycle", input).await.unwrap()
}

/// After every state: the group's InService count and, behind a target group or a Classic Load
/// Balancer, the instances serving there (`serving`).
fn sampled(scenario: Scenario, fleet: &Fleet) -> Scenario {
    let scenario = scenario.sample_in_service(&fleet.group);
    let scenario = match fleet.target_group_arn.clone() {
        Some(target_group) => scenario.sample("serving", move |clients| {
            let target_group = target_group.clone();
            async move { Ok(json!(healthy_targets(&clients, &target_group).await.len())) }
        }),
        None => scenario,
    };
    match fleet.load_balancer_name.clone() {
        Some(balancer) => scenario.sample("serving", move |clients| {
            let balancer = balancer.clone();
            async move { Ok(json!(in_service_at(&clients, &balancer).await.len())) }
        }),
        None => scenario,
    }
}

/// The fewest instances serving in the fleet's target group after any state.
pub fn fewest_serving(result: &RunResult) -> i64 {
    result.samples_of("serving").iter().map(|v| v.as_i64().unwrap()).min().unwrap()
}

/// The fewest InService instances of `group` in any sample: after every state, and every virtual
/// minute between (no two samples further apart than a minute and the few real seconds the stack's
/// own work adds to the virtual clock, or the sampling is not what it says).
pub fn lowest_in_service(result: &RunResult, group: &str) -> i64 {
    let name = format!("inService:{group}");
    let times: Vec<f64> = result.samples.iter().filter(|s| s.name == name).map(|s| s.virtual_time).collect();
    let widest = times.windows(2).map(|pair| pair[1] - pair[0]).fold(0.0, f64::max);
    assert!(widest <= 70.0, "samples {widest} virtual seconds apart");
    result.samples_of(&name).iter().map(|v| v.as_i64().unwrap()).min().unwrap()
}

/// Runs the recover machine on `fleet`'s group, sampled as `sampled` says.
pub async fn recover(clients: &Clients, fleet: &Fleet, scenario: Scenario) -> RunResult {
    LocalRun::new(emulator(), clients.clone())
        .scenario(sampled(scenario, fleet))
        .run("recover", json!({ "groupName": fleet.group }))
        .await
        .unwrap()
}

/// The instances a Classic Load Balancer sends requests to: InService, not being deregistered.
pub async fn in_service_at(clients: &Clients, balancer: &str) -> BTreeSet<String> {
    let health = clients.elb.describe_instance_health().load_balancer_name(balancer).send().await.unwrap();
    health
        .instance_states()
        .iter()
        .filter(|s| s.state() == Some("InService"))
        .filter(|s| !s.description().unwrap_or_default().contains("deregistration currently in progress"))
        .filter_map(|s| s.instance_id().map(str::to_owned))
        .collect()
}

/// The instances registered in `target_group` and healthy there.
pub async fn healthy_targets(clients: &Clients, target_group: &str) -> BTreeSet<String> {
    let health = clients.elbv2.describe_target_health().target_group_arn(target_group).send().await.unwrap();
    health
        .target_health_descriptions()
        .iter()
        .filter(|d| d.target_health().and_then(|h| h.state()).map(|s| s.as_str()) == Some("healthy"))
        .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
        .collect()
}
