//! The README's demo, as a test: the same scenario, every group patched, no capacity lost.

use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_patches_every_group_with_no_loss_of_capacity() {
    let outcome = tuesday::demo::run(0.0, |_| {}).await.unwrap();

    assert!(outcome.ok(), "{}", outcome.render());
    assert_eq!(outcome.groups.len(), 3);
    for group in &outcome.groups {
        assert_eq!(group.images_after, BTreeSet::from([outcome.new_image.clone()]), "{}", group.name);
        assert_ne!(group.image_before, outcome.new_image);
        assert_eq!(group.replaced, group.size, "{}", group.name);
        assert!(group.lowest_in_service >= group.size as i64, "{} dropped to {}", group.name, group.lowest_in_service);
    }
    let digest = outcome.digest().unwrap();
    assert_eq!(digest["patched"], true);
    let text = digest["text"].as_str().unwrap();
    let told = "group prod-web-b: patched, 4 instances replaced in ";
    let took =
        &text[text.find(told).unwrap_or_else(|| panic!("per group, replaced and how long: {text}")) + told.len()..];
    // By the run's own clock: at least the 10-minute warm-up and the 5-minute drain.
    let minutes: u64 = took.split('m').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    assert!(minutes >= 15, "the cycle's length by the run's clock: {took}");
    let waves: Vec<&str> =
        digest["summary"]["waves"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(waves, ["pre-prod", "prod"], "pre-prod first");
    for wave in digest["summary"]["waves"].as_array().unwrap() {
        assert_eq!(wave["validation"]["report"]["complete"], 2000);
        assert!(wave["validation"]["report"]["stickiness"].as_f64().unwrap() > 0.99);
    }
    let pre_prod_done = outcome
        .run
        .events
        .iter()
        .position(|e| e.kind == "StateExited" && e.state.as_deref() == Some("Record The Wave"));
    let prod_started = outcome
        .run
        .events
        .iter()
        .position(|e| e.execution.contains("cycle") && e.detail.to_string().contains("prod-web-a"));
    assert!(pre_prod_done < prod_started, "prod started only after pre-prod was recorded");
    let asked = outcome.run.events.iter().position(|e| e.kind == "ApprovalRequested");
    assert!(asked.is_some() && pre_prod_done < asked && asked < prod_started, "prod waited for its approval");
    assert!(outcome.render().contains("prod waited for a person's approval; the demo approved it"));
}
