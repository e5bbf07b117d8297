//! Shared by the end-to-end tests: where the repository and its Node tools are, and how to run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{ensure, Context, Result};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// A tool installed by `npm ci` in `tools/node` (the README's test command runs it first).
pub fn node_tool(name: &str) -> Result<PathBuf> {
    let path = repo_root().join("tools/node/node_modules/.bin").join(name);
    ensure!(path.exists(), "{} is missing: run `./just setup` (npm ci in tools/node)", path.display());
    Ok(path)
}

/// Runs asl-validator (pinned in tools/node/package-lock.json) over `files`.
pub fn asl_validator(files: &[PathBuf]) -> Result<Output> {
    let mut command = Command::new(node_tool("asl-validator")?);
    for file in files {
        command.arg("--json-path").arg(file);
    }
    command.output().context("running asl-validator")
}

/// Every `*.asl.json` under `statemachines/`.
pub fn generated_machines() -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("statemachines"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|path| path.to_string_lossy().ends_with(".asl.json"));
    files.sort();
    Ok(files)
}

/// The emulator every test in this binary shares, started on first use. It stops when the test
/// binary exits: the launcher leaves when its standard input closes.
pub fn emulator() -> &'static tuesday::local::Emulator {
    static EMULATOR: std::sync::OnceLock<tuesday::local::Emulator> = std::sync::OnceLock::new();
    EMULATOR.get_or_init(|| tuesday::local::Emulator::start().expect("the emulator starts (run `./just setup`)"))
}

/// A fresh Auto Scaling group of `size` instances of the seeded Windows Server 2022 AMI, spread
/// over the seeded subnets. Names must be unique per test: the emulator is shared.
pub async fn create_group(clients: &activities::Clients, name: &str, size: i32) -> Result<()> {
    let seeded = &emulator().seeded;
    let parameter = &seeded.parameters["2022"];
    let image = clients.ssm.get_parameter().name(parameter).send().await?;
    let image_id = image.parameter().and_then(|p| p.value()).context("seeded parameter has a value")?;
    clients
        .ec2
        .create_launch_template()
        .launch_template_name(name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id(image_id)
                .instance_type("t3.large".into())
                .build(),
        )
        .send()
        .await?;
    let subnets: Vec<&str> = seeded.subnets.iter().map(|s| s.id.as_str()).collect();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name(name)
                .version("$Default")
                .build(),
        )
        .min_size(size)
        .max_size(size * 2)
        .desired_capacity(size)
        .vpc_zone_identifier(subnets.join(","))
        .send()
        .await?;
    Ok(())
}
