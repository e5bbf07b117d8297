//! tuesday's state machines as typed Rust: the ASL model (`asl`), a builder DSL that reads like the
//! design's prose (`dsl`), checks run when a machine is built (`validate`), the machines themselves
//! (`machines`) and the generator that writes `statemachines/` (`generate`).

pub mod asl;
mod diagram;
pub mod dsl;
pub mod example;
pub mod generate;
pub mod machines;
pub mod seam;
pub mod validate;

pub use validate::GraphError;
