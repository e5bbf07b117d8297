//! The command line, as clap types only. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Patch Tuesday, automated, for Windows fleets on AWS.
#[derive(Debug, Parser)]
#[command(name = "tuesday", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a generated machine locally: a seeded AWS emulator, the ASL engine, the real activities.
    Run(RunArgs),
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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The machine, as named in statemachines/ (for example `detect`).
    pub machine: String,
    /// The execution input: a JSON document, or the path of a file holding one.
    #[arg(long, default_value = "{}")]
    pub input: String,
    /// Real seconds per virtual second of waiting: 0 skips every wait, 1 waits for real.
    #[arg(long, default_value_t = 0.0)]
    pub time_scale: f64,
    /// Print the event log as JSON lines, then the outcome, instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Call real AWS with the default credentials chain instead of starting the emulator.
    #[arg(long)]
    pub aws: bool,
    /// Use this machine definition instead of statemachines/<machine>.asl.json.
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
}
