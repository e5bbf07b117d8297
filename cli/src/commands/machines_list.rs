use std::io::Write;
use std::process::ExitCode;

use workflow_gen::asl::StateMachine;
use workflow_gen::machines;

use super::CommandResult;

pub fn run(out: &mut impl Write) -> CommandResult {
    writeln!(out, "{:<16} {:>7}  definition", "machine", "states")?;
    for def in machines::all() {
        let machine = (def.definition)().map_err(|errors| anyhow::anyhow!("{}: {}", def.name, errors[0]))?;
        writeln!(out, "{:<16} {:>7}  statemachines/{}.asl.json", def.name, count_states(&machine), def.name)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// States at every depth: a Map's item processor and Parallel branches count too.
fn count_states(machine: &StateMachine) -> usize {
    machine.states.values().map(|state| 1 + state.branches().into_iter().map(count_states).sum::<usize>()).sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_every_machine_with_its_file() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
