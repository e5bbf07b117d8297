//! `tuesday demo`: the whole pipeline on a seeded local fleet, with live progress and the report.
//! Exits non-zero if any group was not patched or capacity ever dropped.

use std::process::ExitCode;

use tuesday::demo;

use super::CommandResult;
use crate::out;

pub async fn run(time_scale: f64) -> CommandResult {
    out::say(format_args!("Seeding a fleet in the local emulator and publishing a newer Windows Server 2022 AMI..."));
    let outcome = demo::run(time_scale, |event| {
        if let Some(line) = event.progress_line() {
            out::say(line);
        }
    })
    .await?;
    out::write(outcome.render());
    Ok(if outcome.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
