//! Bees: tuesday's load tester. One attack engine for the `tuesday bees attack` command and for the
//! bee Lambda the `validate` machine fans out.
//!
//! - `attack`: virtual users, each with its own connection and cookie jar, in a closed model
//!   (n requests at c concurrency, as ab and Bees with Machine Guns) or an open model (a rate for a
//!   duration, latency measured from the intended send time, so a stall is not hidden).
//! - `tally`: what bees measured: an HDR histogram and counts, merged exactly across bees (never by
//!   averaging percentiles), and the wire form a bee returns.
//! - `report`: the numbers an operator reads, the Mission Assessment, and the thresholds gate.
//! - `elasticity`: the seed's elasticity check, a group watched during a sustained attack.
//! - `split`: n and c across bees, remainders kept.
//! - `tls`: trust for https:// targets (the system's roots, a named authority, or, asked, none).
//! - `practice`: a local target with known latency, errors, stalls and stickiness.

pub mod attack;
mod connection;
pub mod elasticity;
pub mod practice;
pub mod progress;
pub mod report;
pub mod split;
pub mod tally;
pub mod tls;

pub use attack::{Attack, Load};
pub use progress::Progress;
pub use report::{Report, Thresholds};
pub use tally::{BeeResult, Tally};
pub use tls::Trust;
