//! `tuesday completions <shell>`: the shell's completion script for every command and flag.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::CommandResult;
use crate::args::Cli;

pub fn run(shell: Shell, out: &mut impl Write) -> CommandResult {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "tuesday", &mut script);
    out.write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}
