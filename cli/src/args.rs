//! The command line, as clap types only. Doc comments are the help text.

use clap::{Parser, Subcommand};

/// Patch Tuesday, automated, for Windows fleets on AWS.
#[derive(Debug, Parser)]
#[command(name = "tuesday", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The state machines tuesday deploys.
    Machines {
        #[command(subcommand)]
        command: MachinesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MachinesCommand {
    /// List every machine with its size and its generated file.
    List,
}
