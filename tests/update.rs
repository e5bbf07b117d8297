//! The update machine on the local stack: it finds the target groups, makes the new image effective
//! for each one the way that group references it, and cycles each in a child execution.

use std::collections::BTreeSet;

use activities::Clients;
use contract::errors;
use serde_json::{json, Value};
use tuesday::local::{Fault, LocalRun, RunResult, Scenario, Status};
use tuesday_tests::{
    assert_within_aws_limits, create_fleet, emulator, group_instances, on_new_instances, take_lock, Fleet, FleetSpec,
};

async fn update(clients: &Clients, input: Value) -> RunResult {
    LocalRun::new(emulator(), clients.clone()).run("update", input).await.unwrap()
}

fn quick_cycle() -> Value {
    json!({ "warmUpSeconds": 600, "pollSeconds": 30, "healthyTimeoutSeconds": 1800 })
}

fn group_result<'a>(result: &'a RunResult, group: &str) -> &'a Value {
    let groups = result.output.as_ref().unwrap()["groups"].as_array().unwrap();
    groups.iter().find(|g| g["groupName"] == group).unwrap_or_else(|| panic!("no result for {group}: {groups:?}"))
}

/// The update, with `fault` done once the cycle has surged the group.
async fn update_with(clients: &Clients, input: Value, fault: Fault) -> RunResult {
    let after_surge = Scenario::new().after("Surge The Group", fault);
    LocalRun::new(emulator(), clients.clone()).scenario(after_surge).run("update", input).await.unwrap()
}

async fn images_of(clients: &Clients, group: &str) -> BTreeSet<String> {
    let ids = group_instances(clients, group).await.unwrap();
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids)).send().await.unwrap();
    described.reservations().iter().flat_map(|r| r.instances()).map(|i| i.image_id().unwrap().to_owned()).collect()
}

async fn template_versions(clients: &Clients, fleet: &Fleet) -> (i64, i64) {
    let described =
        clients.ec2.describe_launch_templates().launch_template_ids(&fleet.launch_template_id).send().await.unwrap();
    let template = &described.launch_templates()[0];
    (template.default_version_number().unwrap(), template.latest_version_number().unwrap())
}

async fn group_reference(clients: &Clients, group: &str) -> (Option<String>, Option<String>) {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await.unwrap();
    let g = &described.auto_scaling_groups()[0];
    (g.launch_template().and_then(|t| t.version()).map(str::to_owned), g.launch_configuration_name().map(str::to_owned))
}

fn fleet_on_the_old_image<'a>(name: &'a str, recipe: &'a str) -> FleetSpec<'a> {
    let mut spec = FleetSpec::new(name, [1, 1]);
    spec.template_updated = false;
    spec.tags = vec![("tuesday:image", recipe)];
    spec
}

#[tokio::test]
async fn updates_and_cycles_every_tagged_group_as_each_references_its_template() {
    let clients = emulator().clients().await;
    let by_default = create_fleet(&clients, fleet_on_the_old_image("update-default", "win2022-a")).await.unwrap();
    let mut pinned = fleet_on_the_old_image("update-pinned", "win2022-a");
    pinned.version_reference = "1";
    let pinned = create_fleet(&clients, pinned).await.unwrap();
    let untagged = create_fleet(&clients, fleet_on_the_old_image("update-untagged", "someone-else")).await.unwrap();

    let result =
        update(&clients, json!({ "imageId": by_default.new_image, "recipe": "win2022-a", "cycle": quick_cycle() }))
            .await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output.as_ref().unwrap()["groups"].as_array().unwrap().len(), 2);
    for fleet in [&by_default, &pinned] {
        assert_eq!(group_result(&result, &fleet.group)["status"], "patched", "{}", group_result(&result, &fleet.group));
        assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.new_image.clone()]));
    }
    assert_eq!(template_versions(&clients, &by_default).await, (2, 2), "the new version is the default");
    assert_eq!(
        template_versions(&clients, &pinned).await,
        (1, 2),
        "the pinned group default is left alone: {}",
        group_result(&result, &pinned.group)
    );
    assert_eq!(
        group_reference(&clients, &pinned.group).await.0.as_deref(),
        Some("2"),
        "the group is pinned to the new version"
    );
    assert_eq!(images_of(&clients, &untagged.group).await, BTreeSet::from([untagged.old_image.clone()]));
    assert!(result.events.iter().any(|e| e.execution.starts_with("update/cycle#")), "cycles ran as child executions");
}

#[tokio::test]
async fn a_dry_run_plans_every_group_and_changes_nothing() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-dry", "win2022-dry")).await.unwrap();
    let before = (template_versions(&clients, &fleet).await, group_instances(&clients, &fleet.group).await.unwrap());

    let result = update(&clients, json!({ "imageId": fleet.new_image, "recipe": "win2022-dry", "dryRun": true })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let group = group_result(&result, &fleet.group);
    assert_eq!(group["status"], "planned");
    assert_eq!(group["plan"]["action"], "new-template-version");
    assert_eq!(group["plan"]["currentImageId"], fleet.old_image);
    assert_eq!(
        (template_versions(&clients, &fleet).await, group_instances(&clients, &fleet.group).await.unwrap()),
        before
    );
}

#[tokio::test]
async fn a_group_already_on_the_image_is_skipped() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-current", "win2022-current")).await.unwrap();

    let result = update(&clients, json!({ "imageId": fleet.old_image, "groups": [fleet.group] })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(group_result(&result, &fleet.group)["status"], "skipped");
    assert_eq!(template_versions(&clients, &fleet).await, (1, 1));
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
}

#[tokio::test]
async fn a_legacy_launch_configuration_is_cloned_swapped_and_cycled() {
    let clients = emulator().clients().await;
    let mut spec = fleet_on_the_old_image("update-legacy", "win2022-legacy");
    spec.launch_configuration = true;
    let fleet = create_fleet(&clients, spec).await.unwrap();

    let result =
        update(&clients, json!({ "imageId": fleet.new_image, "groups": [fleet.group], "cycle": quick_cycle() })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(group_result(&result, &fleet.group)["status"], "patched", "{}", group_result(&result, &fleet.group));
    let (_, configuration) = group_reference(&clients, &fleet.group).await;
    assert_eq!(configuration, Some(format!("update-legacy-{}", fleet.new_image)));
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.new_image.clone()]));
}

#[tokio::test]
async fn a_locked_group_is_blocked_untouched_and_does_not_hide_the_others() {
    let clients = emulator().clients().await;
    let free = create_fleet(&clients, fleet_on_the_old_image("update-free", "win2022-mixed")).await.unwrap();
    let locked = create_fleet(&clients, fleet_on_the_old_image("update-locked", "win2022-mixed")).await.unwrap();
    take_lock(&clients, &locked.group, "another-cycle").await.unwrap();

    let result =
        update(&clients, json!({ "imageId": free.new_image, "recipe": "win2022-mixed", "cycle": quick_cycle() })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(group_result(&result, &free.group)["status"], "patched");
    let blocked = group_result(&result, &locked.group);
    assert_eq!(blocked["status"], "blocked");
    assert!(blocked["reason"].as_str().unwrap().contains("another-cycle"), "{blocked}");
    assert_eq!(template_versions(&clients, &locked).await, (1, 1), "no version created for the locked group");
    assert_eq!(group_instances(&clients, &locked.group).await.unwrap(), locked.instances);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_before_any_change() {
    let clients = emulator().clients().await;
    let cases = [
        (json!({ "imageId": "not-an-ami", "groups": ["g"] }), "imageId"),
        (json!({ "imageId": "ami-0a22b0000000000b2" }), "recipe"),
        (
            json!({ "imageId": "ami-0a22b0000000000b2", "groups": ["g"], "cycle": { "surgePercent": 500 } }),
            "cycle.surgePercent",
        ),
        (json!({ "imageId": "ami-0a22b0000000000b2", "groups": ["g"], "topicArn": "topic" }), "topicArn"),
    ];
    for (input, field) in cases {
        let result = update(&clients, input).await;
        assert_eq!(result.status, Status::Failed);
        assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
        assert!(result.message().unwrap().starts_with(&format!("{field}:")), "{}", result.outcome());
        assert!(result.events_of("StateEntered", "Update Every Group").is_empty());
    }
}

/// The cycle as it reports a group cycled (ten instances replaced), without surging 500 instances:
/// what is tested is the update machine's state with fifty such results.
fn cycle_replacing_ten(image_id: &str) -> Value {
    use workflow_gen::dsl::{Machine, Pass};

    let replaced: Vec<String> = (0..10).map(|n| format!("i-0{n:016}")).collect();
    let mut m = Machine::new("cycle");
    let done = m.add(
        "Cycle Complete",
        Pass::set(
            "$",
            json!({ "groupName.$": "$.groupName", "imageId": image_id, "replaced": replaced,
                "startedAt": "2026-12-08T18:30:00Z",
                "verified": { "instances": 10, "imageId": image_id, "finishedAt": "2026-12-08T18:52:00Z" } }),
        ),
    );
    m.start(&done);
    serde_json::to_value(m.build().expect("a valid stand-in")).unwrap()
}

#[tokio::test]
async fn more_groups_than_are_listed_are_counted_and_stay_within_aws_limits_cycled_or_planned() {
    let clients = emulator().clients().await;
    let mut fleets = Vec::new();
    for i in 0..60 {
        let name = format!("update-max-{i:02}");
        fleets.push(create_fleet(&clients, fleet_on_the_old_image(&name, "win2022-max")).await.unwrap());
    }
    let image = fleets[0].new_image.clone();
    let run = |dry_run: bool| {
        let (clients, image) = (clients.clone(), image.clone());
        async move {
            let input = json!({ "imageId": image, "recipe": "win2022-max", "cycle": quick_cycle(), "dryRun": dry_run });
            let run = LocalRun::new(emulator(), clients).machine("cycle", cycle_replacing_ten(&image));
            run.run("update", input).await.unwrap()
        }
    };

    // Past LISTED_GROUPS (50), the output counts the groups and lists only those neither patched nor
    // skipped: fifty of the sixty planned, none of the sixty patched.
    for (result, what, listed) in [(run(true).await, "planned", 50), (run(false).await, "patched", 0)] {
        assert_within_aws_limits(&result, &format!("update, 60 groups {what}"));
        assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
        let output = result.output.as_ref().unwrap();
        assert_eq!(output["total"], 60);
        assert_eq!(output["counts"], json!({ what: 60 }));
        assert_eq!(output["listedAll"], false);
        let groups = output["groups"].as_array().unwrap();
        assert_eq!(groups.len(), listed);
        assert!(groups.iter().all(|g| g["status"] == what), "{groups:?}");
        assert!(output["results"]["Key"].as_str().is_some_and(|k| k.ends_with("manifest.json")), "{output}");
    }
}

#[tokio::test]
async fn what_a_cycle_kept_of_someone_elses_change_reaches_the_waves_record_the_digest_reads() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-kept", "win2022-kept")).await.unwrap();
    let group = fleet.group.clone();
    let raise = Fault::emulator("an operator raises MaxSize mid-cycle", move |clients| {
        let group = group.clone();
        async move {
            clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(group).max_size(9).send().await?;
            Ok(())
        }
    });
    let input = json!({ "imageId": fleet.new_image, "recipe": "win2022-kept", "cycle": quick_cycle() });

    let result = update_with(&clients, input, raise).await;
    let wave = json!({ "name": "prod", "status": "patched", "imageId": fleet.new_image, "update": result.output });
    let recorded = activities::registry::invoke(
        &clients,
        contract::Activity::RecordWave,
        json!({ "progress": { "index": 0, "results": [] }, "result": wave }),
    )
    .await
    .unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let kept = &recorded["results"][0]["groups"][0]["kept"];
    assert!(kept[0].as_str().is_some_and(|k| k.starts_with("MaxSize 9")), "{recorded}");
}

/// A group of no instances on `fleet`'s launch template, naming its version as `version` does:
/// someone else's group (a later wave, or one tuesday does not manage) on a shared template.
async fn another_group_on(clients: &Clients, fleet: &Fleet, name: &str, version: &str) {
    use aws_sdk_autoscaling::types::LaunchTemplateSpecification;

    let template =
        LaunchTemplateSpecification::builder().launch_template_id(&fleet.launch_template_id).version(version);
    let create = clients.autoscaling.create_auto_scaling_group().auto_scaling_group_name(name);
    let create = create.launch_template(template.build()).min_size(0).max_size(2).desired_capacity(0);
    create.vpc_zone_identifier(&emulator().seeded.subnets[0].id).send().await.unwrap();
}

#[tokio::test]
async fn a_template_default_other_groups_follow_stays_where_it_is_and_the_group_is_pinned_to_the_new_version() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-shared", "win2022-shared")).await.unwrap();
    another_group_on(&clients, &fleet, "update-shared-other", "$Default").await;
    // What the other group would launch, read while the cycle runs.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (template, during) = (fleet.launch_template_id.clone(), seen.clone());
    let look = Fault::emulator("the other group's template read mid-cycle", move |clients| {
        let (template, during) = (template.clone(), during.clone());
        async move {
            let described = clients.ec2.describe_launch_templates().launch_template_ids(template).send().await?;
            *during.lock().unwrap() = described.launch_templates()[0].default_version_number();
            Ok(())
        }
    });
    let input = json!({ "imageId": fleet.new_image, "recipe": "win2022-shared", "cycle": quick_cycle() });

    let result = update_with(&clients, input, look).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let group = group_result(&result, &fleet.group);
    assert_eq!(group["status"], "patched", "{group}");
    assert_eq!(group["madeEffective"], "pinned-version", "{group}");
    assert_eq!(group["sharedWith"], json!(["update-shared-other ($Default)"]), "{group}");
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.new_image.clone()]));
    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("2"), "pinned to the new version");
    assert_eq!(template_versions(&clients, &fleet).await, (1, 2), "the default left where it was");
    assert_eq!(*seen.lock().unwrap(), Some(1), "nor moved while the cycle ran");
    assert_eq!(group_reference(&clients, "update-shared-other").await.0.as_deref(), Some("$Default"));
}

#[tokio::test]
async fn a_group_pinned_off_a_shared_default_follows_the_default_again_when_its_cycle_rolls_back() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-shared-back", "win2022-back")).await.unwrap();
    another_group_on(&clients, &fleet, "update-shared-back-other", "$Default").await;

    rolled_back_by_its_cycle(&clients, &fleet).await;

    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Default"), "exactly as it was");
    assert_eq!(template_versions(&clients, &fleet).await, (1, 2));
}

/// Updates the fleet's group with a cycle whose new instances never come online, and checks it
/// failed with its old instances kept, on the old image.
async fn rolled_back_by_its_cycle(clients: &Clients, fleet: &Fleet) {
    let sicken = on_new_instances(fleet, "the new instances' agents never come online", "agent-offline");
    let mut cycle = quick_cycle();
    cycle["healthyTimeoutSeconds"] = json!(600);
    let input = json!({ "imageId": fleet.new_image, "groups": [fleet.group], "cycle": cycle });

    let result = update_with(clients, input, sicken).await;

    assert_eq!(group_result(&result, &fleet.group)["status"], "failed", "{}", result.outcome());
    assert_eq!(group_instances(clients, &fleet.group).await.unwrap(), fleet.instances);
    assert_eq!(images_of(clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]));
}

#[tokio::test]
async fn a_group_that_follows_latest_follows_it_again_with_the_new_version_deleted_when_its_cycle_rolls_back() {
    let clients = emulator().clients().await;
    let mut spec = fleet_on_the_old_image("update-latest-back", "win2022-latest-back");
    spec.version_reference = "$Latest";
    let fleet = create_fleet(&clients, spec).await.unwrap();

    rolled_back_by_its_cycle(&clients, &fleet).await;

    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Latest"), "exactly as it was");
    assert_eq!(template_versions(&clients, &fleet).await, (1, 1), "the update's version is gone");
}

#[tokio::test]
async fn a_shared_template_blocks_the_group_naming_the_others_when_the_input_says_block_or_they_follow_latest() {
    let clients = emulator().clients().await;
    let on_default =
        create_fleet(&clients, fleet_on_the_old_image("update-share-block", "win2022-block")).await.unwrap();
    another_group_on(&clients, &on_default, "update-share-block-other", "$Default").await;
    let on_latest =
        create_fleet(&clients, fleet_on_the_old_image("update-share-latest", "win2022-block")).await.unwrap();
    another_group_on(&clients, &on_latest, "update-share-latest-other", "$Latest").await;

    let input = json!({ "imageId": on_default.new_image, "recipe": "win2022-block", "sharedTemplates": "block" });
    let result = update(&clients, input).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    for (fleet, other) in [(&on_default, "update-share-block-other"), (&on_latest, "update-share-latest-other")] {
        let group = group_result(&result, &fleet.group);
        assert_eq!(group["status"], "blocked", "{group}");
        assert!(group["reason"].as_str().unwrap().contains(other), "{group}");
        assert_eq!(template_versions(&clients, fleet).await, (1, 1), "no new version");
        assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    }
}

#[tokio::test]
async fn the_image_is_put_back_when_the_cycle_request_cannot_be_published_or_the_cycle_refuses_the_group() {
    let clients = emulator().clients().await;
    let unheard = create_fleet(&clients, fleet_on_the_old_image("update-unheard", "win2022-unheard")).await.unwrap();
    let refused = create_fleet(&clients, fleet_on_the_old_image("update-refused", "win2022-refused")).await.unwrap();
    // A Standby instance: the cycle is blocked after the update made the image effective.
    let lower = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&refused.group);
    lower.min_size(1).send().await.unwrap();
    let standby = clients.autoscaling.enter_standby().auto_scaling_group_name(&refused.group);
    standby.instance_ids(&refused.instances[0]).should_decrement_desired_capacity(true).send().await.unwrap();
    let missing_topic = "arn:aws:sns:us-east-1:123456789012:tuesday-no-such-topic";

    let unheard_result = update(
        &clients,
        json!({ "imageId": unheard.new_image, "groups": [unheard.group], "topicArn": missing_topic, "cycle": quick_cycle() }),
    )
    .await;
    let refused_result =
        update(&clients, json!({ "imageId": refused.new_image, "groups": [refused.group], "cycle": quick_cycle() }))
            .await;

    for (result, fleet) in [(&unheard_result, &unheard), (&refused_result, &refused)] {
        let group = group_result(result, &fleet.group);
        assert_eq!(group["status"], "failed", "{group}");
        assert_eq!(template_versions(&clients, fleet).await, (1, 2), "the default put back: {group}");
        assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    }
    assert_eq!(group_result(&refused_result, &refused.group)["error"], errors::BLOCKED);
}

/// An update by instance refresh of a group on the old image behind a target group, each new instance
/// booting in 300 s; `fault` done once the refresh started.
async fn refreshed(clients: &Clients, fleet: &Fleet, cycle: Value, fault: Option<Fault>) -> RunResult {
    let mut input = quick_cycle();
    input["strategy"] = json!("instance-refresh");
    input.as_object_mut().unwrap().extend(cycle.as_object().cloned().unwrap_or_default());
    let (group, template) = (fleet.group.clone(), fleet.launch_template_id.clone());
    let scenario = Scenario::new().sample_in_service(&fleet.group).sample("reference", move |clients| {
        let (group, template) = (group.clone(), template.clone());
        async move {
            let (version, _) = group_reference(&clients, &group).await;
            let described = clients.ec2.describe_launch_templates().launch_template_ids(&template).send().await?;
            Ok(json!([version, described.launch_templates()[0].default_version_number()]))
        }
    });
    let scenario = match fault {
        Some(fault) => scenario.after("Start Instance Refresh", fault),
        None => scenario,
    };
    let input = json!({ "imageId": fleet.new_image, "groups": [fleet.group], "cycle": input });
    LocalRun::new(emulator(), clients.clone()).scenario(scenario).run("update", input).await.unwrap()
}

/// A group on the old image behind a target group, tagged for `recipe`.
async fn served_on_the_old_image(clients: &Clients, name: &str) -> Fleet {
    let mut spec = fleet_on_the_old_image(name, name);
    spec.target_group_delay = Some(30);
    create_fleet(clients, spec).await.unwrap()
}

/// The fewest InService instances of `group` after any state.
fn lowest_in_service(result: &RunResult, group: &str) -> i64 {
    let counts = result.samples_of(&format!("inService:{group}"));
    counts.iter().map(|v| v.as_i64().unwrap()).min().unwrap()
}

/// How the group named its version, and the template's default, after each state named `state`.
fn references_after<'a>(result: &'a RunResult, state: &str) -> Vec<&'a Value> {
    result.samples.iter().filter(|s| s.name == "reference" && s.after_state == state).map(|s| &s.value).collect()
}

#[tokio::test]
async fn an_instance_refresh_replaces_the_group_with_the_new_version_which_it_takes_only_once_refreshed() {
    let clients = emulator().clients().await;
    let fleet = served_on_the_old_image(&clients, "update-refresh").await;

    let result = refreshed(&clients, &fleet, json!({}), None).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(group_result(&result, &fleet.group)["status"], "patched", "{}", group_result(&result, &fleet.group));
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.new_image.clone()]));
    // Pinned to 1, the default 1, until the last check: AWS gave the group 2 as the refresh succeeded.
    let checks = references_after(&result, "Check Instance Refresh");
    let (last, during) = checks.split_last().unwrap();
    assert!(during.iter().all(|r| **r == json!(["1", 1])), "pinned to 1 while refreshing: {checks:?}");
    assert_eq!(**last, json!(["2", 1]), "{checks:?}");
    assert_eq!(template_versions(&clients, &fleet).await, (2, 2), "the new version made the default once refreshed");
    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Default"), "named as before");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
    assert_within_aws_limits(&result, "an update by instance refresh");
}

#[tokio::test]
async fn an_instance_refresh_whose_new_instances_fail_is_rolled_back_by_aws_and_the_template_left_alone() {
    let clients = emulator().clients().await;
    let fleet = served_on_the_old_image(&clients, "update-refresh-fails").await;
    let sicken = on_new_instances(&fleet, "the new instances fail their health checks", "failing-checks");

    let result = refreshed(&clients, &fleet, json!({}), Some(sicken)).await;

    let outcome = group_result(&result, &fleet.group);
    assert_eq!(outcome["status"], "failed", "{outcome}");
    assert_eq!(outcome["error"], errors::UNHEALTHY, "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("RollbackSuccessful"), "{outcome}");
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]));
    assert_eq!(template_versions(&clients, &fleet).await, (1, 2), "the default never moved");
    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Default"), "named as before");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
    assert!(result.events_of("StateEntered", "Restore The Launch Template").is_empty(), "nothing on top of AWS's");
}

#[tokio::test]
async fn an_instance_refresh_of_a_group_on_latest_that_aws_rolled_back_deletes_the_new_version_and_follows_latest_again(
) {
    let clients = emulator().clients().await;
    let mut spec = fleet_on_the_old_image("update-refresh-latest", "update-refresh-latest");
    spec.target_group_delay = Some(30);
    spec.version_reference = "$Latest";
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let sicken = on_new_instances(&fleet, "the new instances fail their health checks", "failing-checks");

    let result = refreshed(&clients, &fleet, json!({}), Some(sicken)).await;

    let outcome = group_result(&result, &fleet.group);
    assert_eq!(outcome["status"], "failed", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("RollbackSuccessful"), "{outcome}");
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]));
    assert_eq!(template_versions(&clients, &fleet).await, (1, 1), "the update's version is gone");
    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Latest"), "named as before");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn an_instance_refresh_that_does_not_finish_in_time_is_rolled_back_and_waited_for() {
    let clients = emulator().clients().await;
    let fleet = served_on_the_old_image(&clients, "update-refresh-slow").await;

    // The new instances boot for 300 s and warm up for 600 s: never healthy within 60 s of the warm-up.
    let result = refreshed(&clients, &fleet, json!({ "healthyTimeoutSeconds": 60 }), None).await;

    let outcome = group_result(&result, &fleet.group);
    assert_eq!(outcome["status"], "failed", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("did not finish"), "{outcome}");
    assert_eq!(result.events_of("StateEntered", "Roll Back The Refresh").len(), 1);
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]));
    assert_eq!(template_versions(&clients, &fleet).await, (1, 2));
    assert_eq!(group_reference(&clients, &fleet.group).await.0.as_deref(), Some("$Default"));
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn an_alarm_named_for_the_refresh_going_into_alarm_fails_it_and_aws_rolls_it_back() {
    let clients = emulator().clients().await;
    let fleet = served_on_the_old_image(&clients, "update-refresh-alarm").await;
    emulator().fault("alarm", json!({ "name": "update-refresh-alarm", "state": "OK" })).await.unwrap();
    let alarm = Fault::emulator("the application's error alarm goes off", |_| async {
        emulator().fault("alarm", json!({ "name": "update-refresh-alarm", "state": "ALARM" })).await
    });

    let result = refreshed(&clients, &fleet, json!({ "alarms": ["update-refresh-alarm"] }), Some(alarm)).await;

    let outcome = group_result(&result, &fleet.group);
    assert_eq!(outcome["status"], "failed", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains("update-refresh-alarm"), "{outcome}");
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]));
    assert_eq!(template_versions(&clients, &fleet).await, (1, 2), "the default never moved");
    assert!(lowest_in_service(&result, &fleet.group) >= 2);
}

#[tokio::test]
async fn an_instance_refresh_pauses_at_its_checkpoints_and_ends_with_the_group_balanced_at_full_capacity() {
    let clients = emulator().clients().await;
    let fleet = served_on_the_old_image(&clients, "update-refresh-checkpoints").await;

    let result =
        refreshed(&clients, &fleet, json!({ "checkpoints": [50, 100], "checkpointDelaySeconds": 3600 }), None).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(group_result(&result, &fleet.group)["status"], "patched", "{}", group_result(&result, &fleet.group));
    // Paused an hour at 50%; at 100% the refresh is done.
    assert!(result.virtual_seconds >= 3600.0 + 2.0 * 300.0, "{} s", result.virtual_seconds);
    assert!(
        lowest_in_service(&result, &fleet.group) >= 2,
        "{:?}",
        result.samples_of(&format!("inService:{}", fleet.group))
    );
    // As balanced as it began, so AZRebalance, resumed, has nothing to move. The group still lists the
    // last old instance while its target group drains it (Terminating): count its capacity.
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(&fleet.group).send().await.unwrap();
    let in_service = described.auto_scaling_groups()[0]
        .instances()
        .iter()
        .filter(|i| i.lifecycle_state() == Some(&aws_sdk_autoscaling::types::LifecycleState::InService));
    let zones: Vec<&str> = in_service.filter_map(|i| i.availability_zone()).collect();
    assert_eq!(zones.iter().collect::<BTreeSet<_>>().len(), 2, "one in each zone: {zones:?}");
    assert_eq!(zones.len(), 2, "{zones:?}");
}

/// Points the fleet's template at `parameter` (`resolve:ssm:`) in a new default version, the
/// parameter naming the image the fleet runs.
async fn take_the_image_from(clients: &Clients, fleet: &Fleet, parameter: &str) {
    let put = clients.ssm.put_parameter().name(parameter).value(&fleet.old_image).r#type("String".into());
    put.data_type("aws:ec2:image").send().await.unwrap();
    let data =
        aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(format!("resolve:ssm:{parameter}")).build();
    let version = clients.ec2.create_launch_template_version().launch_template_id(&fleet.launch_template_id);
    version.source_version("1").launch_template_data(data).send().await.unwrap();
    let template = clients.ec2.modify_launch_template().launch_template_id(&fleet.launch_template_id);
    template.default_version("2").send().await.unwrap();
}

#[tokio::test]
async fn a_template_that_takes_its_image_from_an_ssm_parameter_is_cycled_once_the_parameter_names_the_new_image() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-parameter", "win2022-parameter")).await.unwrap();
    take_the_image_from(&clients, &fleet, "/app/update-parameter/image").await;
    let input = json!({ "imageId": fleet.new_image, "groups": [fleet.group], "cycle": quick_cycle() });

    let refused = update(&clients, input.clone()).await;

    let outcome = group_result(&refused, &fleet.group);
    assert_eq!(outcome["status"], "blocked", "{outcome}");
    let reason = outcome["reason"].as_str().unwrap();
    assert!(reason.contains("/app/update-parameter/image") && reason.contains(&fleet.old_image), "{reason}");
    assert_eq!(template_versions(&clients, &fleet).await, (2, 2), "no literal AMI put in the template");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);

    let put = clients.ssm.put_parameter().name("/app/update-parameter/image").value(&fleet.new_image);
    put.overwrite(true).send().await.unwrap();
    let cycled = update(&clients, input).await;

    let outcome = group_result(&cycled, &fleet.group);
    assert_eq!(outcome["status"], "patched", "{outcome}");
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.new_image.clone()]));
    assert_eq!(template_versions(&clients, &fleet).await, (2, 2), "the template still names the parameter");
}

#[tokio::test]
async fn a_mixed_instances_policy_whose_overrides_have_templates_of_their_own_is_blocked_naming_them() {
    let clients = emulator().clients().await;
    let fleet = create_fleet(&clients, fleet_on_the_old_image("update-overrides", "win2022-overrides")).await.unwrap();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(&fleet.old_image).build();
    let other = clients.ec2.create_launch_template().launch_template_name("update-overrides-arm");
    let other = other.launch_template_data(data).send().await.unwrap();
    let other_id = other.launch_template().unwrap().launch_template_id().unwrap().to_owned();
    let spec =
        |id: &str| aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder().launch_template_id(id).build();
    let overrides = [("t3.large", None), ("m6g.large", Some(spec(&other_id)))].map(|(kind, template)| {
        aws_sdk_autoscaling::types::LaunchTemplateOverrides::builder()
            .instance_type(kind)
            .set_launch_template_specification(template)
            .build()
    });
    let policy = aws_sdk_autoscaling::types::MixedInstancesPolicy::builder()
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplate::builder()
                .launch_template_specification(spec(&fleet.launch_template_id))
                .set_overrides(Some(overrides.to_vec()))
                .build(),
        )
        .build();
    let update_group = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&fleet.group);
    update_group.mixed_instances_policy(policy).send().await.unwrap();

    let result =
        update(&clients, json!({ "imageId": fleet.new_image, "groups": [fleet.group], "cycle": quick_cycle() })).await;

    let outcome = group_result(&result, &fleet.group);
    assert_eq!(outcome["status"], "blocked", "{outcome}");
    assert!(outcome["reason"].as_str().unwrap().contains(&other_id), "{outcome}");
    assert_eq!(template_versions(&clients, &fleet).await, (1, 1), "nothing changed");
}

/// Gives the fleet's group a mixed instances policy over its own template at `version`, two types.
async fn with_a_mixed_policy(clients: &Clients, fleet: &Fleet, version: &str) {
    use aws_sdk_autoscaling::types::{
        LaunchTemplate, LaunchTemplateOverrides, LaunchTemplateSpecification, MixedInstancesPolicy,
    };
    let spec =
        LaunchTemplateSpecification::builder().launch_template_id(&fleet.launch_template_id).version(version).build();
    let overrides =
        ["t3.large", "t3.xlarge"].map(|kind| LaunchTemplateOverrides::builder().instance_type(kind).build());
    let template =
        LaunchTemplate::builder().launch_template_specification(spec).set_overrides(Some(overrides.to_vec())).build();
    let policy = MixedInstancesPolicy::builder().launch_template(template).build();
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&fleet.group);
    update.mixed_instances_policy(policy).send().await.unwrap();
}

/// The version the group's mixed instances policy names, and its override types.
async fn policy_of(clients: &Clients, group: &str) -> (Option<String>, Vec<String>) {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await.unwrap();
    let template =
        described.auto_scaling_groups()[0].mixed_instances_policy().and_then(|p| p.launch_template()).cloned();
    let template = template.expect("the group keeps its mixed instances policy");
    let version = template.launch_template_specification().and_then(|s| s.version()).map(str::to_owned);
    (version, template.overrides().iter().filter_map(|o| o.instance_type()).map(str::to_owned).collect())
}

#[tokio::test]
async fn a_mixed_instances_policy_pinned_to_a_version_is_pinned_to_the_new_one_and_back_on_rollback() {
    let clients = emulator().clients().await;
    let patched =
        create_fleet(&clients, fleet_on_the_old_image("update-mixed-pinned", "win2022-mixed-pin")).await.unwrap();
    with_a_mixed_policy(&clients, &patched, "1").await;
    let failing =
        create_fleet(&clients, fleet_on_the_old_image("update-mixed-back", "win2022-mixed-pin")).await.unwrap();
    with_a_mixed_policy(&clients, &failing, "1").await;
    let sicken = on_new_instances(&failing, "update-mixed-back's new agents never come online", "agent-offline");
    let mut cycle = quick_cycle();
    cycle["healthyTimeoutSeconds"] = json!(600);
    let input = json!({ "imageId": patched.new_image, "groups": [patched.group, failing.group], "cycle": cycle });
    // The two cycle at once: after each surge, whichever group surged.
    let scenario = Scenario::new().every_time_after("Surge The Group", sicken);

    let result = LocalRun::new(emulator(), clients.clone()).scenario(scenario).run("update", input).await.unwrap();

    assert_eq!(group_result(&result, &patched.group)["status"], "patched", "{}", group_result(&result, &patched.group));
    assert_eq!(images_of(&clients, &patched.group).await, BTreeSet::from([patched.new_image.clone()]));
    let types = vec!["t3.large".to_owned(), "t3.xlarge".to_owned()];
    assert_eq!(
        policy_of(&clients, &patched.group).await,
        (Some("2".into()), types.clone()),
        "the rest of the policy kept"
    );
    assert_eq!(group_result(&result, &failing.group)["status"], "failed", "{}", group_result(&result, &failing.group));
    assert_eq!(policy_of(&clients, &failing.group).await, (Some("1".into()), types), "put back exactly as it was");
    assert_eq!(images_of(&clients, &failing.group).await, BTreeSet::from([failing.old_image.clone()]));
}

#[tokio::test]
async fn groups_cycle_no_more_at_once_than_the_accounts_vcpu_quota_leaves_room_to_surge() {
    let clients = emulator().clients().await;
    // The X bucket (x2iedn.xlarge: 4 vCPUs), which no other test of this binary launches into: four
    // groups of one run 16 vCPUs, and a quota of 24 leaves room for two surges at a time.
    let mut fleets = Vec::new();
    for name in ["update-budget-a", "update-budget-b", "update-budget-c", "update-budget-d"] {
        let mut spec = fleet_on_the_old_image(name, "win2022-budget");
        spec.per_zone = [1, 0];
        spec.instance_type = "x2iedn.xlarge";
        fleets.push(create_fleet(&clients, spec).await.unwrap());
    }
    let quota = |value: u32| json!({ "quotaCode": "L-7295265B", "value": value });
    let input = json!({ "imageId": fleets[0].new_image, "recipe": "win2022-budget", "cycle": quick_cycle() });
    // No room for any surge: refused before anything changes.
    emulator().fault("quota", quota(16)).await.unwrap();
    let refused = LocalRun::new(emulator(), clients.clone()).run("update", input.clone()).await.unwrap();
    assert_eq!(refused.error.as_deref(), Some(errors::BLOCKED), "{}", refused.outcome());
    assert!(
        refused.message().unwrap().contains("no group can surge: Running On-Demand X instances"),
        "{}",
        refused.outcome()
    );
    assert!(refused.events_of("StateEntered", "Plan Group Update").is_empty(), "no group was touched");

    emulator().fault("quota", quota(24)).await.unwrap();
    let result = LocalRun::new(emulator(), clients.clone()).run("update", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    for fleet in &fleets {
        let outcome = group_result(&result, &fleet.group);
        assert_eq!(outcome["status"], "patched", "{outcome}");
    }
    let budget = result.output.as_ref().unwrap()["surgeBudget"].as_str().unwrap().to_owned();
    assert!(budget.starts_with("Running On-Demand X instances: a quota of 24 vCPUs, 16 running"), "{budget}");
    let (mut cycling, mut most) = (0, 0);
    for event in result.events.iter().filter(|e| e.state.as_deref() == Some("Cycle The Group")) {
        match event.kind.as_str() {
            "TaskStateEntered" => cycling += 1,
            "TaskStateExited" => cycling -= 1,
            _ => {}
        }
        most = most.max(cycling);
    }
    assert_eq!(most, 2, "two surges at a time fit the quota");
}

#[tokio::test]
async fn a_group_whose_child_execution_did_not_succeed_is_summarized_as_failed_with_its_error() {
    use activities::autoscaling::summarize_groups;
    use aws_sdk_s3::primitives::ByteStream;
    let clients = emulator().clients().await;
    // What a map run leaves as AWS documents it (input-output-resultwriter.html): a manifest, and a
    // result file per status, each execution's input and output JSON strings.
    let (bucket, prefix) = ("tuesday-results", "update/summarized-by-hand");
    let succeeded = json!([{ "Input": "{\"request\":{\"groupName\":\"web-b\"}}", "Output": "{\"groupName\":\"web-b\",\"status\":\"patched\"}" }]);
    let failed = json!([{ "Input": "{\"request\":{\"groupName\":\"web-a\"}}", "Error": "States.Aborted", "Cause": "stopped by an operator" }]);
    let manifest = json!({ "ResultFiles": {
        "SUCCEEDED": [{ "Key": format!("{prefix}/SUCCEEDED_0.json") }],
        "FAILED": [{ "Key": format!("{prefix}/FAILED_0.json") }],
    } });
    for (name, body) in [("SUCCEEDED_0.json", succeeded), ("FAILED_0.json", failed), ("manifest.json", manifest)] {
        let put = clients.s3.put_object().bucket(bucket).key(format!("{prefix}/{name}"));
        put.body(ByteStream::from(body.to_string().into_bytes())).send().await.unwrap();
    }
    let results = contract::map_run::Location { bucket: bucket.into(), key: format!("{prefix}/manifest.json") };

    let summary = summarize_groups::handle(&clients, summarize_groups::Input { results }).await.unwrap();

    assert_eq!(
        summary.groups,
        [
            json!({ "groupName": "web-a", "status": "failed", "error": "States.Aborted", "reason": "stopped by an operator" }),
            json!({ "groupName": "web-b", "status": "patched" }),
        ]
    );
}
