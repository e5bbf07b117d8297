//! The CDK app deploys what `cdk/generated/manifest.json` lists: it must match the registry.

#[test]
fn the_cdk_manifest_lists_every_activity_and_notification_kind() {
    let committed = std::fs::read_to_string(activities::manifest::PATH).unwrap_or_default();
    assert!(
        committed == activities::manifest::render(),
        "{} is stale: run `./just gen` and commit it",
        activities::manifest::PATH
    );
}
