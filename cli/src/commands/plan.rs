//! `tuesday plan`: the dry run of a whole patch, changing nothing.

use std::process::ExitCode;

use activities::Clients;
use anyhow::bail;
use tuesday::local::Emulator;
use tuesday::{demo, plan};

use super::CommandResult;
use crate::args::PlanArgs;

pub async fn run(args: PlanArgs) -> CommandResult {
    let PlanArgs { input, demo: on_demo_fleet, aws } = args;
    let planned = match (on_demo_fleet, aws, input) {
        (true, false, None) => {
            let emulator = Emulator::start()?;
            let clients = emulator.clients().await;
            let seeded = demo::seed(&emulator, &clients).await?;
            plan::plan(&clients, seeded.input).await?
        }
        (false, true, Some(input)) => {
            plan::plan(&Clients::from_env().await, super::machine_run::parse_input(&input)?).await?
        }
        _ => bail!("give --demo (the demo's seeded local fleet), or --aws with --input (a patch input)"),
    };
    print!("{}", plan::render(&planned));
    let blocked = planned.rows.iter().any(|row| !row.plan.blockers.is_empty());
    Ok(if blocked { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
