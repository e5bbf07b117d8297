//! `workflow-gen`: writes every machine's ASL, input schema and diagram to `statemachines/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use workflow_gen::{generate, machines};

/// Generate tuesday's state machines from their Rust definitions.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Where the generated files live.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../statemachines"))]
    out: PathBuf,
    /// Change nothing; fail and name the files that are stale.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = args.out.canonicalize().unwrap_or(args.out);
    let result = generate::render(&machines::all()).and_then(|files| {
        if args.check {
            generate::check(&out, &files)
        } else {
            generate::write(&out, &files)
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("workflow-gen: {error:#}");
            ExitCode::FAILURE
        }
    }
}
