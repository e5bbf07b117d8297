//! `tuesday plan` against the demo's seeded fleet: every group, its blockers, and nothing changed.

use std::collections::BTreeMap;

use activities::Clients;
use serde_json::{json, Value};
use tuesday::{demo, plan};
use tuesday_tests::emulator;

/// Everything a plan must not touch: each group's sizes and instances, each template's versions.
async fn state(clients: &Clients) -> Value {
    let groups = clients.autoscaling.describe_auto_scaling_groups().send().await.unwrap();
    let groups: Vec<Value> = groups
        .auto_scaling_groups()
        .iter()
        .map(|g| {
            let mut ids: Vec<&str> = g.instances().iter().filter_map(|i| i.instance_id()).collect();
            ids.sort();
            json!([
                g.auto_scaling_group_name(),
                g.min_size(),
                g.max_size(),
                g.desired_capacity(),
                ids,
                g.suspended_processes().len(),
                g.tags().len()
            ])
        })
        .collect();
    let templates = clients.ec2.describe_launch_templates().send().await.unwrap();
    let templates: Vec<Value> = templates
        .launch_templates()
        .iter()
        .map(|t| json!([t.launch_template_name(), t.default_version_number(), t.latest_version_number()]))
        .collect();
    json!({ "groups": groups, "templates": templates })
}

#[tokio::test]
async fn plan_lists_every_group_with_its_blockers_and_changes_nothing() {
    let clients = emulator().clients().await;
    let seeded = demo::seed(emulator(), &clients).await.unwrap();
    // One prod instance is protected from scale-in: someone wants it kept.
    let protected = &seeded.fleets.iter().find(|(_, f)| f.group == "prod-web-a").unwrap().1;
    clients
        .autoscaling
        .set_instance_protection()
        .auto_scaling_group_name(&protected.group)
        .instance_ids(&protected.instances[0])
        .protected_from_scale_in(true)
        .send()
        .await
        .unwrap();
    let before = state(&clients).await;
    let mut input = seeded.input.clone();
    input["waves"][1]["toleratedFailures"] = json!("50%");

    let planned = plan::plan(&clients, input).await.unwrap();

    assert_eq!(state(&clients).await, before, "the plan changed nothing");
    let by_group: BTreeMap<&str, &plan::Row> = planned.rows.iter().map(|r| (r.plan.group_name.as_str(), r)).collect();
    assert_eq!(by_group.keys().copied().collect::<Vec<_>>(), ["preprod-web", "prod-web-a", "prod-web-b"]);
    assert_eq!(by_group["preprod-web"].wave, "pre-prod");
    let imbalanced = &by_group["prod-web-b"].plan;
    assert_eq!(imbalanced.old_per_zone.values().copied().collect::<Vec<_>>(), [3, 1]);
    assert_eq!(imbalanced.peak_capacity, 8);
    assert!(
        by_group["prod-web-a"].plan.blockers[0].contains("protected from scale-in"),
        "{:?}",
        by_group["prod-web-a"].plan.blockers
    );
    assert!(by_group["prod-web-b"].plan.blockers.is_empty());
    let table = plan::render(&planned);
    assert!(table.contains("BLOCKED: instance"), "{table}");
    assert!(table.contains("pre-prod   named: preprod-web\n"), "{table}");
    assert!(table.contains("4 (us-east-1a 3, us-east-1b 1)"), "{table}");
    let gate = "fails when no request is answered, more than 1% are errors (no response, or a status outside \
                200-399), no response is a 2xx, p99 is above 1000 ms";
    assert_eq!(table.matches(gate).count(), 2, "each wave's load test and its gate: {table}");
    let prod = &table[table.find("prod       named: prod-web-a, prod-web-b\n").unwrap()..];
    let prod = &prod[..prod.find("\n\n").unwrap()];
    assert!(prod.contains("\n           groups surging at once: 2 (all of them)\n"), "{table}");
    // Side by side, each a batch of 600 s of warm-up, a 30 s health check and 300 s of draining.
    assert!(prod.contains("\n           about 16 min of cycles ("), "{table}");
    assert!(table.contains("           stops the patch if any group fails; starts without asking\n"), "{table}");
    assert!(table.starts_with("account 123456789012, region us-east-1\n"), "{table}");
    let image = "           image: win2022 from AWS's newest (Windows_Server-2022-English-Full-Base";
    assert!(table.contains(image), "{table}");
    let old_image = &seeded.fleets.iter().find(|(_, f)| f.group == "prod-web-b").unwrap().1.old_image;
    let prod_b = table.lines().find(|l| l.starts_with("prod       prod-web-b")).unwrap();
    assert!(prod_b.contains(&format!("$Default         {old_image}  t3.large ")), "{prod_b}");
    assert!(
        table.contains("in all: 3 groups, 7 instances to replace, 7 launched in their first batches, 1 blocked"),
        "{table}"
    );
    assert!(table.contains("instances: surges of 12 vCPUs in all, beside "), "{table}");
    assert!(
        table.contains(
            "           stops the patch if more than 1 of its 2 groups fail; starts once a person approves it\n"
        ),
        "{table}"
    );

    // The account's Standard vCPU quota leaves room for prod-web-b's surge (four t3.large: 8 vCPUs),
    // not for prod-web-a's (4 more) beside it.
    let live =
        aws_sdk_ec2::types::Filter::builder().name("instance-state-name").values("pending").values("running").build();
    let described = clients.ec2.describe_instances().filters(live).send().await.unwrap();
    let running = 2 * described.reservations().iter().map(|r| r.instances().len()).sum::<usize>();
    emulator().fault("quota", json!({ "quotaCode": "L-1216C47A", "value": running + 10 })).await.unwrap();

    let planned = plan::plan(&clients, seeded.input.clone()).await.unwrap();

    let prod = &planned.waves[1].budget;
    assert_eq!(prod.groups_at_once, 1, "{prod:?}");
    let limit = format!(
        "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances: a quota of {} vCPUs, {running} running, \
         surges of up to 8 vCPUs",
        running + 10
    );
    assert_eq!(prod.limited_by, limit);
    assert!(plan::render(&planned).contains(&format!("groups surging at once: 1 ({limit})")));
}
