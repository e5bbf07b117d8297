//! What an attack shows while it runs, and how it is ended early: requests done and errors so far,
//! counted by the virtual users in small batches, and a token that stops them (Ctrl-C, a deadline).

use std::sync::atomic::{AtomicU64, Ordering};

use contract::machines::validate::StatusSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
pub struct Progress {
    done: AtomicU64,
    errors: AtomicU64,
    /// The statuses that are not errors, as the gate will judge them.
    expected: StatusSet,
    /// Cancelled: every virtual user stops, its request in flight dropped and not counted.
    pub stop: CancellationToken,
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new(StatusSet::default())
    }
}

impl Progress {
    pub fn new(expected: StatusSet) -> Progress {
        Progress { done: AtomicU64::new(0), errors: AtomicU64::new(0), expected, stop: CancellationToken::new() }
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// A response the gate will count as an error (a request with no response always is one).
    pub(crate) fn is_error(&self, status: u16) -> bool {
        !self.expected.contains(status)
    }

    pub(crate) fn add(&self, done: u64, errors: u64) {
        self.done.fetch_add(done, Ordering::Relaxed);
        if errors > 0 {
            self.errors.fetch_add(errors, Ordering::Relaxed);
        }
    }
}
