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
