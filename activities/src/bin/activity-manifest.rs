//! Writes `cdk/generated/activities.json`: every activity's name, for the CDK app, which deploys one
//! Lambda function each and refuses an activity it has no permissions for. `--check` changes nothing
//! and fails when the file is stale.

use std::path::Path;
use std::process::ExitCode;

use activities::registry;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cdk/generated/activities.json");

fn main() -> ExitCode {
    let names: Vec<&str> = registry::all().iter().map(|activity| activity.name).collect();
    let manifest = serde_json::to_string_pretty(&serde_json::json!({ "activities": names })).expect("names serialise") + "\n";
    let path = Path::new(MANIFEST);
    let check = std::env::args().any(|arg| arg == "--check");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if check {
        if current == manifest {
            return ExitCode::SUCCESS;
        }
        eprintln!("activity-manifest: {} is stale: run `./just gen` and commit it", path.display());
        return ExitCode::FAILURE;
    }
    if current != manifest {
        std::fs::create_dir_all(path.parent().expect("the manifest has a folder")).expect("create cdk/generated");
        std::fs::write(path, manifest).expect("write the activity manifest");
    }
    ExitCode::SUCCESS
}
