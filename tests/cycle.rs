//! The cycle machine on the local stack, with the InService count sampled after every state.

use std::collections::BTreeSet;

use contract::machines::cycle::Phase;
use contract::{errors, notifications};
use serde_json::{json, Value};
use tuesday::local::{Fault, LocalRun, Scenario, Status};
use tuesday_tests::cycling::{
    cycle, cycle_input, default_version, fewest_serving, healthy_targets, images_of, in_service_at, lowest_in_service,
    served, served_pair, settings, states_of, zones_of,
};
use tuesday_tests::{
    create_fleet, emulator, group_instances, lock_record, on_new_instances, take_lock, Fleet, FleetSpec,
};

/// One of the group's instances in the first seeded zone.
async fn one_in_the_first_zone(clients: &activities::Clients, group: &str) -> String {
    let described = clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await;
    let first_zone = &emulator().seeded.subnets[0].zone;
    let described = described.unwrap();
    let instance =
        described.auto_scaling_groups()[0].instances().iter().find(|i| i.availability_zone() == Some(first_zone));
    instance.and_then(|i| i.instance_id()).unwrap().to_owned()
}

#[tokio::test]
async fn replaces_an_imbalanced_group_of_three_with_no_loss_of_capacity() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-imbalanced", [2, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output.as_ref().unwrap()["replaced"].as_array().unwrap().len(), 3);
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 3);
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(states_of(&clients, &fleet.instances).await, BTreeSet::from(["terminated".to_owned()]));
    assert_eq!(images_of(&clients, &after).await, BTreeSet::from([fleet.new_image.clone()]));
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 3);
    eprintln!("{} transitions, {} s virtual", result.transitions, result.virtual_seconds);
}

#[tokio::test]
async fn a_group_of_one_keeps_one_instance_in_service_and_max_size_is_restored() {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new("cycle-one", [1, 0]);
    spec.max_size = Some(1);
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let group = fleet.group.clone();
    let scenario = Scenario::new().sample("maxSize", move |clients| {
        let group = group.clone();
        async move {
            let described =
                clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(&group).send().await?;
            Ok(json!(described.auto_scaling_groups()[0].max_size()))
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert!(lowest_in_service(&result, &fleet.group) >= 1);
    let max_sizes: Vec<i64> = result.samples_of("maxSize").iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(max_sizes.iter().max(), Some(&2), "MaxSize raised for the surge");
    assert_eq!(settings(&clients, &fleet.group).await["max"], 1);
}

#[tokio::test]
async fn new_instances_never_healthy_are_rolled_back() {
    let (clients, fleet) = served_pair("cycle-unhealthy").await;
    let before = settings(&clients, &fleet.group).await;
    // Their application never answers the load balancer's checks (Auto Scaling's own EC2 checks
    // pass, so it does not replace them).
    let sicken = on_new_instances(&fleet, "the new instances fail their health checks", "failing-checks");

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Surge The Group", sicken)).await;

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY));
    assert!(result.message().unwrap().contains("cycle-unhealthy"), "{}", result.outcome());
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "new instances gone");
    assert_eq!(default_version(&clients, &fleet).await, 1, "previous version effective");
    assert_eq!(settings(&clients, &fleet.group).await, before, "settings restored, lock released");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_failure_after_draining_serves_the_old_instances_again_before_removing_the_new() {
    let (clients, fleet) = served_pair("cycle-undrained").await;
    let before = settings(&clients, &fleet.group).await;
    let refused = Fault::fail_activity_once("RecordCycle", errors::AWS, "InternalServerError: the lock table failed");

    let result =
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Drain Old Instances", refused)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert!(result.message().unwrap().contains("InternalServerError"), "{}", result.outcome());
    assert!(fewest_serving(&result) >= 2, "the old serve again before the new go: {:?}", result.samples_of("serving"));
    assert_eq!(settings(&clients, &fleet.group).await, before);
    let target_group = fleet.target_group_arn.as_deref().unwrap();
    let serving = healthy_targets(&clients, target_group).await;
    assert_eq!(serving, fleet.instances.iter().cloned().collect(), "the old instances, serving");
}

/// A cycle of a group with `per_zone` instances behind a target group at `surge_percent`: it must
/// replace every instance in `batches` batches, never with fewer InService or serving than at the
/// start (sampled after every state of the cycle and of each batch), and end balanced across its zones.
async fn replaces_in_batches(name: &str, per_zone: [i32; 2], surge_percent: u32, batches: usize) {
    let (clients, fleet) = served(name, per_zone).await;
    let before = settings(&clients, &fleet.group).await;
    let start = i64::from(per_zone[0] + per_zone[1]);
    let mut input = cycle_input(&fleet);
    input["surgePercent"] = json!(surge_percent);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Plan The Batch").len(), batches, "batches of the surge");
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len() as i64, start);
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(states_of(&clients, &fleet.instances).await, BTreeSet::from(["terminated".to_owned()]));
    assert_eq!(images_of(&clients, &after).await, BTreeSet::from([fleet.new_image.clone()]));
    let zones = zones_of(&clients, &after).await;
    let spread = zones.values().max().unwrap() - zones.values().min().unwrap();
    assert!(zones.len() == 2 && spread <= 1, "balanced across the zones: {zones:?}");
    assert_eq!(settings(&clients, &fleet.group).await, before, "settings and processes back, lock released");
    assert!(
        lowest_in_service(&result, &fleet.group) >= start,
        "{:?}",
        result.samples_of(&format!("inService:{}", fleet.group))
    );
    assert!(fewest_serving(&result) >= start, "serving: {:?}", result.samples_of("serving"));
    eprintln!("{name}: {batches} batches, {} transitions, {} s virtual", result.transitions, result.virtual_seconds);
}

#[tokio::test]
async fn a_surge_of_half_replaces_a_group_of_four_in_two_batches_never_below_capacity() {
    replaces_in_batches("cycle-half-4", [2, 2], 50, 2).await;
}

#[tokio::test]
async fn a_surge_of_half_replaces_a_group_of_five_in_two_batches_never_below_capacity() {
    replaces_in_batches("cycle-half-5", [3, 2], 50, 2).await;
}

#[tokio::test]
async fn a_surge_of_one_percent_replaces_a_group_of_four_one_at_a_time_never_below_capacity() {
    replaces_in_batches("cycle-one-percent-4", [2, 2], 1, 4).await;
}

#[tokio::test]
async fn a_surge_of_one_percent_replaces_a_group_of_five_one_at_a_time_never_below_capacity() {
    replaces_in_batches("cycle-one-percent-5", [3, 2], 1, 5).await;
}

#[tokio::test]
async fn a_batch_failing_after_another_was_replaced_rolls_that_one_back_too_never_leaving_two_images() {
    let (clients, fleet) = served("cycle-second-batch-fails", [2, 2]).await;
    let before = settings(&clients, &fleet.group).await;
    let mut input = cycle_input(&fleet);
    input["surgePercent"] = json!(50);
    // The first batch's old instances are gone when the second batch cannot deregister its own.
    let refused = Fault::fail_activity_once("DeregisterInstances", errors::AWS, "InternalFailure: ELB refused");

    let result = cycle(&clients, &fleet, input, Scenario::new().after("Terminate Old Instances", refused)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert!(result.message().unwrap().contains("InternalFailure"), "{}", result.outcome());
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(now.len(), 4);
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.old_image.clone()]), "one image, the old");
    assert_eq!(result.events_of("StateEntered", "Roll Back A Batch").len(), 1, "the first batch, rolled back");
    assert_eq!(default_version(&clients, &fleet).await, 1, "previous version effective");
    assert_eq!(settings(&clients, &fleet.group).await, before, "settings restored, lock released");
    let target_group = fleet.target_group_arn.as_deref().unwrap();
    assert_eq!(healthy_targets(&clients, target_group).await, now.iter().cloned().collect(), "every one serving");
    assert!(lowest_in_service(&result, &fleet.group) >= 4);
    assert!(fewest_serving(&result) >= 4, "serving: {:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn max_size_and_desired_changed_by_someone_else_mid_cycle_are_kept_and_reported() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-changed", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    let group = fleet.group.clone();
    // An operator raises MaxSize and scales out by one while the new instances warm up.
    let operator = Fault::emulator("MaxSize 9 and one more instance", move |clients| {
        let group = group.clone();
        async move {
            let described =
                clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(&group).send().await?;
            let desired = described.auto_scaling_groups()[0].desired_capacity().unwrap();
            let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&group);
            update.max_size(9).desired_capacity(desired + 1).send().await?;
            Ok(())
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Surge The Group", operator)).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let now = settings(&clients, &fleet.group).await;
    assert_eq!((&now["max"], &now["desired"]), (&json!(9), &json!(3)), "the raise and the scale-out kept: {now}");
    assert_eq!((&now["min"], &now["suspended"], &now["lock"]), (&before["min"], &before["suspended"], &before["lock"]));
    let kept = result.output.as_ref().unwrap()["restored"]["kept"].to_string();
    assert!(kept.contains("MaxSize 9") && kept.contains("scaled out by 1"), "{kept}");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

/// The Run Command invocations sent to `instance`.
async fn commands_on(clients: &activities::Clients, instance: &str) -> Vec<String> {
    let listed = clients.ssm.list_commands().instance_id(instance).send().await.unwrap();
    listed.commands().iter().filter_map(|c| c.command_id().map(str::to_owned)).collect()
}

#[tokio::test]
async fn the_pre_termination_command_runs_to_completion_on_every_old_instance_before_any_is_terminated() {
    let (clients, fleet) = served_pair("cycle-command").await;
    let mut input = cycle_input(&fleet);
    input["preTerminationCommand"] = json!(["Copy-Item C:\\sessions \\\\store\\sessions -Recurse"]);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    for old in &fleet.instances {
        assert_eq!(commands_on(&clients, old).await.len(), 1, "{old} ran the command once");
    }
    let done = result.events_of("StateEntered", "Pre-Termination Command Done?")[0].virtual_time;
    let terminating = result.events_of("StateEntered", "Terminate Old Instances")[0].virtual_time;
    assert!(done <= terminating);
    assert!(fewest_serving(&result) >= 2);
}

#[tokio::test]
async fn the_pre_termination_command_goes_out_fifty_instances_to_a_command() {
    let clients = emulator().clients().await;
    let instance_ids: Vec<String> = (0..120).map(|n| format!("i-0c{n:015x}")).collect();
    let input = json!({ "instanceIds": instance_ids, "commands": ["exit 0"] });

    let sent = activities::registry::invoke(&clients, contract::Activity::SendCommand, input).await.unwrap();

    let sizes: Vec<usize> =
        sent["sent"].as_array().unwrap().iter().map(|c| c["instanceIds"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    let checked = activities::registry::invoke(&clients, contract::Activity::CheckCommands, sent).await.unwrap();
    assert_eq!(checked, json!({ "done": true, "running": 0, "failed": [] }), "every invocation listed, and ended");
}

#[tokio::test]
async fn a_pre_termination_command_failing_on_one_old_instance_rolls_the_cycle_back() {
    let (clients, fleet) = served_pair("cycle-command-fails").await;
    let before = settings(&clients, &fleet.group).await;
    emulator().fault("failing-commands", json!({ "instanceIds": [fleet.instances[0]] })).await.unwrap();
    let mut input = cycle_input(&fleet);
    input["preTerminationCommand"] = json!(["exit 1"]);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::COMMAND_FAILED), "{}", result.outcome());
    assert!(result.message().unwrap().contains(&format!("{}: Failed", fleet.instances[0])), "{}", result.outcome());
    assert_eq!(settings(&clients, &fleet.group).await, before);
    let serving = healthy_targets(&clients, fleet.target_group_arn.as_deref().unwrap()).await;
    assert_eq!(serving, fleet.instances.iter().cloned().collect(), "the old instances kept, serving again");
    assert!(fewest_serving(&result) >= 2, "{:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn a_readiness_probe_runs_on_every_new_instance_before_any_old_one_is_deregistered() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-probe", [1, 1])).await.unwrap();
    let mut input = cycle_input(&fleet);
    input["readinessCommand"] = json!(["Invoke-WebRequest http://localhost/health -UseBasicParsing"]);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    for new in group_instances(&clients, &fleet.group).await.unwrap() {
        assert_eq!(commands_on(&clients, &new).await.len(), 1, "{new} was probed once");
    }
    let probed = result.events_of("StateEntered", "Readiness Probe Done?")[0].virtual_time;
    let deregistering = result.events_of("StateEntered", "Deregister Old Instances")[0].virtual_time;
    assert!(probed <= deregistering);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_readiness_probe_failing_on_a_new_instance_rolls_the_cycle_back_before_anything_old_goes() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-probe-fails", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    let broken = on_new_instances(&fleet, "the application on the new instances does not answer", "failing-commands");
    let mut input = cycle_input(&fleet);
    input["readinessCommand"] = json!(["exit 1"]);

    let result = cycle(&clients, &fleet, input, Scenario::new().after("Surge The Group", broken)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY), "{}", result.outcome());
    assert!(result.message().unwrap().contains("readiness probe did not succeed"), "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Deregister Old Instances").is_empty(), "nothing old touched");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the old instances kept");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

/// A group of two on the old image, its template's second version on the new one (not yet the default).
async fn with_a_second_version(name: &str) -> (activities::Clients, Fleet) {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new(name, [1, 1]);
    spec.template_updated = false;
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(&fleet.new_image).build();
    let template = clients.ec2.create_launch_template_version().launch_template_id(&fleet.launch_template_id);
    template.source_version("1").launch_template_data(data).send().await.unwrap();
    (clients, fleet)
}

/// A warm pool of two made from the template as it is now, then `version` made the default: the
/// pool's instances keep the image they were made with.
async fn warm_pool_then_default(
    clients: &activities::Clients,
    group: &str,
    template: &str,
    version: &str,
) -> anyhow::Result<()> {
    let warm = clients.autoscaling.put_warm_pool().auto_scaling_group_name(group).min_size(2);
    warm.max_group_prepared_capacity(4).send().await?;
    clients.ec2.modify_launch_template().launch_template_id(template).default_version(version).send().await?;
    Ok(())
}

#[tokio::test]
async fn a_warm_pool_on_the_old_image_blocks_the_cycle_naming_it_before_anything_changes() {
    let (clients, fleet) = with_a_second_version("cycle-warm").await;
    warm_pool_then_default(&clients, &fleet.group, &fleet.launch_template_id, "2").await.unwrap();
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::BLOCKED), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.contains("the warm pool holds 2 instances") && message.contains(&fleet.old_image), "{message}");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    assert_eq!(settings(&clients, &fleet.group).await, before);
}

#[tokio::test]
async fn instances_handed_out_on_the_old_image_are_not_new_and_the_cycle_rolls_back_at_once() {
    let (clients, fleet) = with_a_second_version("cycle-warm-late").await;
    let modify = clients.ec2.modify_launch_template().launch_template_id(&fleet.launch_template_id);
    modify.default_version("2").send().await.unwrap();
    // After the plan, someone puts a warm pool made from the first version back on the group.
    let (group, template) = (fleet.group.clone(), fleet.launch_template_id.clone());
    let late = Fault::emulator("a warm pool on the old image, put after the plan", move |clients| {
        let (group, template) = (group.clone(), template.clone());
        async move {
            clients.ec2.modify_launch_template().launch_template_id(&template).default_version("1").send().await?;
            warm_pool_then_default(&clients, &group, &template, "2").await
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Record The Plan", late)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.contains(&fleet.old_image) && message.contains("warm pool"), "{message}");
    assert_eq!(result.events_of("StateEntered", "Check New Instances").len(), 1, "at the first check, not the timeout");
    assert!(result.events_of("StateEntered", "Deregister Old Instances").is_empty(), "nothing old touched");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the old instances kept");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_zone_that_cannot_launch_stops_the_cycle_naming_it_before_anything_old_goes() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-zone-down", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    let zone = emulator().seeded.subnets[0].zone.clone();
    emulator().fault("zone-down", json!({ "zone": zone, "group": fleet.group })).await.unwrap();

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;
    emulator().fault("zone-up", json!({ "zone": zone, "group": fleet.group })).await.unwrap();

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.contains(&format!("{zone}: 0 new where balancing gives it 1")), "{message}");
    assert!(result.events_of("StateEntered", "Deregister Old Instances").is_empty(), "nothing old touched");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the old instances kept");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_rollback_after_a_scale_in_during_the_wait_keeps_the_group_at_its_starting_size() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-scaled-in", [1, 1])).await.unwrap();
    // MinSize 1 lets a removal go below the start: Auto Scaling would not stop it.
    let lower = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&fleet.group);
    lower.min_size(1).send().await.unwrap();
    let scaled_in = fleet.instances[0].clone();
    // A scale-in takes an old instance while the new ones warm up; then the cycle fails.
    let scale_in = Fault::emulator("a scale-in terminates an old instance", move |clients| {
        let instance = scaled_in.clone();
        async move {
            let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group().instance_id(instance);
            terminate.should_decrement_desired_capacity(true).send().await?;
            Ok(())
        }
    });
    let refused = Fault::fail_activity_once("DeregisterInstances", errors::AWS, "InternalError: try later");
    let group = fleet.group.clone();
    let members = move |clients: activities::Clients| {
        let group = group.clone();
        async move { Ok(json!(tuesday::local::fleet::group_instances(&clients, &group).await?)) }
    };
    let scenario = Scenario::new()
        .after("Surge The Group", scale_in)
        .after("Announce Scale-Up Complete", refused)
        .sample("members", members);

    let result = cycle(&clients, &fleet, cycle_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    let removed = result.samples.iter().find(|s| s.name == "members" && s.after_state == "Remove New Instances");
    let left: Vec<String> = serde_json::from_value(removed.unwrap().value.clone()).unwrap();
    assert_eq!(left.len(), 2, "one old and one new instance, not the old one alone: {left:?}");
    assert!(left.contains(&fleet.instances[1]), "{left:?}");
    assert_eq!(settings(&clients, &fleet.group).await["desired"], 2);
}

#[tokio::test]
async fn an_old_instance_replaced_for_its_health_during_the_wait_counts_and_the_group_ends_at_its_start() {
    let (clients, fleet) = served_pair("cycle-health-replaced").await;
    let before = settings(&clients, &fleet.group).await;
    let sick = fleet.instances[0].clone();
    // Its EC2 status checks fail while the new instances warm up: Auto Scaling replaces it from the
    // launch template as it is now, on the new image.
    let sicken = Fault::emulator("an old instance fails its status checks", move |clients| {
        let instance = sick.clone();
        async move {
            let health = clients.autoscaling.set_instance_health().instance_id(instance).health_status("Unhealthy");
            health.send().await?;
            Ok(())
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Surge The Group", sicken)).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 2, "the start, not one above it: {after:?}");
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(images_of(&clients, &after).await, BTreeSet::from([fleet.new_image.clone()]));
    assert_eq!(settings(&clients, &fleet.group).await, before);
    // The failing instance took itself out; from the first check on, the cycle never goes below the start.
    let checked = result.samples.iter().position(|s| s.after_state == "Check New Instances").unwrap();
    let counts = result.samples[checked..].iter().filter(|s| s.name.starts_with("inService") || s.name == "serving");
    let lowest = counts.map(|s| s.value.as_i64().unwrap()).min().unwrap();
    assert!(lowest >= 2, "{:?}", &result.samples[checked..]);
}

#[tokio::test]
async fn a_scale_in_taking_new_instances_during_the_wait_fails_the_cycle_at_once_with_that_cause() {
    let (clients, fleet) = served_pair("cycle-new-scaled-in").await;
    let before = settings(&clients, &fleet.group).await;
    let (group, old) = (fleet.group.clone(), fleet.instances.clone());
    let scale_in = Fault::emulator("a scale-in terminates a new instance", move |clients| {
        let (group, old) = (group.clone(), old.clone());
        async move {
            let members = group_instances(&clients, &group).await?;
            let new = members.into_iter().find(|id| !old.contains(id)).expect("a new instance");
            let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group().instance_id(new);
            terminate.should_decrement_desired_capacity(true).send().await?;
            Ok(())
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Surge The Group", scale_in)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.contains("a scale-in during the wait took 1 of its capacity"), "{message}");
    assert_eq!(result.events_of("StateEntered", "Check New Instances").len(), 1, "at the first check, not the timeout");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the old instances kept");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

/// A lifecycle hook on `fleet`'s group that nothing answers: it ends at its heartbeat timeout, with CONTINUE.
async fn hook(clients: &activities::Clients, fleet: &Fleet, transition: &str, timeout: i32) {
    let put = clients.autoscaling.put_lifecycle_hook().auto_scaling_group_name(&fleet.group);
    let put = put.lifecycle_hook_name("hold").lifecycle_transition(transition);
    put.heartbeat_timeout(timeout).default_result("CONTINUE").send().await.unwrap();
}

#[tokio::test]
async fn a_launch_hook_is_waited_for_on_top_of_the_healthy_timeout_and_the_cycle_completes() {
    let (clients, fleet) = served_pair("cycle-launch-hook").await;
    // Longer than healthyTimeoutSeconds (1800): the hook's work (a domain join, say) is not ill health.
    hook(&clients, &fleet, "autoscaling:EC2_INSTANCE_LAUNCHING", 2400).await;
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
    assert!(fewest_serving(&result) >= 2, "serving: {:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn a_terminate_hook_holds_the_old_instances_out_of_capacity_and_the_cycle_completes() {
    let (clients, fleet) = served("cycle-terminate-hook", [2, 2]).await;
    hook(&clients, &fleet, "autoscaling:EC2_INSTANCE_TERMINATING", 600).await;
    let before = settings(&clients, &fleet.group).await;
    // Two batches: the second plans while the first's old instance waits on the hook.
    let mut input = cycle_input(&fleet);
    input["surgePercent"] = json!(50);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Plan The Batch").len(), 2);
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 4);
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 4);
    assert!(fewest_serving(&result) >= 4, "serving: {:?}", result.samples_of("serving"));
}

/// A group of three behind a target group, two in the first zone, one of them protected from
/// scale-in: whichever way Auto Scaling breaks ties between zones, replacing the others keeps it
/// balanced.
async fn with_a_protected_instance(name: &str) -> (activities::Clients, Fleet, String) {
    let (clients, fleet) = served(name, [2, 1]).await;
    let protected = one_in_the_first_zone(&clients, &fleet.group).await;
    let protect = clients.autoscaling.set_instance_protection().auto_scaling_group_name(&fleet.group);
    protect.instance_ids(&protected).protected_from_scale_in(true).send().await.unwrap();
    (clients, fleet, protected)
}

#[tokio::test]
async fn a_protected_instance_blocks_the_cycle_unless_the_input_says_replace_and_then_it_is_replaced() {
    let (clients, fleet, _) = with_a_protected_instance("cycle-protected-replaced").await;
    let before = settings(&clients, &fleet.group).await;

    let blocked = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;
    let mut input = cycle_input(&fleet);
    input["protectedInstances"] = json!("replace");
    let replaced = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(blocked.error.as_deref(), Some(errors::BLOCKED), "{}", blocked.outcome());
    assert!(blocked.message().unwrap().contains("protectedInstances: replace or ignore"), "{}", blocked.outcome());
    assert_eq!(replaced.status, Status::Succeeded, "{}", replaced.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 3);
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "the protected one replaced too");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&replaced, &fleet.group) >= 3);
}

#[tokio::test]
async fn a_protected_instance_the_input_ignores_stays_on_its_image_and_the_others_are_replaced() {
    let (clients, fleet, protected) = with_a_protected_instance("cycle-protected-ignored").await;
    let before = settings(&clients, &fleet.group).await;
    let mut input = cycle_input(&fleet);
    input["protectedInstances"] = json!("ignore");

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 3);
    assert!(after.contains(&protected), "the protected one kept: {after:?}");
    let others: Vec<&String> = fleet.instances.iter().filter(|id| **id != protected).collect();
    assert!(others.iter().all(|id| !after.contains(id)), "the others replaced: {after:?}");
    assert_eq!(images_of(&clients, std::slice::from_ref(&protected)).await, BTreeSet::from([fleet.old_image.clone()]));
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 3);
    assert!(fewest_serving(&result) >= 3, "serving: {:?}", result.samples_of("serving"));
}

#[tokio::test]
async fn a_standby_instance_blocks_the_cycle_by_default_and_is_left_in_standby_when_the_input_ignores_it() {
    let (clients, fleet) = served("cycle-standby", [2, 1]).await;
    let waiting = with_a_standby_instance(&clients, &fleet).await;
    let before = settings(&clients, &fleet.group).await;

    let blocked = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;
    let mut input = cycle_input(&fleet);
    input["standbyInstances"] = json!("ignore");
    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(blocked.error.as_deref(), Some(errors::BLOCKED), "{}", blocked.outcome());
    assert!(blocked.message().unwrap().contains("is in Standby"), "{}", blocked.outcome());
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(&fleet.group).send().await.unwrap();
    let group = &described.auto_scaling_groups()[0];
    let state_of =
        |id: &str| group.instances().iter().find(|i| i.instance_id() == Some(id)).map(|i| i.lifecycle_state().cloned());
    assert_eq!(state_of(&waiting), Some(Some(aws_sdk_autoscaling::types::LifecycleState::Standby)));
    let in_service: Vec<&str> = group
        .instances()
        .iter()
        .filter(|i| i.lifecycle_state() == Some(&aws_sdk_autoscaling::types::LifecycleState::InService))
        .filter_map(|i| i.instance_id())
        .collect();
    assert_eq!(in_service.len(), 2);
    assert!(in_service.iter().all(|id| !fleet.instances.iter().any(|old| old == id)), "the others replaced");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_standby_instance_is_terminated_without_a_successor_once_the_others_are_replaced_when_the_input_says_so() {
    let (clients, fleet) = served("cycle-standby-terminate", [2, 1]).await;
    let waiting = with_a_standby_instance(&clients, &fleet).await;
    let before = settings(&clients, &fleet.group).await;
    let mut input = cycle_input(&fleet);
    input["standbyInstances"] = json!("terminate");

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let terminated = result.events_of("StateEntered", "Terminate The Standby Instances");
    assert_eq!(terminated.len(), 1, "{:?}", result.states_entered());
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert!(!now.contains(&waiting), "the Standby instance gone: {now:?}");
    assert_eq!(now.len(), 2, "no successor for it: {now:?}");
    assert!(now.iter().all(|id| !fleet.instances.contains(id)), "the others replaced: {now:?}");
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

/// Puts one of the first zone's two instances in Standby (the instances in service stay balanced),
/// decrementing the desired capacity, as someone taking it out to look at it would.
async fn with_a_standby_instance(clients: &activities::Clients, fleet: &Fleet) -> String {
    let lower = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&fleet.group);
    lower.min_size(2).send().await.unwrap();
    let waiting = one_in_the_first_zone(clients, &fleet.group).await;
    let standby = clients.autoscaling.enter_standby().auto_scaling_group_name(&fleet.group);
    standby.instance_ids(&waiting).should_decrement_desired_capacity(true).send().await.unwrap();
    waiting
}

#[tokio::test]
async fn without_a_load_balancer_new_instances_count_only_once_their_ssm_agent_is_online() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-agent-offline", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    // InService and Healthy to Auto Scaling (its EC2 checks pass), but never heard of by Systems Manager.
    let unreachable = on_new_instances(&fleet, "the new instances' agents never come online", "agent-offline");

    let result =
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Surge The Group", unreachable)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::UNHEALTHY), "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Deregister Old Instances").is_empty(), "nothing old touched");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the old instances kept");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_group_deleted_mid_cycle_fails_cleanly() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-deleted", [1, 1])).await.unwrap();

    let scenario = Scenario::new().after("Surge The Group", Fault::delete_group(&fleet.group));
    let result =
        LocalRun::new(emulator(), clients.clone()).scenario(scenario).run("cycle", cycle_input(&fleet)).await.unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::NOT_FOUND), "{}", result.outcome());
    assert!(result.message().unwrap().contains("cycle-deleted"));
    assert_eq!(result.events_of("StateEntered", "Cycle Failed").len(), 1, "{:?}", result.states_entered());
}

#[tokio::test]
async fn two_cycles_of_one_group_started_together_one_wins_and_the_other_changes_nothing() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-twice", [1, 1])).await.unwrap();

    let (first, second) = tokio::join!(
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()),
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()),
    );

    let (won, lost) = if first.status == Status::Succeeded { (first, second) } else { (second, first) };
    assert_eq!(won.status, Status::Succeeded, "{}", won.outcome());
    assert_eq!(lost.status, Status::Failed, "{}", lost.outcome());
    assert_eq!(lost.error.as_deref(), Some(errors::CONFLICT), "{}", lost.outcome());
    assert!(lost.message().unwrap().contains(&won.execution_arn), "{}", lost.outcome());
    assert_eq!(lost.states_entered(), ["Check The Request", "Dry Run?", "Lock The Group", "Request Rejected"]);
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(now.len(), 2);
    assert!(now.iter().all(|i| !fleet.instances.contains(i)), "every instance replaced once: {now:?}");
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&won, &fleet.group) >= 2 && lowest_in_service(&lost, &fleet.group) >= 2);
    assert_eq!(settings(&clients, &fleet.group).await["lock"], Value::Null, "released by the winner");
}

#[tokio::test]
async fn a_lock_left_by_an_execution_that_ended_before_planning_is_released_and_the_cycle_goes_on() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-stale", [1, 1])).await.unwrap();
    let ended = cycle(&clients, &fleet, json!({ "groupName": fleet.group, "dryRun": true }), Scenario::new()).await;
    let before = settings(&clients, &fleet.group).await;
    take_lock(&clients, &fleet.group, &ended.execution_arn).await.unwrap();

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let entered = result.states_entered();
    assert!(entered.contains(&"Release The Untouched Group"), "nothing to put back: {entered:?}");
    assert_eq!(settings(&clients, &fleet.group).await, before, "the lock released, the group as it was set");
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(images_of(&clients, &now).await, BTreeSet::from([fleet.new_image.clone()]));
}

#[tokio::test]
async fn a_cycle_stopped_after_the_surge_leaves_its_lock_record_holding_the_snapshot() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-record", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().stop_after("Surge The Group")).await;

    assert_eq!(result.status, Status::Aborted, "{}", result.outcome());
    let lock = lock_record(&clients, &fleet.group).await.expect("the lock stays for recovery");
    assert_eq!(lock.owner, result.execution_arn);
    assert_eq!(lock.phase, Phase::Planned);
    let plan = lock.plan.expect("the plan is recorded before anything changes");
    assert_eq!(plan.old_instances.iter().cloned().collect::<BTreeSet<_>>(), fleet.instances.iter().cloned().collect());
    let snapshot = json!({
        "min": plan.snapshot.min_size, "max": plan.snapshot.max_size, "desired": plan.snapshot.desired_capacity,
        "suspended": plan.snapshot.suspended_processes, "terminationPolicies": plan.snapshot.termination_policies,
        "lock": result.execution_arn,
    });
    let mut expected = before;
    expected["lock"] = json!(result.execution_arn);
    assert_eq!(snapshot, expected, "the snapshot is the group as it was before the cycle");
}

#[tokio::test]
async fn an_activity_failing_once_is_retried_and_the_cycle_completes() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-retried", [1, 1])).await.unwrap();
    let scenario =
        Scenario::new().at(0.0, Fault::fail_activity_once("SurgeGroup", errors::RETRYABLE, "connection reset"));

    let result = cycle(&clients, &fleet, cycle_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    // AWS's history shows a retry as the task failing once, then scheduled again.
    assert_eq!(result.events_of("TaskFailed", "Surge The Group").len(), 1);
    assert_eq!(result.events_of("TaskScheduled", "Surge The Group").len(), 2);
    assert_eq!(
        images_of(&clients, &group_instances(&clients, &fleet.group).await.unwrap()).await,
        BTreeSet::from([fleet.new_image.clone()])
    );
}

#[tokio::test]
async fn an_up_to_date_group_succeeds_with_no_change() {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new("cycle-current", [1, 1]);
    spec.template_updated = false;
    let fleet = create_fleet(&clients, spec).await.unwrap();

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output.as_ref().unwrap()["upToDate"], true);
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    assert_eq!(result.events_of("StateEntered", "Release The Unneeded Lock").len(), 1, "{:?}", result.states_entered());
    assert_eq!(lock_record(&clients, &fleet.group).await.map(|l| l.owner), None);
}

#[tokio::test]
async fn a_dry_run_reports_the_plan_and_changes_nothing() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-dry", [2, 1])).await.unwrap();
    let before = (settings(&clients, &fleet.group).await, group_instances(&clients, &fleet.group).await.unwrap());

    let mut input = cycle_input(&fleet);
    input["dryRun"] = json!(true);
    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let plan = result.output.unwrap();
    let zones: Vec<i64> = plan["oldPerZone"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(zones, vec![2, 1]);
    assert_eq!(plan["peakCapacity"], 6);
    assert_eq!(plan["maxSizeDuring"], 6);
    assert_eq!(plan["imageId"], fleet.new_image);
    let after = (settings(&clients, &fleet.group).await, group_instances(&clients, &fleet.group).await.unwrap());
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_sticky_target_group_is_drained_for_its_deregistration_delay_before_termination() {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new("cycle-sticky", [1, 1]);
    spec.target_group_delay = Some(300);
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let (target_group, old) = (fleet.target_group_arn.clone().unwrap(), fleet.instances.clone());
    let scenario = Scenario::new().sample("oldRegistered", move |clients| {
        let (target_group, old) = (target_group.clone(), old.clone());
        async move {
            let health = clients.elbv2.describe_target_health().target_group_arn(&target_group).send().await?;
            let registered = health.target_health_descriptions().iter().filter_map(|d| d.target().and_then(|t| t.id()));
            Ok(json!(registered.filter(|id| old.iter().any(|o| o == id)).count()))
        }
    });

    let result = cycle(&clients, &fleet, cycle_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let deregistered = result.events_of("StateExited", "Deregister Old Instances")[0].virtual_time;
    let terminating = result.events_of("StateEntered", "Terminate Old Instances")[0].virtual_time;
    assert!(terminating - deregistered >= 300.0, "drained {} s", terminating - deregistered);
    let drained =
        result.samples.iter().find(|s| s.name == "oldRegistered" && s.after_state == "Drain Old Instances").unwrap();
    assert_eq!(drained.value, json!(0), "no old instance still takes traffic when termination starts");
    let first = result.samples.iter().find(|s| s.name == "oldRegistered").unwrap();
    assert_eq!(first.value, json!(2), "both old instances served before the cycle");
}

/// The cycle's input, its checks from the first moment and every 10 s: the group calls a new instance
/// InService once it has booted, a load balancer only after its checks passed, and a warm-up would
/// hide the difference.
fn checked_from_the_first_moment(fleet: &Fleet) -> Value {
    let mut input = cycle_input(fleet);
    input["warmUpSeconds"] = json!(0);
    input["pollSeconds"] = json!(10);
    input
}

/// A group of two behind a Classic Load Balancer (connection draining for 60 s), and clients.
async fn behind_a_classic_load_balancer(name: &str) -> (activities::Clients, Fleet, String) {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new(name, [1, 1]);
    spec.classic_draining = Some(60);
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let balancer = fleet.load_balancer_name.clone().unwrap();
    assert_eq!(in_service_at(&clients, &balancer).await.len(), 2, "the fleet serves through its balancer");
    (clients, fleet, balancer)
}

#[tokio::test]
async fn a_classic_load_balancer_keeps_its_in_service_count_and_drains_the_old_instances_before_they_go() {
    let (clients, fleet, balancer) = behind_a_classic_load_balancer("cycle-classic").await;
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, checked_from_the_first_moment(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(in_service_at(&clients, &balancer).await, after.iter().cloned().collect(), "the new ones serve");
    assert!(fewest_serving(&result) >= 2, "InService in the balancer: {:?}", result.samples_of("serving"));
    let time_of = |kind: &str| result.events_of(kind, "Drain Old Instances")[0].virtual_time;
    let drained = time_of("StateExited") - time_of("StateEntered");
    assert!(drained >= 60.0, "connection draining's 60 s, not {drained} s");
    assert_eq!(settings(&clients, &fleet.group).await, before);
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_failure_after_draining_a_classic_load_balancer_serves_the_old_instances_there_again_first() {
    let (clients, fleet, balancer) = behind_a_classic_load_balancer("cycle-classic-undrained").await;
    let before = settings(&clients, &fleet.group).await;
    let refused = Fault::fail_activity_once("RecordCycle", errors::AWS, "InternalServerError: the lock table failed");

    let result =
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Drain Old Instances", refused)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert!(fewest_serving(&result) >= 2, "the old serve again before the new go: {:?}", result.samples_of("serving"));
    assert_eq!(in_service_at(&clients, &balancer).await, fleet.instances.iter().cloned().collect());
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances, "the new instances gone");
    assert_eq!(settings(&clients, &fleet.group).await, before);
}

/// `fleet`'s group serving through `sources`, attached as traffic sources (its target group moved there).
async fn attach_traffic_sources(clients: &activities::Clients, fleet: &Fleet, sources: &[&str]) {
    use aws_sdk_autoscaling::types::TrafficSourceIdentifier;

    if let Some(arn) = &fleet.target_group_arn {
        let detach = clients.autoscaling.detach_load_balancer_target_groups().auto_scaling_group_name(&fleet.group);
        detach.target_group_arns(arn).send().await.unwrap();
    }
    let mut attach = clients.autoscaling.attach_traffic_sources().auto_scaling_group_name(&fleet.group);
    for source in sources {
        attach = attach.traffic_sources(TrafficSourceIdentifier::builder().identifier(*source).build());
    }
    attach.send().await.unwrap();
    tuesday::local::fleet::settle(&emulator().seeded, &fleet.group).await.unwrap();
}

#[tokio::test]
async fn a_target_group_attached_as_a_traffic_source_keeps_its_healthy_count_through_the_cycle() {
    let (clients, fleet) = served_pair("cycle-traffic-source").await;
    let target_group = fleet.target_group_arn.clone().unwrap();
    attach_traffic_sources(&clients, &fleet, &[&target_group]).await;
    assert_eq!(healthy_targets(&clients, &target_group).await, fleet.instances.iter().cloned().collect());
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, checked_from_the_first_moment(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(healthy_targets(&clients, &target_group).await, after.iter().cloned().collect());
    assert!(fewest_serving(&result) >= 2, "healthy in the target group: {:?}", result.samples_of("serving"));
    assert_eq!(settings(&clients, &fleet.group).await, before);
}

#[tokio::test]
async fn a_vpc_lattice_traffic_source_blocks_the_cycle_naming_it_before_anything_changes() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-lattice", [1, 1])).await.unwrap();
    let lattice = "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0a1b2c3d4e5f67890";
    attach_traffic_sources(&clients, &fleet, &[lattice]).await;
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::BLOCKED), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.contains(&format!("{lattice} (vpc-lattice) cannot be checked")), "{message}");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    assert_eq!(settings(&clients, &fleet.group).await, before, "nothing changed, the lock released");
}

/// A cycle by instance refresh, without an update's version: to the version the group launches.
fn refresh_input(fleet: &Fleet) -> Value {
    let mut input = cycle_input(fleet);
    input.as_object_mut().unwrap().remove("rollback");
    input["strategy"] = json!("instance-refresh");
    input
}

#[tokio::test]
async fn an_instance_refresh_replaces_every_instance_never_below_the_start_and_names_the_version_as_before() {
    let (clients, fleet) = served_pair("cycle-refreshed").await;
    let before = settings(&clients, &fleet.group).await;

    let result = cycle(&clients, &fleet, refresh_input(&fleet), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let after = group_instances(&clients, &fleet.group).await.unwrap();
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|id| !fleet.instances.contains(id)), "every instance is new");
    assert_eq!(images_of(&clients, &after).await, BTreeSet::from([fleet.new_image.clone()]));
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
    assert!(fewest_serving(&result) >= 2, "healthy in the target group: {:?}", result.samples_of("serving"));
    assert_eq!(group_version(&clients, &fleet.group).await, "$Default", "AWS left it on 2; named as before");
    assert_eq!(settings(&clients, &fleet.group).await, before);
}

#[tokio::test]
async fn an_instance_refresh_that_cannot_start_names_the_version_as_before_and_releases_the_lock() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-refresh", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    let scenario =
        Scenario::new().at(0.0, Fault::fail_activity_once("StartInstanceRefresh", errors::AWS, "InternalFailure"));

    let result = cycle(&clients, &fleet, refresh_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::AWS), "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Pin The Group To Its Version").len(), 1);
    assert!(result.events_of("StateEntered", "Surge The Group").is_empty());
    assert_eq!(group_version(&clients, &fleet.group).await, "$Default", "pinned, then named as before");
    assert_eq!(settings(&clients, &fleet.group).await, before, "settings as before, lock released");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
}

#[tokio::test]
async fn an_instance_refresh_is_refused_a_template_to_put_back_since_aws_rolls_it_back_itself() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-refresh-rollback", [1, 0])).await.unwrap();
    let mut input = cycle_input(&fleet);
    input["strategy"] = json!("instance-refresh");

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
    assert!(result.message().unwrap().contains("rollback"), "{}", result.outcome());
}

#[tokio::test]
async fn an_instance_refresh_whose_last_checkpoint_is_not_100_is_refused_before_anything_changes() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-refresh-checkpoints", [1, 0])).await.unwrap();
    let mut input = refresh_input(&fleet);
    input["checkpoints"] = json!([20, 50]);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
    assert!(result.message().unwrap().contains("checkpoints"), "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Lock The Group").is_empty());
}

/// The launch template version `group` names.
async fn group_version(clients: &activities::Clients, group: &str) -> String {
    let described = clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await;
    let described = described.unwrap();
    described.auto_scaling_groups()[0].launch_template().and_then(|t| t.version()).unwrap().to_owned()
}

#[tokio::test]
async fn scale_up_complete_is_announced_on_the_topic() {
    let clients = emulator().clients().await;
    let inbox = tuesday_tests::Inbox::new(&clients, "cycle-announced").await.unwrap();
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-announced", [1, 1])).await.unwrap();
    let mut input = cycle_input(&fleet);
    input["topicArn"] = json!(inbox.topic_arn);

    let result = cycle(&clients, &fleet, input, Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let messages = inbox.messages_of(notifications::CYCLE).await.unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["event"], "scale-up-complete");
    assert_eq!(messages[0]["groupName"], fleet.group);
    assert_eq!(messages[0]["newInstances"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_partial_termination_registers_the_surviving_old_instances_again_and_keeps_every_instance() {
    let (clients, fleet) = served_pair("cycle-partly-terminated").await;
    let before = settings(&clients, &fleet.group).await;
    // The second old instance the batch terminates cannot be: the first is gone by then.
    let group = fleet.group.clone();
    let refuse_second = Fault::emulator("Auto Scaling refuses to terminate the second old instance", move |clients| {
        let group = group.clone();
        async move {
            let lock = lock_record(&clients, &group).await.expect("the lock, at the termination record");
            let second = lock.batch.expect("the batch going").outgoing[1].clone();
            let code = "ServiceLinkedRoleFailure";
            let fault = json!({ "service": "autoscaling", "action": "TerminateInstanceInAutoScalingGroup", "code": code, "times": 10, "instance": second });
            emulator().fault("api-error", fault).await
        }
    });

    let scenario = Scenario::new().after("Record The Termination", refuse_second);
    let result = cycle(&clients, &fleet, cycle_input(&fleet), scenario).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::TERMINATION_FAILED), "{}", result.outcome());
    let now = group_instances(&clients, &fleet.group).await.unwrap();
    let survivors: Vec<&String> = fleet.instances.iter().filter(|id| now.contains(id)).collect();
    assert_eq!((now.len(), survivors.len()), (3, 1), "both new kept, one old gone, one left: {now:?}");
    let target_group = fleet.target_group_arn.as_deref().unwrap();
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(target_group)
        .targets(aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder().id(survivors[0]).build())
        .send()
        .await
        .unwrap();
    let state = health.target_health_descriptions()[0].target_health().and_then(|h| h.state()).unwrap().clone();
    assert!(!matches!(state.as_str(), "unused" | "draining"), "the survivor registered again: {state:?}");
    let mut after = settings(&clients, &fleet.group).await;
    assert_eq!(after["desired"], json!(3), "desired holds every instance kept");
    after["desired"] = before["desired"].clone();
    assert_eq!(after, before, "MaxSize, processes and the lock as they were");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
    assert!(fewest_serving(&result) >= 2, "serving: {:?}", result.samples_of("serving"));
}

/// The group's next `times` UpdateAutoScalingGroup calls refused with ScalingActivityInProgress, as
/// Auto Scaling answers while a scaling activity is under way.
fn restores_refused(group: &str, times: u32) -> Fault {
    let group = group.to_owned();
    Fault::emulator(format!("Auto Scaling refuses {group}'s next {times} updates"), move |_| {
        let code = "ScalingActivityInProgress";
        let fault = json!({ "service": "autoscaling", "action": "UpdateAutoScalingGroup", "code": code, "times": times, "group": group });
        async move { emulator().fault("api-error", fault).await }
    })
}

#[tokio::test]
async fn a_restore_refused_while_auto_scaling_is_busy_is_tried_again_and_the_group_is_put_back() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-busy", [1, 1])).await.unwrap();
    let before = settings(&clients, &fleet.group).await;
    let busy = restores_refused(&fleet.group, 2);

    let result =
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Terminate Old Instances", busy)).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("TaskFailed", "Restore Group Settings").len(), 2, "refused twice, then done");
    assert_eq!(settings(&clients, &fleet.group).await, before, "MaxSize, processes and the lock as they were");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn a_restore_refused_for_good_fails_loudly_and_keeps_the_lock_for_recovery() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, FleetSpec::new("cycle-stuck", [1, 1])).await.unwrap();
    let stuck = restores_refused(&fleet.group, 100);

    let result =
        cycle(&clients, &fleet, cycle_input(&fleet), Scenario::new().after("Terminate Old Instances", stuck)).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::LEFT_LOCKED), "{}", result.outcome());
    assert!(result.message().unwrap().contains("ScalingActivityInProgress"), "{}", result.outcome());
    let left = settings(&clients, &fleet.group).await;
    assert_eq!(left["lock"], json!(result.execution_arn), "the lock names the execution, for recovery");
    assert!(result.events_of("StateEntered", "Release The Lock After Failure").is_empty());
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}
