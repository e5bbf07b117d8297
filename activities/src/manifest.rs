//! What the CDK app knows of the Rust side, `cdk/generated/manifest.json`: every activity's name (one
//! Lambda function each; the app refuses one it has no permissions for), the AWS calls each declares
//! (its grants must cover them), and the kinds of notification (a topic each). `./just gen` writes it; a test keeps it fresh.

use contract::{notifications, Activity};

use crate::registry;

/// Where the manifest lives.
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cdk/generated/manifest.json");

/// The manifest's text, as committed.
pub fn render() -> String {
    let names: Vec<&str> = Activity::ALL.iter().map(|activity| activity.name()).collect();
    let calls: serde_json::Map<String, serde_json::Value> =
        Activity::ALL.iter().map(|activity| (activity.name().to_owned(), registry::calls(*activity).into())).collect();
    let manifest = serde_json::json!({
        "activities": names,
        "calls": calls,
        "notificationKinds": notifications::ALL,
    });
    serde_json::to_string_pretty(&manifest).expect("the manifest serialises") + "\n"
}
