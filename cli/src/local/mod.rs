//! The local stack: the emulator (moto, seeded with AWS's Windows images), the ASL engine beside it
//! (LocalStack's Step Functions interpreter, in the emulator's process) and the bridge that hands
//! every Lambda task to the real activity, in this process.

pub mod approvals;
pub mod emulator;
pub mod engine;
pub mod events;
pub mod fleet;
pub mod paths;
pub mod scenario;

pub use emulator::Emulator;
pub use engine::{LocalRun, RunResult, Status};
pub use events::Event;
pub use scenario::{Fault, Sample, Scenario};
