//! Standard output for a reader that may go away (`tuesday run ... | head`). Once the pipe is closed
//! nothing more can be said, so the process ends there, quietly and successfully, as a pipeline
//! expects, where `println!` would panic.

use std::fmt::Display;
use std::io::{self, Write};

/// Writes `text` and a newline.
pub fn say(text: impl Display) {
    ended_if_closed(writeln!(io::stdout().lock(), "{text}"));
}

/// Writes `text` as it is.
pub fn write(text: impl Display) {
    let mut stdout = io::stdout().lock();
    ended_if_closed(write!(stdout, "{text}").and_then(|()| stdout.flush()));
}

fn ended_if_closed(written: io::Result<()>) {
    let Err(error) = written else { return };
    if is_closed_pipe(&error) {
        std::process::exit(tuesday::exit::SUCCESS.into());
    }
    eprintln!("tuesday: writing to standard output: {error}");
    std::process::exit(tuesday::exit::FAILED.into());
}

pub fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}
