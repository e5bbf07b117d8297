//! The process's exit codes, one per kind of outcome (the README lists them).

use std::fmt;
use std::process::ExitCode;

/// The command did what it was asked, and what it checked passed.
pub const SUCCESS: u8 = 0;
/// An execution failed, or AWS or the local stack answered an error.
pub const FAILED: u8 = 1;
/// A flag or an input is wrong: nothing was done (clap's own usage errors exit 2 too).
pub const USAGE: u8 = 2;
/// `tuesday plan`: a group is blocked.
pub const BLOCKED: u8 = 3;
/// `tuesday bees attack`: the load test missed its gate.
pub const THRESHOLD_MISSED: u8 = 4;
/// Ctrl-C ended the command (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// What the person gave is wrong: the message names the flag or field to change.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// An error in what the person gave, exiting `USAGE`: `usage!("--rate: give more than 0")`.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => {
        anyhow::Error::new($crate::exit::Usage(format!($($arg)*)))
    };
}

/// The exit code for an error: `USAGE` for what the person gave, `FAILED` for the rest.
pub fn of_error(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<Usage>() {
        Some(_) => USAGE,
        None => FAILED,
    }
}
