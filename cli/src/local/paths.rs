//! Where the project's tools live. `./just setup` installs them; nothing here is found on PATH, so
//! a stray moto or an older Python can never be picked up by mistake.

use std::path::{Path, PathBuf};

use anyhow::{ensure, Result};

/// The repository: `TUESDAY_HOME`, or where this crate was built from.
pub fn root() -> PathBuf {
    std::env::var_os("TUESDAY_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ sits in the repository").into())
}

pub fn statemachines() -> PathBuf {
    root().join("statemachines")
}

/// The Python of the project's emulator virtualenv (moto and LocalStack's interpreter).
pub fn emulator_python() -> Result<PathBuf> {
    installed(root().join(".tools/moto/bin/python"))
}

pub fn emulator_launcher() -> Result<PathBuf> {
    installed(root().join("tools/emulator/launch.py"))
}

fn installed(path: PathBuf) -> Result<PathBuf> {
    ensure!(path.exists(), "{} is missing: run `./just setup`", path.display());
    Ok(path)
}
