//! `tuesday plan`: the dry run of a whole patch, changing nothing.

use activities::Clients;
use tuesday::local::Emulator;
use tuesday::{demo, plan};

use super::CommandResult;
use crate::args::PlanArgs;
use crate::out;
use tuesday::exit;
use tuesday::usage;

pub async fn run(args: PlanArgs) -> CommandResult {
    let PlanArgs { input, demo: on_demo_fleet, aws, account, json } = args;
    let planned = match (on_demo_fleet, aws, input) {
        (true, false, None) => {
            let emulator = Emulator::start()?;
            let clients = emulator.clients().await;
            let seeded = demo::seed(&emulator, &clients).await?;
            plan::plan(&clients, seeded.input).await?
        }
        (false, true, Some(input)) => {
            let input = super::machine_run::parse_input(&input)?;
            plan::plan(&Clients::new(&crate::aws::config(&account).await?), input).await?
        }
        _ => return Err(usage!("give --demo (the demo's seeded local fleet), or --aws with --input (a patch input)")),
    };
    let blocked = planned.rows.iter().any(|row| !row.plan.blockers.is_empty());
    match json {
        true => out::say(serde_json::json!({ "plan": planned, "blocked": blocked })),
        false => out::write(plan::render(&planned)),
    }
    Ok(exit::code(if blocked { exit::BLOCKED } else { exit::SUCCESS }))
}
