//! The bake machines on the local stack: a newer AWS image is copied, recorded and announced; an
//! unchanged source is skipped; retention keeps what a rollback needs; the builder never outlives a bake.

use std::collections::{BTreeMap, BTreeSet};

use activities::Clients;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use contract::{errors, notifications};
use serde_json::{json, Value};
use tuesday::local::{Fault, LocalRun, RunResult, Scenario, Status};
use tuesday_tests::{assert_within_aws_limits, baked_copy, emulator, Inbox};

const FAMILY: &str = "Windows_Server-2022-English-Full-Base";

async fn bake(clients: &Clients, input: Value, scenario: Scenario) -> RunResult {
    LocalRun::new(emulator(), clients.clone()).scenario(scenario).run("bake", input).await.unwrap()
}

fn recipe(name: &str) -> Value {
    json!({ "name": name, "source": { "parameter": emulator().seeded.parameters["2022"] }, "tags": { "team": "windows" } })
}

/// The images the account owns for a recipe.
async fn baked_images(clients: &Clients, recipe: &str) -> Vec<aws_sdk_ec2::types::Image> {
    let filter = aws_sdk_ec2::types::Filter::builder().name("tag:tuesday:recipe").values(recipe).build();
    clients.ec2.describe_images().owners("self").filters(filter).send().await.unwrap().images().to_vec()
}

fn tag<'a>(image: &'a aws_sdk_ec2::types::Image, key: &str) -> Option<&'a str> {
    image.tags().iter().find(|t| t.key() == Some(key)).and_then(|t| t.value())
}

/// The `tuesday:recipe` tag of every snapshot behind `image`: tagged when the image was made.
async fn snapshot_recipes(clients: &Clients, image: &aws_sdk_ec2::types::Image) -> Vec<Option<String>> {
    let ids: Vec<String> = image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
        .collect();
    assert!(!ids.is_empty(), "{image:?}");
    let described = clients.ec2.describe_snapshots().set_snapshot_ids(Some(ids)).send().await.unwrap();
    let recipe = |s: &aws_sdk_ec2::types::Snapshot| {
        s.tags().iter().find(|t| t.key() == Some("tuesday:recipe")).and_then(|t| t.value()).map(str::to_owned)
    };
    described.snapshots().iter().map(recipe).collect()
}

fn listed<'a>(result: &'a RunResult, list: &str) -> Vec<&'a Value> {
    result.output.as_ref().unwrap()[list].as_array().unwrap().iter().collect()
}

async fn instances_tagged(clients: &Clients, recipe: &str, purpose: &str) -> Vec<(String, String)> {
    let filters = [("tag:tuesday:recipe", recipe), ("tag:tuesday:purpose", purpose)]
        .map(|(name, value)| aws_sdk_ec2::types::Filter::builder().name(name).values(value).build());
    let described = clients.ec2.describe_instances().set_filters(Some(filters.to_vec())).send().await.unwrap();
    described
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| (i.instance_id().unwrap().to_owned(), i.state().unwrap().name().unwrap().as_str().to_owned()))
        .collect()
}

#[tokio::test]
async fn copy_bakes_a_newer_aws_image_records_it_announces_it_and_skips_it_next_time() {
    let clients = emulator().clients().await;
    let inbox = Inbox::new(&clients, "bake-copy").await.unwrap();
    let published = emulator().publish_image(FAMILY, "2026.11.12").await.unwrap();
    let input = json!({ "recipes": [recipe("win2022-copy")], "topicArn": inbox.topic_arn });

    let first = bake(&clients, input.clone(), Scenario::new()).await;

    assert_eq!(first.status, Status::Succeeded, "{}", first.outcome());
    let baked = listed(&first, "baked");
    assert_eq!(baked.len(), 1, "{:?}", first.output);
    assert_eq!(baked[0]["sourceImageId"], published.image_id, "the newer public image was the source");
    let image_id = baked[0]["imageId"].as_str().unwrap().to_owned();
    let images = baked_images(&clients, "win2022-copy").await;
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].image_id(), Some(image_id.as_str()));
    assert_eq!(tag(&images[0], "tuesday:source"), Some(published.image_id.as_str()));
    assert_eq!(tag(&images[0], "team"), Some("windows"));
    assert_eq!(snapshot_recipes(&clients, &images[0]).await, [Some("win2022-copy".to_owned())]);
    let root = images[0].block_device_mappings()[0].ebs().unwrap();
    assert_eq!(root.encrypted(), Some(true), "encrypted by default, with EBS's key: {root:?}");
    assert_eq!(images[0].deprecation_time(), None, "deprecated only when the recipe asks");
    assert_eq!(images[0].deregistration_protection(), Some("disabled"));
    let seen = clients.ssm.get_parameter().name("/tuesday/recipes/win2022-copy/last-seen-source").send().await.unwrap();
    assert_eq!(seen.parameter().unwrap().value(), Some(published.image_id.as_str()));
    let messages = inbox.messages_of(notifications::NEW_AMI).await.unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["recipe"], "win2022-copy");
    assert_eq!(messages[0]["imageId"], image_id);
    assert_eq!(messages[0]["sourceImageId"], published.image_id);
    assert_eq!(messages[0]["mode"], "copy");
    assert_eq!(messages[0]["region"], emulator().seeded.region);

    let again = bake(&clients, input.clone(), Scenario::new()).await;
    assert_eq!(listed(&again, "skipped").len(), 1, "{:?}", again.output);
    assert_eq!(baked_images(&clients, "win2022-copy").await.len(), 1, "no new image");

    let mut forced = input;
    forced["force"] = json!(true);
    let third = bake(&clients, forced, Scenario::new()).await;
    assert_eq!(listed(&third, "baked").len(), 1, "{:?}", third.output);
    assert_eq!(baked_images(&clients, "win2022-copy").await.len(), 2, "baked again");
}

fn template_data(image: &str) -> aws_sdk_ec2::types::RequestLaunchTemplateData {
    aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(image).instance_type("t3.large".into()).build()
}

#[tokio::test]
async fn retention_keeps_what_anything_launches_the_rollback_target_and_what_a_listed_account_may_launch() {
    let clients = emulator().clients().await;
    let recipe = "win2022-keep";
    let mut images = Vec::new();
    for i in 0..9 {
        images.push(baked_copy(&clients, recipe, i == 6).await.unwrap());
    }
    let [on_default, pinned, configured, shared_listed, shared_unlisted, protected, unused, previous, newest] =
        <[String; 9]>::try_from(images.clone()).unwrap();
    // A template's $Default, as before.
    let data = template_data(&on_default);
    clients
        .ec2
        .create_launch_template()
        .launch_template_name("keep-default")
        .launch_template_data(data)
        .send()
        .await
        .unwrap();
    // A group pinned to version 1 of a template whose default and latest have moved on.
    let created = clients
        .ec2
        .create_launch_template()
        .launch_template_name("keep-pinned")
        .launch_template_data(template_data(&pinned))
        .send()
        .await
        .unwrap();
    let template_id = created.launch_template().unwrap().launch_template_id().unwrap().to_owned();
    let data = template_data(&newest);
    clients
        .ec2
        .create_launch_template_version()
        .launch_template_id(&template_id)
        .launch_template_data(data)
        .send()
        .await
        .unwrap();
    clients.ec2.modify_launch_template().launch_template_id(&template_id).default_version("2").send().await.unwrap();
    let subnet = emulator().seeded.subnets[0].id.clone();
    let spec = aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
        .launch_template_id(&template_id)
        .version("1")
        .build();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name("keep-pinned")
        .launch_template(spec)
        .min_size(0)
        .max_size(1)
        .desired_capacity(0)
        .vpc_zone_identifier(&subnet)
        .send()
        .await
        .unwrap();
    // A launch configuration, used by no group yet.
    clients
        .autoscaling
        .create_launch_configuration()
        .launch_configuration_name("keep-configured")
        .image_id(&configured)
        .instance_type("t3.large")
        .send()
        .await
        .unwrap();
    // Shared with an account still in shareWith, and with one no longer there.
    for (image, account) in [(&shared_listed, "111111111111"), (&shared_unlisted, "222222222222")] {
        let permission = aws_sdk_ec2::types::LaunchPermission::builder().user_id(account).build();
        let modifications = aws_sdk_ec2::types::LaunchPermissionModifications::builder().add(permission).build();
        clients.ec2.modify_image_attribute().image_id(image).launch_permission(modifications).send().await.unwrap();
    }
    clients.ec2.enable_image_deregistration_protection().image_id(&protected).send().await.unwrap();
    let enable = clients.ec2.enable_fast_launch().image_id(&unused).resource_type("snapshot").max_parallel_launches(6);
    enable.send().await.unwrap();
    let snapshots_of = |ids: &[&String]| {
        let clients = clients.clone();
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        async move {
            let described = clients.ec2.describe_images().set_image_ids(Some(ids)).send().await.unwrap();
            described
                .images()
                .iter()
                .flat_map(|i| i.block_device_mappings())
                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
                .collect::<BTreeSet<_>>()
        }
    };
    let tagged_snapshots = snapshots_of(&[&shared_unlisted]).await;
    let untagged_snapshots = snapshots_of(&[&unused]).await;
    let mut rules = crate::recipe(recipe);
    rules["keep"] = json!(1);
    rules["shareWith"] = json!(["111111111111"]);

    let output =
        activities::registry::invoke(&clients, contract::Activity::ApplyRetention, json!({ "recipes": [rules] }))
            .await
            .unwrap();

    let retention = &output["recipes"][0];
    let ids = |list: &str| -> BTreeSet<String> { serde_json::from_value(retention[list].clone()).unwrap() };
    assert_eq!(ids("deregistered"), BTreeSet::from([shared_unlisted.clone(), unused.clone()]), "{retention:#}");
    assert_eq!(ids("protected"), BTreeSet::from([protected.clone()]), "{retention:#}");
    assert_eq!(ids("fastLaunchDisabled"), BTreeSet::from([unused.clone()]), "before it was deregistered");
    let left_fast = clients.ec2.describe_fast_launch_images().image_ids(&unused).send().await.unwrap();
    let state = left_fast.fast_launch_images().first().and_then(|f| f.state()).map(|s| s.as_str().to_owned());
    assert_eq!(state.as_deref(), Some("disabling"), "its pre-provisioned snapshots are being cleaned up");
    let because: BTreeMap<String, String> = retention["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["imageId"].as_str().unwrap().to_owned(), k["because"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        (&newest, "one of the newest 1"),
        (&previous, "the rollback target"),
        (&shared_listed, "shared with 111111111111"),
        (&configured, "launch configuration keep-configured"),
        (&pinned, &format!("group keep-pinned (1 of {template_id})")),
        (&on_default, "of launch template keep-default"),
    ];
    assert_eq!(because.len(), expected.len(), "{because:#?}");
    for (image, why) in expected {
        assert!(because[image.as_str()].contains(why), "{image} kept because {:?}, not {why}", because[image.as_str()]);
    }
    let remaining: BTreeSet<String> =
        baked_images(&clients, recipe).await.iter().map(|i| i.image_id().unwrap().to_owned()).collect();
    let gone = BTreeSet::from([shared_unlisted, unused]);
    assert_eq!(remaining, images.into_iter().filter(|i| !gone.contains(i)).collect());
    assert_eq!(ids("deletedSnapshots"), tagged_snapshots, "only the snapshots tuesday tagged are deleted");
    assert_eq!(ids("snapshotsLeft"), untagged_snapshots);
    let left = clients.ec2.describe_snapshots().owner_ids("self").send().await.unwrap();
    let left: BTreeSet<&str> = left.snapshots().iter().filter_map(|s| s.snapshot_id()).collect();
    assert!(tagged_snapshots.iter().all(|s| !left.contains(s.as_str())), "deleted");
    assert!(untagged_snapshots.iter().all(|s| left.contains(s.as_str())), "left");
    let refused = clients.ec2.deregister_image().image_id(&protected).send().await.unwrap_err();
    assert_eq!(refused.code(), Some("OperationNotPermitted"), "the emulator keeps a protected image: {refused:?}");
}

#[tokio::test]
async fn a_recipe_can_deprecate_its_images_and_protect_them_from_deregistration() {
    let clients = emulator().clients().await;
    let mut asked = recipe("win2022-lifecycle");
    asked["deprecateAfterDays"] = json!(90);
    asked["deregistrationProtection"] = json!("on-with-cooldown");

    let result = bake(&clients, json!({ "recipes": [asked] }), Scenario::new()).await;

    assert_eq!(listed(&result, "baked").len(), 1, "{:?}", result.output);
    let image = &baked_images(&clients, "win2022-lifecycle").await[0];
    assert_eq!(image.deregistration_protection(), Some("enabled-with-cooldown"));
    let deprecation = aws_smithy_types::DateTime::from_str(
        image.deprecation_time().expect("deprecated"),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    let days = (deprecation.secs() - now.secs()) as f64 / 86_400.0;
    assert!((89.99..=90.0).contains(&days), "deprecated in {days} days");
    let lifecycle = &listed(&result, "baked")[0]["lifecycle"];
    assert_eq!(lifecycle["deregistrationProtection"], "on-with-cooldown", "{lifecycle}");
}

#[tokio::test]
async fn a_recipe_with_fast_launch_waits_until_ec2_has_pre_provisioned_its_snapshots() {
    let clients = emulator().clients().await;
    let mut fast = recipe("win2022-fast");
    fast["fastLaunch"] = json!({ "snapshots": 10, "maxParallelLaunches": 6 });

    let result = bake(&clients, json!({ "recipes": [fast] }), Scenario::new()).await;

    let baked = listed(&result, "baked");
    assert_eq!(baked.len(), 1, "{:?}", result.output);
    let image = baked[0]["imageId"].as_str().unwrap();
    let described = clients.ec2.describe_fast_launch_images().image_ids(image).send().await.unwrap();
    let fast_launch = &described.fast_launch_images()[0];
    assert_eq!(fast_launch.state().map(|s| s.as_str()), Some("enabled"));
    assert_eq!(fast_launch.snapshot_configuration().and_then(|c| c.target_resource_count()), Some(10));
    assert!(result.events_of("StateEntered", "Check Fast Launch").len() >= 2, "waited while it was enabling");
    // Ten snapshots, six at a time: two rounds of pre-provisioning, announced only after them.
    let announced = result.events_of("StateEntered", "Announce The New AMI")[0].virtual_time;
    let enabled = result.events_of("StateEntered", "Enable Fast Launch")[0].virtual_time;
    assert!(announced - enabled >= 2.0 * 20.0 * 60.0, "announced {} s after enabling", announced - enabled);
}

#[tokio::test]
async fn bad_recipes_are_refused_naming_the_field_before_any_aws_call() {
    let clients = emulator().clients().await;
    let mut two_sources = recipe("x");
    two_sources["source"]["imageId"] = json!("ami-0a22a0000000000a1");
    let mut slashless = recipe("x");
    slashless["source"]["parameter"] = json!("aws/service/x");
    let mut bad_account = recipe("x");
    bad_account["shareWith"] = json!(["12345"]);
    let mut packer_without_project = recipe("x");
    packer_without_project["mode"] = json!("packer");
    let mut too_late = recipe("x");
    too_late["deprecateAfterDays"] = json!(3651);
    let mut too_few_launches = recipe("x");
    too_few_launches["fastLaunch"] = json!({ "maxParallelLaunches": 2 });
    let cases = [
        (json!({ "recipes": [recipe("Bad Name")] }), "recipes[0].name"),
        (json!({ "recipes": [recipe("ok"), two_sources] }), "recipes[1].source"),
        (json!({ "recipes": [slashless] }), "recipes[0].source.parameter"),
        (json!({ "recipes": [bad_account] }), "recipes[0].shareWith"),
        (json!({ "recipes": [packer_without_project] }), "recipes[0].packer"),
        (json!({ "recipes": [too_late] }), "recipes[0].deprecateAfterDays"),
        (json!({ "recipes": [too_few_launches] }), "recipes[0].fastLaunch.maxParallelLaunches"),
        (json!({ "recipes": [recipe("same"), recipe("same")] }), "recipes[1].name"),
        (json!({ "recipes": [] }), "recipes"),
        (json!({ "recipes": [{ "name": "x", "source": {}, "colour": "blue" }] }), "recipes[0]"),
    ];
    for (input, field) in cases {
        let result = bake(&clients, input, Scenario::new()).await;
        assert_eq!(result.status, Status::Failed);
        assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
        assert!(result.message().unwrap().starts_with(field), "{field}: {}", result.outcome());
        assert!(result.events_of("StateEntered", "Bake Every Recipe").is_empty());
    }
}

#[tokio::test]
async fn ssm_build_provisions_images_and_terminates_the_builder_and_the_boot_test() {
    let clients = emulator().clients().await;
    let mut build = recipe("win2022-ssm");
    build["mode"] = json!("ssm-build");
    build["provisioners"] = json!([{ "name": "iis", "powershell": ["Install-WindowsFeature Web-Server"] }]);
    build["bootTest"] = json!({});
    // The emulator does not check that a key exists.
    let key = "arn:aws:kms:us-east-1:123456789012:key/0b5a2c1e-8d7f-4e0a-9c1b-2f3e4d5a6b7c";
    build["encryption"] = json!({ "kmsKeyId": key });
    // The emulator runs no sysprep: play its shutdown.
    let shutdown = Fault::emulator("sysprep shuts the builder down", |clients| async move {
        let builders = instances_tagged(&clients, "win2022-ssm", "builder").await;
        clients.ec2.stop_instances().instance_ids(&builders[0].0).send().await?;
        Ok(())
    });
    let scenario = Scenario::new().after("Sysprep And Shut Down", shutdown);

    let result = bake(&clients, json!({ "recipes": [build] }), scenario).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(listed(&result, "baked").len(), 1, "{:?}", result.output);
    for state in [
        "Run The Provisioners",
        "Sysprep And Shut Down",
        "Create The Image",
        "Terminate The Builder",
        "End The Boot Test",
    ] {
        let entered: Vec<_> =
            result.events.iter().filter(|e| e.kind == "StateEntered").filter_map(|e| e.state.clone()).collect();
        assert_eq!(result.events_of("StateEntered", state).len(), 1, "{state}: {entered:?}");
    }
    for purpose in ["builder", "boot-test"] {
        let instances = instances_tagged(&clients, "win2022-ssm", purpose).await;
        assert_eq!(instances.len(), 1, "{purpose}");
        assert_eq!(instances[0].1, "terminated", "{purpose}");
    }
    let commands = clients.ssm.list_commands().send().await.unwrap();
    let provisioned = commands.commands().iter().any(|c| {
        let lines = c.parameters().and_then(|p| p.get("commands")).cloned().unwrap_or_default();
        lines.iter().any(|l| l.contains("setHostName"))
            && lines.iter().any(|l| l.contains("Install-WindowsFeature Web-Server"))
    });
    assert!(provisioned, "the hostname fix and the recipe's provisioner ran on the builder");
    let images = baked_images(&clients, "win2022-ssm").await;
    assert_eq!(images.len(), 1);
    assert_eq!(snapshot_recipes(&clients, &images[0]).await, [Some("win2022-ssm".to_owned())]);
    let root = images[0].block_device_mappings()[0].ebs().unwrap();
    assert_eq!((root.encrypted(), root.kms_key_id()), (Some(true), Some(key)), "the builder's volume was encrypted");
}

#[tokio::test]
async fn a_failing_ssm_build_still_terminates_its_builder() {
    let clients = emulator().clients().await;
    let mut build = recipe("win2022-ssm-fails");
    build["mode"] = json!("ssm-build");
    let scenario = Scenario::new()
        .at(0.0, Fault::fail_activity_once("Provision", errors::AWS, "InvalidInstanceId: not managed by SSM"));

    let result = bake(&clients, json!({ "recipes": [build] }), scenario).await;

    assert_eq!(result.status, Status::Succeeded, "the bake reports, it does not fail: {}", result.outcome());
    let failed = listed(&result, "failed");
    assert_eq!(failed.len(), 1, "{:?}", result.output);
    assert!(failed[0]["reason"].as_str().unwrap().contains("not managed by SSM"), "{:?}", failed[0]);
    let builders = instances_tagged(&clients, "win2022-ssm-fails", "builder").await;
    assert_eq!(builders.len(), 1);
    assert_eq!(builders[0].1, "terminated");
    assert!(baked_images(&clients, "win2022-ssm-fails").await.is_empty());
}

#[tokio::test]
async fn one_failing_recipe_does_not_hide_the_others() {
    let clients = emulator().clients().await;
    let mut packer = recipe("win2022-packer");
    packer["mode"] = json!("packer");
    packer["packer"] = json!({ "projectName": "tuesday-packer-missing" });

    let result = bake(&clients, json!({ "recipes": [recipe("win2022-fine"), packer] }), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let baked: Vec<&str> = listed(&result, "baked").iter().map(|r| r["recipe"].as_str().unwrap()).collect();
    let failed: Vec<&str> = listed(&result, "failed").iter().map(|r| r["recipe"].as_str().unwrap()).collect();
    assert_eq!(baked, vec!["win2022-fine"]);
    assert_eq!(failed, vec!["win2022-packer"]);
}

#[tokio::test]
async fn a_recipe_whose_child_was_stopped_is_reported_failed_saying_so() {
    let clients = emulator().clients().await;
    let scenario = Scenario::new().after("Resolve The Source AMI", Fault::stop_child("bake_recipe"));

    let result = bake(&clients, json!({ "recipes": [recipe("win2022-stopped")] }), scenario).await;

    // The child's cause is its DescribeExecution, with a Status and no Error: read as such, never
    // with States.StringToJson (States.Runtime, which nothing catches).
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let failed = listed(&result, "failed");
    assert_eq!(failed.len(), 1, "{:?}", result.output);
    assert_eq!(failed[0]["recipe"], "win2022-stopped");
    let reason = failed[0]["reason"].as_str().unwrap();
    assert!(reason.ends_with("ended ABORTED"), "{reason}");
    assert!(result.events_of("StateEntered", "Recipe Bake Failed").len() == 1, "read by ReadFailure");
}

/// CodeBuild runs in the emulator, but its builds export no variables, so a Packer bake gets as far
/// as a succeeded build and then fails, saying why.
#[tokio::test]
async fn packer_mode_runs_the_build_and_fails_cleanly_when_no_ami_is_exported() {
    let clients = emulator().clients().await;
    let environment = aws_sdk_codebuild::types::ProjectEnvironment::builder()
        .r#type(aws_sdk_codebuild::types::EnvironmentType::LinuxContainer)
        .image("aws/codebuild/standard:7.0")
        .compute_type(aws_sdk_codebuild::types::ComputeType::BuildGeneral1Small)
        .build()
        .unwrap();
    clients
        .codebuild
        .create_project()
        .name("tuesday-packer")
        .source(
            aws_sdk_codebuild::types::ProjectSource::builder()
                .r#type(aws_sdk_codebuild::types::SourceType::S3)
                .location("tuesday/packer.zip")
                .build()
                .unwrap(),
        )
        .artifacts(
            aws_sdk_codebuild::types::ProjectArtifacts::builder()
                .r#type(aws_sdk_codebuild::types::ArtifactsType::NoArtifacts)
                .build()
                .unwrap(),
        )
        .environment(environment)
        .service_role("arn:aws:iam::123456789012:role/tuesday-packer")
        .send()
        .await
        .unwrap();
    let mut packer = recipe("win2022-packer-built");
    packer["mode"] = json!("packer");
    packer["packer"] = json!({ "projectName": "tuesday-packer" });

    let result = bake(&clients, json!({ "recipes": [packer] }), Scenario::new()).await;

    let failed = listed(&result, "failed");
    assert_eq!(failed.len(), 1, "{:?}", result.output);
    assert!(failed[0]["reason"].as_str().unwrap().contains("exported no AMI_ID"), "{:?}", failed[0]);
    assert!(!result.events_of("StateEntered", "Check Packer Build").is_empty());
}

#[tokio::test]
async fn a_dry_run_resolves_and_compares_and_bakes_nothing() {
    let clients = emulator().clients().await;
    let result = bake(&clients, json!({ "recipes": [recipe("win2022-dry")], "dryRun": true }), Scenario::new()).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let planned = listed(&result, "planned");
    assert_eq!(planned.len(), 1, "{:?}", result.output);
    assert_eq!(planned[0]["lastSeen"]["sourceImageId"], Value::Null);
    assert!(planned[0]["source"]["imageId"].as_str().unwrap().starts_with("ami-"));
    assert!(baked_images(&clients, "win2022-dry").await.is_empty());
    let seen = clients.ssm.get_parameter().name("/tuesday/recipes/win2022-dry/last-seen-source").send().await;
    assert!(seen.is_err(), "nothing recorded");
}

/// A provisioner as an operator writes one: forty lines of PowerShell, about 4 KB.
fn realistic_provisioner(recipe: usize) -> Value {
    let lines: Vec<String> = (0..40)
        .map(|n| {
            format!("Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Contoso\\App{recipe:02}' -Name Setting{n:02} -Value {n}")
        })
        .collect();
    json!([{ "name": "configure", "powershell": lines }])
}

#[tokio::test]
async fn forty_ssm_build_recipes_with_realistic_scripts_stay_within_aws_limits() {
    let clients = emulator().clients().await;
    let recipes: Vec<Value> = (0..40)
        .map(|i| {
            let mut build = recipe(&format!("max-ssm-{i:02}"));
            build["mode"] = json!("ssm-build");
            build["provisioners"] = realistic_provisioner(i);
            build
        })
        .collect();
    // The emulator runs no sysprep: play its shutdown on this test's running builders that the sysprep
    // command was sent to (other tests share the emulator).
    let shutdown = Fault::emulator("sysprep shuts its builders down", |clients| async move {
        let sysprep = include_str!("../provisioners/sysprep.ps1");
        let commands = clients.ssm.list_commands().send().await?;
        let sent: BTreeSet<String> = commands
            .commands()
            .iter()
            .filter(|c| c.parameters().and_then(|p| p.get("commands")).is_some_and(|l| l.iter().any(|l| l == sysprep)))
            .flat_map(|c| c.instance_ids().iter().cloned())
            .collect();
        let filters = [
            ("tag:tuesday:recipe", "max-ssm-*"),
            ("tag:tuesday:purpose", "builder"),
            ("instance-state-name", "running"),
        ]
        .map(|(name, value)| aws_sdk_ec2::types::Filter::builder().name(name).values(value).build());
        let running = clients.ec2.describe_instances().set_filters(Some(filters.to_vec())).send().await?;
        let ids: Vec<String> = running
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter_map(|i| i.instance_id().filter(|id| sent.contains(*id)).map(str::to_owned))
            .collect();
        if !ids.is_empty() {
            clients.ec2.stop_instances().set_instance_ids(Some(ids)).send().await?;
        }
        Ok(())
    });
    let scenario = Scenario::new().every_time_after("Sysprep And Shut Down", shutdown);

    let result = bake(&clients, json!({ "recipes": recipes }), scenario).await;

    assert_within_aws_limits(&result, "bake, 40 ssm-build recipes of 4 KB scripts");
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(listed(&result, "baked").len(), 40, "{:?}", result.output);
}

#[tokio::test]
async fn a_terminated_instance_cannot_be_stopped_as_ec2_refuses() {
    let clients = emulator().clients().await;
    let images = clients.ec2.describe_images().owners("amazon").send().await.unwrap();
    let image = images.images()[0].image_id().unwrap().to_owned();
    let launched = clients.ec2.run_instances().image_id(&image).min_count(1).max_count(1).send().await.unwrap();
    let id = launched.instances()[0].instance_id().unwrap().to_owned();
    clients.ec2.terminate_instances().instance_ids(&id).send().await.unwrap();

    let stopped = clients.ec2.stop_instances().instance_ids(&id).send().await;

    let error = stopped.expect_err("EC2 stops no terminated instance");
    assert_eq!(error.code(), Some("IncorrectInstanceState"), "{error:?}");
    let described = clients.ec2.describe_instances().instance_ids(&id).send().await.unwrap();
    let state = described.reservations()[0].instances()[0].state().unwrap().name().unwrap().as_str().to_owned();
    assert_eq!(state, "terminated");
}
