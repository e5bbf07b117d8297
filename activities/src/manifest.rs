//! What the CDK app knows of the Rust side, `cdk/generated/manifest.json`: every activity's name (one
//! Lambda function each; the app refuses one it has no permissions for), the AWS calls each declares
//! (its grants must cover them), what AWS authorizes along with them and the context their requests
//! carry (`authorized`), and the kinds of notification (a topic each). `./just gen` writes it; a test
//! keeps it fresh.

use contract::{notifications, Activity};

use crate::{authorized, registry};

/// Where the manifest lives.
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cdk/generated/manifest.json");

/// The manifest's text, as committed.
pub fn render() -> String {
    let names: Vec<&str> = Activity::ALL.iter().map(|activity| activity.name()).collect();
    let calls: serde_json::Map<String, serde_json::Value> =
        Activity::ALL.iter().map(|activity| (activity.name().to_owned(), registry::calls(*activity).into())).collect();
    let along_with: serde_json::Map<String, serde_json::Value> = Activity::ALL
        .iter()
        .map(|activity| {
            let calls = registry::calls(*activity).iter();
            let carried = calls.map(|call| (call.to_string(), authorized::along_with(*activity, call).into()));
            let carried: serde_json::Map<_, _> = carried.filter(|(_, also)| also != &serde_json::json!([])).collect();
            (activity.name().to_owned(), carried.into())
        })
        .filter(|(_, carried): &(String, serde_json::Value)| carried != &serde_json::json!({}))
        .collect();
    let contexts: serde_json::Map<String, serde_json::Value> = Activity::ALL
        .iter()
        .map(|activity| (activity.name().to_owned(), serde_json::json!(authorized::context(*activity))))
        .filter(|(_, context)| context != &serde_json::json!({ "resourceTags": {}, "request": {} }))
        .collect();
    let manifest = serde_json::json!({
        "activities": names,
        "calls": calls,
        "alongWith": along_with,
        "context": contexts,
        "notificationKinds": notifications::ALL,
    });
    serde_json::to_string_pretty(&manifest).expect("the manifest serialises") + "\n"
}
