//! `tuesday run <machine>`: one local execution, streamed as it happens.

use std::process::ExitCode;

use activities::Clients;
use anyhow::Context;
use serde_json::{json, Value};
use tuesday::local::engine::generated_machine;
use tuesday::local::events::format_virtual;
use tuesday::local::{Emulator, LocalRun, Status};

use super::CommandResult;
use crate::args::RunArgs;
use crate::out;
use tuesday::usage;

pub async fn run(args: RunArgs) -> CommandResult {
    let RunArgs { machine, input, time_scale, json, aws, account, definition } = args;
    let input = parse_input(&input)?;
    if time_scale.is_nan() || time_scale < 0.0 {
        return Err(usage!("--time-scale must be 0 or more, not {time_scale}"));
    }
    let definition: Value = match definition {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?
        }
        None => generated_machine(&machine).map_err(|unknown| usage!("{unknown:#}"))?,
    };
    // The engine runs in the emulator's process; with --aws its tasks call real AWS.
    let emulator = Emulator::start()?;
    let clients = if aws { Clients::new(&crate::aws::config(&account).await?) } else { emulator.clients().await };

    let local =
        LocalRun::new(&emulator, clients).machine(&machine, definition).time_scale(time_scale).on_event(move |event| {
            if json {
                out::say(event.history_json());
            } else if let Some(line) = event.progress_line() {
                out::say(line);
            }
        });
    let result = local.run(&machine, input).await?;
    drop(emulator);

    let succeeded = result.status == Status::Succeeded;
    let status = match result.status {
        Status::Succeeded => "SUCCEEDED",
        Status::Failed => "FAILED",
        Status::Aborted => "ABORTED",
        Status::TimedOut => "TIMED_OUT",
    };
    let summary = json!({
        "status": status,
        "executionArn": result.execution_arn,
        "output": result.output,
        "error": result.error,
        "cause": result.cause,
        "virtualSeconds": result.virtual_seconds,
        "transitions": result.transitions,
    });
    if json {
        out::say(summary);
    } else {
        out::say(format_args!(
            "\n{machine} {} in {} of virtual time, {} state transitions",
            if succeeded { "succeeded" } else { "failed" },
            format_virtual(result.virtual_seconds),
            result.transitions
        ));
        match (&result.output, &result.error) {
            (Some(output), _) => out::say(serde_json::to_string_pretty(output)?),
            (None, Some(error)) => out::say(format_args!("{error}: {}", result.message().unwrap_or_default())),
            _ => {}
        }
    }
    Ok(if succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A JSON document, or the path of a file holding one.
pub(crate) fn parse_input(input: &str) -> anyhow::Result<Value> {
    match serde_json::from_str(input) {
        Ok(value) => Ok(value),
        Err(_) if std::path::Path::new(input).exists() => {
            let text = std::fs::read_to_string(input)?;
            serde_json::from_str(&text).with_context(|| format!("--input {input} is not JSON"))
        }
        Err(error) => Err(usage!("--input is neither JSON nor a file: {error}")),
    }
}
