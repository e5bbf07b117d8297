//! Writes `cdk/generated/manifest.json`, what the CDK app needs to know of the Rust side: every
//! activity's name (one Lambda function each; the app refuses one it has no permissions for) and the
//! kinds of notification (e-mail subscriptions filter on them). `--check` changes nothing and fails
//! when the file is stale.

use std::path::Path;
use std::process::ExitCode;

use activities::registry;
use workflow_gen::notifications;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cdk/generated/manifest.json");

fn main() -> ExitCode {
    let names: Vec<&str> = registry::all().iter().map(|activity| activity.name).collect();
    let manifest = serde_json::json!({
        "activities": names,
        "notificationKindAttribute": notifications::KIND_ATTRIBUTE,
        "notificationKinds": notifications::ALL,
    });
    let manifest = serde_json::to_string_pretty(&manifest).expect("the manifest serialises") + "\n";
    let path = Path::new(MANIFEST);
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::args().any(|arg| arg == "--check") {
        if current == manifest {
            return ExitCode::SUCCESS;
        }
        eprintln!("cdk-manifest: {} is stale: run `./just gen` and commit it", path.display());
        return ExitCode::FAILURE;
    }
    if current != manifest {
        std::fs::create_dir_all(path.parent().expect("the manifest has a folder")).expect("create cdk/generated");
        std::fs::write(path, manifest).expect("write the manifest");
    }
    ExitCode::SUCCESS
}
