//! The patch machine's failure paths on the local stack.

use std::collections::{BTreeMap, BTreeSet};

use activities::Clients;
use contract::{errors, notifications};
use serde_json::json;
use tuesday::local::{Fault, LocalRun, Scenario, Status};
use tuesday_tests::{assert_within_aws_limits, create_fleet, emulator, group_instances, FleetSpec, Inbox};

async fn images_of(clients: &Clients, group: &str) -> BTreeSet<String> {
    let ids = group_instances(clients, group).await.unwrap();
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids)).send().await.unwrap();
    described.reservations().iter().flat_map(|r| r.instances()).map(|i| i.image_id().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_failing_prod_group_is_rolled_back_and_stops_every_later_wave() {
    let clients = emulator().clients().await;
    let inbox = Inbox::new(&clients, "patch-digest").await.unwrap();
    let mut fleets = Vec::new();
    for (name, per_zone) in [("patch-pre", [1, 0]), ("patch-prod", [1, 1]), ("patch-later", [1, 0])] {
        let mut spec = FleetSpec::new(name, per_zone);
        spec.template_updated = false;
        spec.target_group_delay = Some(30);
        spec.tags = vec![("tuesday:image", "win2022-patch")];
        fleets.push(create_fleet(&clients, spec).await.unwrap());
    }
    let input = json!({
        "recipes": [{ "name": "win2022-patch", "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [
            { "name": "pre-prod", "recipe": "win2022-patch", "groups": ["patch-pre"] },
            { "name": "prod", "recipe": "win2022-patch", "groups": ["patch-prod"] },
            { "name": "later", "recipe": "win2022-patch", "groups": ["patch-later"] },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60, "healthyTimeoutSeconds": 600 },
        "topicArn": inbox.topic_arn,
        // Each test claims its own parameter: the tests share one emulator and run at once.
        "claim": "/tuesday/test/failed-wave",
    });

    let result = LocalRun::new(emulator(), clients.clone())
        .scenario(Scenario::new().every_time_after("Surge The Group", sicken(vec![fleets[1].clone()])))
        .run("patch", input)
        .await
        .unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::WAVE_FAILED), "{}", result.outcome());
    assert!(result.message().unwrap().contains("patch-prod"), "{}", result.outcome());
    let (pre, prod, later) = (&fleets[0], &fleets[1], &fleets[2]);
    let filter = aws_sdk_ec2::types::Filter::builder().name("tag:tuesday:recipe").values("win2022-patch").build();
    let baked = clients.ec2.describe_images().owners("self").filters(filter).send().await.unwrap();
    let baked: BTreeSet<String> = baked.images().iter().map(|i| i.image_id().unwrap().to_owned()).collect();
    assert_eq!(baked.len(), 1);
    assert_eq!(images_of(&clients, &pre.group).await, baked, "pre-prod patched with the baked image");
    assert_eq!(group_instances(&clients, &prod.group).await.unwrap(), prod.instances, "prod rolled back");
    assert_eq!(images_of(&clients, &prod.group).await, BTreeSet::from([prod.old_image.clone()]));
    assert_eq!(group_instances(&clients, &later.group).await.unwrap(), later.instances, "the later wave never started");
    assert_eq!(claim_holder(&clients, "/tuesday/test/failed-wave").await, None, "a failed patch lets go too");
    assert!(!result
        .events
        .iter()
        .any(|e| e.detail.to_string().contains("patch-later") && e.execution.contains("update")));

    let digests = inbox.messages_of(notifications::DIGEST).await.unwrap();
    assert_eq!(digests.len(), 1);
    let text = digests[0]["text"].as_str().unwrap();
    assert!(text.contains("patch did NOT complete"), "{text}");
    assert!(text.contains("group patch-prod: failed"), "{text}");
    assert!(text.contains("not all healthy"), "{text}");
    assert!(!text.contains("wave later"), "{text}");
    assert!(result.events_of("StateEntered", "Apply Retention").is_empty(), "no retention after a failed wave");
    assert!(!text.contains("retention"), "{text}");
}

/// The new instances of `bad` groups never pass their load balancer's health checks.
fn sicken(bad: Vec<tuesday_tests::Fleet>) -> Fault {
    Fault::emulator("the bad groups' new instances fail their health checks", move |clients| {
        let bad = bad.clone();
        async move {
            let mut new = Vec::new();
            for fleet in &bad {
                let now = group_instances(&clients, &fleet.group).await?;
                new.extend(now.into_iter().filter(|id| !fleet.instances.contains(id)));
            }
            emulator().fault("failing-checks", json!({ "instanceIds": new })).await
        }
    })
}

#[tokio::test]
async fn a_wave_stands_with_the_failures_it_tolerates_and_one_past_them_stops_the_later_waves() {
    let clients = emulator().clients().await;
    let inbox = Inbox::new(&clients, "tolerated-digest").await.unwrap();
    let mut fleets = BTreeMap::new();
    for name in ["tolerate-a", "tolerate-b", "tolerate-c", "tolerate-d", "tolerate-e"] {
        let mut spec = FleetSpec::new(name, [1, 0]);
        spec.template_updated = false;
        spec.target_group_delay = Some(30);
        spec.tags = vec![("tuesday:image", "win2022-tolerate")];
        fleets.insert(name, create_fleet(&clients, spec).await.unwrap());
    }
    let bad = vec![fleets["tolerate-b"].clone(), fleets["tolerate-d"].clone()];
    let input = json!({
        "recipes": [{ "name": "win2022-tolerate", "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [
            { "name": "early", "recipe": "win2022-tolerate", "groups": ["tolerate-a", "tolerate-b"], "toleratedFailures": "50%" },
            // 10% of two groups is none.
            { "name": "prod", "recipe": "win2022-tolerate", "groups": ["tolerate-c", "tolerate-d"], "toleratedFailures": "10%" },
            { "name": "later", "recipe": "win2022-tolerate", "groups": ["tolerate-e"] },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60, "healthyTimeoutSeconds": 600 },
        "topicArn": inbox.topic_arn,
        "claim": "/tuesday/test/tolerated",
    });

    let result = LocalRun::new(emulator(), clients.clone())
        .scenario(Scenario::new().every_time_after("Surge The Group", sicken(bad)))
        .run("patch", input)
        .await
        .unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::WAVE_FAILED), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(
        message.starts_with("1 of 2 groups not patched, more than the wave tolerates (toleratedFailures 10%: at most 0): tolerate-d failed"),
        "{message}"
    );
    for (name, fleet) in &fleets {
        let patched = ["tolerate-a", "tolerate-c"].contains(name);
        let images = images_of(&clients, &fleet.group).await;
        assert_eq!(images.contains(&fleet.old_image), !patched, "{name}: {images:?}");
        assert_eq!(group_instances(&clients, &fleet.group).await.unwrap().len(), 1, "{name} at its capacity");
    }
    let digests = inbox.messages_of(notifications::DIGEST).await.unwrap();
    let text = digests[0]["text"].as_str().unwrap();
    assert!(text.contains("wave early: patched, 1 of 2 groups not patched (it tolerates 1)"), "{text}");
    assert!(text.contains("group tolerate-b: failed"), "{text}");
    assert!(text.contains("wave prod: failed"), "{text}");
    assert!(text.contains("  stopped: 1 of 2 groups not patched, more than the wave tolerates"), "{text}");
    assert!(!text.contains("wave later"), "{text}");
}

#[tokio::test]
async fn the_patch_waits_for_aws_to_publish_a_newer_image_and_re_checks() {
    let clients = emulator().clients().await;
    let mut spec = FleetSpec::new("patch-waiting", [1, 0]);
    spec.template_updated = false;
    spec.tags = vec![("tuesday:image", "win2022-wait")];
    let fleet = create_fleet(&clients, spec).await.unwrap();
    let recipe = json!({ "name": "win2022-wait", "source": { "parameter": emulator().seeded.parameters["2022"] } });
    // A bake before Patch Tuesday: the current image is already the last one seen.
    let before = LocalRun::new(emulator(), clients.clone()).run("bake", json!({ "recipes": [recipe] })).await.unwrap();
    assert_eq!(before.status, Status::Succeeded, "{}", before.outcome());

    let publish = Fault::emulator("AWS publishes a newer Windows Server 2022 image", |_| async {
        emulator().publish_image("Windows_Server-2022-English-Full-Base", "2026.11.20").await.map(|_| ())
    });
    let input = json!({
        "recipes": [recipe],
        "waves": [{ "name": "only", "recipe": "win2022-wait", "groups": ["patch-waiting"] }],
        "waitForNewAmi": { "days": 2, "checkEveryHours": 12 },
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60 },
        "claim": "/tuesday/test/waiting",
    });
    let result = LocalRun::new(emulator(), clients.clone())
        .scenario(Scenario::new().at(13.0 * 3600.0, publish))
        .run("patch", input)
        .await
        .unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Check New AMI").len(), 3, "skipped at 0 h and 12 h, baked at 24 h");
    assert!(result.virtual_seconds >= 24.0 * 3600.0, "{} s", result.virtual_seconds);
    let baked = &result.output.as_ref().unwrap()["summary"]["bake"]["baked"];
    assert_eq!(baked.as_array().unwrap().len(), 1, "{baked}");
    assert_eq!(
        images_of(&clients, &fleet.group).await,
        BTreeSet::from([baked[0]["imageId"].as_str().unwrap().to_owned()])
    );
}

async fn two_waves_with_a_manual_approval(
    clients: &Clients,
    prefix: &str,
    topic: &str,
) -> (Vec<tuesday_tests::Fleet>, serde_json::Value) {
    let recipe = format!("{prefix}-win2022");
    let mut fleets = Vec::new();
    for name in [format!("{prefix}-pre"), format!("{prefix}-prod")] {
        let mut spec = FleetSpec::new(&name, [1, 0]);
        spec.template_updated = false;
        spec.tags = vec![("tuesday:image", &recipe)];
        fleets.push(create_fleet(clients, spec).await.unwrap());
    }
    let input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [
            { "name": "pre-prod", "recipe": recipe, "groups": [fleets[0].group] },
            { "name": "prod", "recipe": recipe, "groups": [fleets[1].group], "approval": "manual" },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60 },
        "topicArn": topic,
        "claim": format!("/tuesday/test/{prefix}"),
    });
    (fleets, input)
}

#[tokio::test]
async fn a_rejected_manual_approval_stops_the_later_waves() {
    let clients = emulator().clients().await;
    let inbox = Inbox::new(&clients, "approval-rejected").await.unwrap();
    let (fleets, input) = two_waves_with_a_manual_approval(&clients, "rejected", &inbox.topic_arn).await;
    let reject = tuesday::local::approvals::Answer::Reject("not before the change freeze ends".into());

    let result = LocalRun::new(emulator(), clients.clone())
        .scenario(Scenario::new().answer_approvals(reject))
        .run("patch", input)
        .await
        .unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::REJECTED), "{}", result.outcome());
    assert!(result.message().unwrap().contains("change freeze"), "{}", result.outcome());
    assert_ne!(
        images_of(&clients, &fleets[0].group).await,
        BTreeSet::from([fleets[0].old_image.clone()]),
        "pre-prod patched"
    );
    assert_eq!(group_instances(&clients, &fleets[1].group).await.unwrap(), fleets[1].instances, "prod never started");
    let published = inbox.published().await.unwrap();
    let of = |kind| published.iter().find(|(k, _)| k == kind).map(|(_, message)| message);
    let request = of(notifications::APPROVAL).expect("an approval request was published");
    let token = request["taskToken"].as_str().unwrap();
    assert!(token.starts_with("local-"));
    assert_eq!(request["wave"], "prod", "asked before prod, the wave that asks");
    assert_eq!(request["groups"], json!([fleets[1].group]));
    assert_eq!(request["wavesSoFar"][0]["name"], "pre-prod", "with what the waves before it did: {request}");
    let text = request["text"].as_str().unwrap();
    assert!(text.starts_with("Wave prod is ready to roll out image ami-"), "{text}");
    assert!(text.contains(&format!("tuesday approve {token}")) && text.contains("stops in 72 hours"), "{text}");
    let digest = of(notifications::DIGEST).expect("a digest");
    assert!(digest["text"].as_str().unwrap().contains("change freeze"), "{digest}");
}

#[tokio::test]
async fn an_approval_answered_with_tuesday_approve_lets_the_next_wave_run() {
    let clients = emulator().clients().await;
    let inbox = Inbox::new(&clients, "approval-approved").await.unwrap();
    let (fleets, input) = two_waves_with_a_manual_approval(&clients, "approved", &inbox.topic_arn).await;

    let run = tokio::spawn(LocalRun::new(emulator(), clients.clone()).run("patch", input));
    let token = loop {
        let requests = inbox.messages_of(notifications::APPROVAL).await.unwrap();
        if let Some(token) = requests.iter().find_map(|m| m["taskToken"].as_str().map(str::to_owned)) {
            break token;
        }
        assert!(!run.is_finished(), "the patch ended without asking: {}", run.await.unwrap().unwrap().outcome());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    // What `tuesday approve <token>` does with a local token; it says what it approved, as the request did.
    let what = tuesday::local::approvals::answer(&token, &tuesday::local::approvals::Answer::Approve).unwrap();
    assert!(what.starts_with("patch: Ask For Approval: Wave prod is ready to roll out image ami-"), "{what}");
    let result = run.await.unwrap().unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    for fleet in &fleets {
        assert_ne!(
            images_of(&clients, &fleet.group).await,
            BTreeSet::from([fleet.old_image.clone()]),
            "{} patched",
            fleet.group
        );
    }
}

/// A group of one in its own wave, and the input that patches it with a claim of its own.
async fn one_group(clients: &Clients, name: &str) -> (tuesday_tests::Fleet, serde_json::Value, String) {
    let recipe = format!("{name}-win2022");
    let mut spec = FleetSpec::new(name, [1, 0]);
    spec.template_updated = false;
    spec.tags = vec![("tuesday:image", &recipe)];
    let fleet = create_fleet(clients, spec).await.unwrap();
    let claim = format!("/tuesday/test/{name}");
    let input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [{ "name": "only", "recipe": recipe, "groups": [fleet.group] }],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60 },
        "claim": claim,
    });
    (fleet, input, claim)
}

#[tokio::test]
async fn retention_runs_once_every_wave_is_patched_keeping_the_rollback_target() {
    let clients = emulator().clients().await;
    let (fleet, mut input, _) = one_group(&clients, "retained").await;
    let recipe = input["recipes"][0]["name"].as_str().unwrap().to_owned();
    let unused = tuesday_tests::baked_copy(&clients, &recipe, false).await.unwrap();
    let previous = tuesday_tests::baked_copy(&clients, &recipe, false).await.unwrap();
    input["recipes"][0]["keep"] = json!(1);

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let summary = &result.output.as_ref().unwrap()["summary"];
    let baked = summary["bake"]["baked"][0]["imageId"].as_str().unwrap().to_owned();
    assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([baked.clone()]), "patched");
    let retention = &summary["retention"]["recipes"][0];
    assert_eq!(retention["deregistered"], json!([unused]), "{retention:#}");
    let kept: Vec<&str> =
        retention["kept"].as_array().unwrap().iter().map(|k| k["imageId"].as_str().unwrap()).collect();
    assert_eq!(kept, [baked.as_str(), previous.as_str()], "the new image, and the one before it to roll back to");
    let entered = result.states_entered();
    let position =
        |state: &str| entered.iter().rposition(|s| *s == state).unwrap_or_else(|| panic!("{state} never entered"));
    assert!(position("Apply Retention") > position("Record The Wave"), "after the last wave: {entered:?}");
    assert!(result.output.as_ref().unwrap()["text"].as_str().unwrap().contains(&format!("deregistered {unused}")));
}

async fn hold_claim(clients: &Clients, claim: &str, execution: &str, until: u64) {
    let value = json!({ "execution": execution, "until": until }).to_string();
    clients.ssm.put_parameter().name(claim).value(value).r#type("String".into()).send().await.unwrap();
}

async fn claim_holder(clients: &Clients, claim: &str) -> Option<String> {
    let found = clients.ssm.get_parameter().name(claim).send().await.ok()?;
    let value: serde_json::Value = serde_json::from_str(found.parameter()?.value()?).ok()?;
    value["execution"].as_str().map(str::to_owned)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn a_patch_started_while_another_runs_ends_having_changed_nothing() {
    let clients = emulator().clients().await;
    let (fleet, input, claim) = one_group(&clients, "claimed").await;
    let other = "arn:aws:states:us-east-1:123456789012:execution:tuesday-patch:scheduled";
    hold_claim(&clients, &claim, other, now() + 3600).await;

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output, Some(json!({ "claimed": false, "holder": other })));
    assert!(!result.events.iter().any(|e| e.execution.contains("bake")), "nothing was baked");
    assert_eq!(group_instances(&clients, &fleet.group).await.unwrap(), fleet.instances);
    assert_eq!(claim_holder(&clients, &claim).await.as_deref(), Some(other), "the claim is still the other's");
}

#[tokio::test]
async fn a_claim_left_by_a_stopped_patch_is_taken_over_and_let_go_at_the_end() {
    let clients = emulator().clients().await;
    let (fleet, input, claim) = one_group(&clients, "stale-claim").await;
    hold_claim(&clients, &claim, "arn:aws:states:us-east-1:123456789012:execution:tuesday-patch:aborted", now() - 1)
        .await;

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_ne!(images_of(&clients, &fleet.group).await, BTreeSet::from([fleet.old_image.clone()]), "patched");
    assert_eq!(claim_holder(&clients, &claim).await, None, "the claim was let go");
}

#[tokio::test]
async fn a_kind_with_a_topic_of_its_own_goes_there_and_the_rest_to_topic_arn() {
    let clients = emulator().clients().await;
    let (everything, digests) =
        (Inbox::new(&clients, "topics-all").await.unwrap(), Inbox::new(&clients, "topics-digest").await.unwrap());
    let (_, mut input, _) = one_group(&clients, "own-topics").await;
    input["topicArn"] = json!(everything.topic_arn);
    input["topics"] = json!({ "digest": digests.topic_arn });

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let kinds = |published: Vec<(String, serde_json::Value)>| -> BTreeSet<String> {
        published.into_iter().map(|(kind, _)| kind).collect()
    };
    let on_topic_arn = kinds(everything.published().await.unwrap());
    assert_eq!(on_topic_arn, BTreeSet::from([notifications::NEW_AMI.into(), notifications::CYCLE.into()]));
    assert_eq!(kinds(digests.published().await.unwrap()), BTreeSet::from([notifications::DIGEST.into()]));
}

/// The update machine at its maximum (50 groups), each group patched with ten instances replaced,
/// as update reports it, without cycling 500 groups of the emulator: what is tested is the patch
/// machine's state across ten such waves.
fn update_of_fifty_patched_groups() -> serde_json::Value {
    use workflow_gen::dsl::{Graph, Machine, MapState, Pass};

    let mut group = Graph::new();
    let replaced: Vec<String> = (0..10).map(|n| format!("i-0{n:016}")).collect();
    let patched = group.add(
        "Patched",
        Pass::set(
            "$",
            json!({ "groupName.$": "$.group", "status": "patched", "cycle": {
                "groupName.$": "$.group", "imageId.$": "$.imageId", "replaced": replaced,
                "startedAt": "2026-12-08T18:30:00Z",
                "verified": { "instances": 10, "imageId.$": "$.imageId", "finishedAt": "2026-12-08T18:52:00Z" } } }),
        ),
    );
    group.start(&patched);
    let mut m = Machine::new("update");
    let every = m.add_map(
        "Every Group",
        MapState::over("$.groups", group)
            .item_selector(json!({ "group.$": "$$.Map.Item.Value", "imageId.$": "$.imageId" }))
            .max_concurrency(40)
            .at_most_items(50)
            .result_path("$.groups"),
    );
    let report = m.add(
        "Report",
        Pass::set(
            "$",
            json!({ "imageId.$": "$.imageId", "groups.$": "$.groups", "total": 50, "replaced": 500,
                "counts": { "patched": 50 }, "listedAll": true, "results": null }),
        ),
    );
    m.start(&every).then(&report);
    serde_json::to_value(m.build().expect("a valid stand-in")).unwrap()
}

/// The update machine reporting a wave of ten thousand patched groups, as it does past
/// `LISTED_GROUPS`: counted, none listed (none needs a person), every result in S3.
fn update_of_ten_thousand_patched_groups() -> serde_json::Value {
    use workflow_gen::dsl::{Machine, Pass};

    let mut m = Machine::new("update");
    let report = m.add(
        "Report",
        Pass::set(
            "$",
            json!({ "imageId.$": "$.imageId", "groups": [], "total": 10_000, "replaced": 40_000,
                "counts": { "patched": 10_000 }, "listedAll": false,
                "results": { "Bucket": "tuesday-results", "Key": "update/run/manifest.json" } }),
        ),
    );
    m.start(&report);
    serde_json::to_value(m.build().expect("a valid stand-in")).unwrap()
}

#[tokio::test]
async fn ten_waves_of_ten_thousand_groups_keep_the_patch_small() {
    let clients = emulator().clients().await;
    let recipe = "huge-win2022";
    let names: Vec<String> = (0..10).map(|w| format!("huge-wave{w}")).collect();
    empty_groups(&clients, recipe, names.iter()).await;
    let waves: Vec<_> = names.iter().map(|name| json!({ "name": name, "recipe": recipe, "groups": [name] })).collect();
    let input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": waves,
        "claim": "/tuesday/test/huge",
    });

    let result = LocalRun::new(emulator(), clients)
        .machine("update", update_of_ten_thousand_patched_groups())
        .run("patch", input)
        .await
        .unwrap();

    assert_within_aws_limits(&result, "patch, 10 waves of 10,000 groups");
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let output = result.output.as_ref().unwrap();
    let text = output["text"].as_str().unwrap();
    assert_eq!(text.matches("10000 groups: 10000 patched").count(), 10, "{text}");
    assert!(text.contains("every group's result: s3://tuesday-results/update/run/manifest.json"), "{text}");
    assert_eq!(output["summary"]["waves"][9]["groups"]["patched"], 10_000);
    assert_eq!(output["summary"]["waves"][9]["replaced"], 40_000);
}

/// Groups of no instances tagged for `recipe`, on one launch template tagged alike: what the patch
/// checks before it bakes, without instances to cycle.
async fn empty_groups(clients: &Clients, recipe: &str, names: impl IntoIterator<Item = &String>) {
    use aws_sdk_autoscaling::types::{LaunchTemplateSpecification, Tag};
    use aws_sdk_ec2::types::{RequestLaunchTemplateData, ResourceType, TagSpecification};

    let tag = aws_sdk_ec2::types::Tag::builder().key("tuesday:image").value(recipe).build();
    let tagged = TagSpecification::builder().resource_type(ResourceType::LaunchTemplate).tags(tag).build();
    let data = RequestLaunchTemplateData::builder().instance_type("t3.large".into()).build();
    let created = clients.ec2.create_launch_template().launch_template_name(recipe).launch_template_data(data);
    let created = created.tag_specifications(tagged).send().await.unwrap();
    let template = created.launch_template().and_then(|t| t.launch_template_id()).unwrap().to_owned();
    for name in names {
        let spec = LaunchTemplateSpecification::builder().launch_template_id(&template).build();
        let tag = Tag::builder().key("tuesday:image").value(recipe).propagate_at_launch(false).build();
        let create = clients.autoscaling.create_auto_scaling_group().auto_scaling_group_name(name);
        let create = create.launch_template(spec).min_size(0).max_size(1).desired_capacity(0).tags(tag);
        create.vpc_zone_identifier(&emulator().seeded.subnets[0].id).send().await.unwrap();
    }
}

#[tokio::test]
async fn ten_waves_of_fifty_groups_stay_within_aws_limits() {
    let clients = emulator().clients().await;
    let recipe = "max-win2022";
    let waves: Vec<Vec<String>> =
        (0..10).map(|w| (0..50).map(|g| format!("max-wave{w}-group{g:02}")).collect()).collect();
    empty_groups(&clients, recipe, waves.iter().flatten()).await;
    let waves: Vec<_> = waves
        .iter()
        .enumerate()
        .map(|(w, groups)| json!({ "name": format!("wave-{w}"), "recipe": recipe, "groups": groups }))
        .collect();
    let input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": waves,
        "claim": "/tuesday/test/maxima",
    });

    let result = LocalRun::new(emulator(), clients)
        .machine("update", update_of_fifty_patched_groups())
        .run("patch", input)
        .await
        .unwrap();

    assert_within_aws_limits(&result, "patch, 10 waves of 50 groups");
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Update The Wave").len(), 10);
}

#[tokio::test]
async fn what_a_patch_names_in_the_account_is_checked_before_it_bakes_every_problem_named_at_once() {
    let clients = emulator().clients().await;
    let (fleet, mut input, _) = one_group(&clients, "early-checks").await;
    let mut spec = FleetSpec::new("early-checks-untagged", [1, 0]);
    spec.tags = vec![("tuesday:image", "someone-elses")];
    let untagged = create_fleet(&clients, spec).await.unwrap();
    let recipe = input["waves"][0]["recipe"].clone();
    input["waves"] = json!([
        { "name": "pre-prod", "recipe": recipe, "groups": [fleet.group, "early-checks-missing"] },
        { "name": "prod", "recipe": recipe, "groups": [untagged.group] },
    ]);
    input["topics"] = json!({ "digest": "arn:aws:sns:us-east-1:123456789012:early-checks-no-such-topic" });

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.starts_with("waves[0].groups: no Auto Scaling group named early-checks-missing"), "{message}");
    assert!(message.contains("waves[1].groups: group early-checks-untagged is not tagged"), "{message}");
    assert!(message.contains(&format!("launch template {} (of early-checks-untagged)", untagged.launch_template_id)));
    assert!(message.contains("topics.digest: topic arn:aws:sns:us-east-1:123456789012:early-checks-no-such-topic"));
    assert!(result.events_of("StateEntered", "New AMI").is_empty(), "nothing baked: {:?}", result.states_entered());
}

#[tokio::test]
async fn a_wave_whose_load_test_cannot_run_is_refused_naming_the_field_before_anything_is_baked() {
    let clients = emulator().clients().await;
    let (_, mut input, _) = one_group(&clients, "early-load-test").await;
    input["waves"][0]["validate"] =
        json!({ "url": "http://127.0.0.1:9/", "requests": 100, "concurrency": 2, "bees": 3 });

    let result = LocalRun::new(emulator(), clients).run("patch", input).await.unwrap();

    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
    let message = result.message().unwrap();
    assert!(message.starts_with("waves[0].validate.concurrency: 2 connections cannot arm 3 bees"), "{message}");
    assert!(result.events_of("StateEntered", "New AMI").is_empty(), "nothing baked: {:?}", result.states_entered());
}

#[tokio::test]
async fn a_wave_tolerating_more_than_all_its_groups_failing_is_refused_naming_the_field() {
    let clients = emulator().clients().await;
    let (_, mut input, _) = one_group(&clients, "early-tolerance").await;
    input["waves"][0]["toleratedFailures"] = json!("150%");

    let result = LocalRun::new(emulator(), clients).run("patch", input).await.unwrap();

    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT), "{}", result.outcome());
    let message = result.message().unwrap();
    assert_eq!(message, "waves[0].toleratedFailures: '150%' is not a count or a percentage from 0% to 100%");
}

#[tokio::test]
async fn a_template_shared_by_pre_prod_prod_and_an_unmanaged_group_keeps_its_default_through_the_patch() {
    let clients = emulator().clients().await;
    let recipe = "shared-win2022";
    let mut fleets = Vec::new();
    for (name, tag) in [("shared-pre", recipe), ("shared-prod", recipe), ("shared-unmanaged", "someone-elses")] {
        let mut spec = FleetSpec::new(name, [1, 0]);
        spec.template_updated = false;
        spec.tags = vec![("tuesday:image", tag)];
        fleets.push(create_fleet(&clients, spec).await.unwrap());
    }
    let template = fleets[0].launch_template_id.clone();
    // Prod and a group tuesday does not manage launch from pre-prod's template, following its default.
    for fleet in &fleets[1..] {
        let spec = aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
            .launch_template_id(&template)
            .version("$Default")
            .build();
        let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(&fleet.group);
        update.launch_template(spec).send().await.unwrap();
    }
    let mut input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [
            { "name": "pre-prod", "recipe": recipe, "groups": ["shared-pre"] },
            { "name": "prod", "recipe": recipe, "groups": ["shared-prod"] },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60 },
        "sharedTemplates": "block",
        "claim": "/tuesday/test/shared-template",
    });

    let refused = LocalRun::new(emulator(), clients.clone()).run("patch", input.clone()).await.unwrap();

    assert_eq!(refused.error.as_deref(), Some(errors::INVALID_INPUT), "{}", refused.outcome());
    let message = refused.message().unwrap();
    assert!(message.contains("waves[0].groups: shared-pre's launch template's $Default is followed by"), "{message}");
    assert!(message.contains("shared-prod ($Default)") && message.contains("shared-unmanaged ($Default)"), "{message}");
    assert!(refused.events_of("StateEntered", "New AMI").is_empty(), "found before anything was baked");

    input["sharedTemplates"] = json!("pin");
    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let (pre, prod, unmanaged) = (&fleets[0], &fleets[1], &fleets[2]);
    let baked = result.output.as_ref().unwrap()["summary"]["bake"]["baked"][0]["imageId"].as_str().unwrap().to_owned();
    for fleet in [pre, prod] {
        assert_eq!(images_of(&clients, &fleet.group).await, BTreeSet::from([baked.clone()]), "{}", fleet.group);
    }
    assert_eq!(group_instances(&clients, &unmanaged.group).await.unwrap(), unmanaged.instances, "left alone");
    let described = clients.ec2.describe_launch_templates().launch_template_ids(&template).send().await.unwrap();
    assert_eq!(described.launch_templates()[0].default_version_number(), Some(1), "the default never moved");
    let text = result.output.as_ref().unwrap()["text"].as_str().unwrap();
    assert!(text.contains("group shared-pre: patched") && text.contains("pinned to the new version"), "{text}");
}

/// The digest's groups of each wave, in the order it tells them.
fn groups_by_wave(text: &str) -> Vec<(String, Vec<String>)> {
    let mut waves: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(wave) = line.strip_prefix("wave ") {
            waves.push((wave.split(':').next().unwrap().to_owned(), Vec::new()));
        } else if let Some(group) = line.trim_start().strip_prefix("group ") {
            waves.last_mut().unwrap().1.push(group.to_owned());
        }
    }
    waves
}

#[tokio::test]
async fn waves_by_size_take_a_canary_then_a_share_then_the_rest_of_the_recipes_groups_in_order_of_name() {
    let clients = emulator().clients().await;
    let recipe = "sized-win2022";
    for name in ["sized-e", "sized-b", "sized-d", "sized-a", "sized-c"] {
        let mut spec = FleetSpec::new(name, [1, 0]);
        spec.template_updated = false;
        spec.tags = vec![("tuesday:image", recipe)];
        create_fleet(&clients, spec).await.unwrap();
    }
    let mut input = json!({
        "recipes": [{ "name": recipe, "source": { "parameter": emulator().seeded.parameters["2022"] } }],
        "waves": [
            { "name": "everything", "recipe": recipe },
            { "name": "canary", "recipe": recipe, "size": 1 },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 60 },
        "claim": "/tuesday/test/sized-waves",
    });

    let refused = LocalRun::new(emulator(), clients.clone()).run("patch", input.clone()).await.unwrap();

    assert_eq!(refused.error.as_deref(), Some(errors::INVALID_INPUT), "{}", refused.outcome());
    let message = refused.message().unwrap();
    assert!(message.contains("waves[1].size: waves[0] takes the rest of sized-win2022's groups"), "{message}");
    assert!(refused.events_of("StateEntered", "New AMI").is_empty(), "refused before anything was baked");

    input["waves"] = json!([
        { "name": "canary", "recipe": recipe, "size": 1 },
        { "name": "early", "recipe": recipe, "size": "40%" },
        { "name": "rest", "recipe": recipe },
    ]);
    let planned = tuesday::plan::plan(&clients, input.clone()).await.unwrap();
    let table = tuesday::plan::render(&planned);
    assert!(
        table.contains(
            "early      40% of the 5 groups tagged tuesday:image=sized-win2022, in order of name: sized-b, sized-c"
        ),
        "{table}"
    );
    assert!(
        table.contains(
            "rest       the 2 groups tagged tuesday:image=sized-win2022 no earlier wave takes: sized-d, sized-e"
        ),
        "{table}"
    );

    let result = LocalRun::new(emulator(), clients.clone()).run("patch", input).await.unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let output = result.output.as_ref().unwrap();
    let waves = groups_by_wave(output["text"].as_str().unwrap());
    let names = |wave: &(String, Vec<String>)| -> (String, Vec<String>) {
        let groups = wave.1.iter().map(|g| g.split(':').next().unwrap().to_owned()).collect();
        (wave.0.clone(), groups)
    };
    let waves: Vec<(String, Vec<String>)> = waves.iter().map(names).collect();
    let expected =
        [("canary", vec!["sized-a"]), ("early", vec!["sized-b", "sized-c"]), ("rest", vec!["sized-d", "sized-e"])];
    let expected: Vec<(String, Vec<String>)> =
        expected.iter().map(|(w, g)| (w.to_string(), g.iter().map(|g| g.to_string()).collect())).collect();
    assert_eq!(waves, expected, "{}", output["text"]);
    for wave in output["summary"]["waves"].as_array().unwrap() {
        let statuses: Vec<&String> = wave["groups"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["patched"], "each group patched once, by its own wave: {wave}");
    }
}
