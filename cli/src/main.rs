//! `tuesday`: run tuesday's machines locally, plan a patch, load-test a fleet.

mod args;
mod aws;
mod commands;
mod out;

use std::process::ExitCode;

use clap::Parser;

use args::{BeesCommand, Cli, Command, MachinesCommand};
use tuesday::exit;
use tuesday::local::approvals::Answer;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::machine_run::run(args).await,
        Command::Demo { time_scale } => commands::demo::run(time_scale).await,
        Command::Plan(args) => commands::plan::run(args).await,
        Command::Approvals => commands::approval_answer::list(),
        Command::Approve { token, account } => commands::approval_answer::run(&token, Answer::Approve, &account).await,
        Command::Reject { token, reason, account } => {
            commands::approval_answer::run(&token, Answer::Reject(reason), &account).await
        }
        Command::Bees { command: BeesCommand::Attack(args) } => commands::bees_attack::run(*args).await,
        Command::Bees { command: BeesCommand::Serve(args) } => commands::bees_serve::run(args).await,
        Command::Recover { group, stack, account } => commands::recover::run(&group, &stack, &account).await,
        Command::Machines { command: MachinesCommand::List } => commands::machines_list::run(&mut std::io::stdout()),
        Command::Completions { shell } => commands::completions::run(shell, &mut std::io::stdout()),
    };
    result.unwrap_or_else(|error| {
        // The reader of a pipe went away (`| head`): nothing more to say.
        if error.downcast_ref::<std::io::Error>().is_some_and(out::is_closed_pipe) {
            return exit::code(exit::SUCCESS);
        }
        eprintln!("tuesday: {error:#}");
        exit::code(exit::of_error(&error))
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
