//! One module per command; each returns the process's exit status.

pub mod approval_answer;
pub mod bees_attack;
pub mod bees_serve;
pub mod bees_watch;
pub mod completions;
pub mod demo;
pub mod machine_run;
pub mod machines_list;
pub mod plan;
pub mod recover;

use std::process::ExitCode;

pub type CommandResult = anyhow::Result<ExitCode>;
