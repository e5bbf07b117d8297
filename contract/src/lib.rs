//! The contract between tuesday's machines and its activities, and nothing else: the generator
//! (`workflow-gen`) and the Lambda (`activities`) both depend on it and not on each other.
//!
//! - `machines`: each machine's input and the types its states pass between activities;
//! - `activities`: every activity by name (`Activity`), with its input and output;
//! - `errors`: the error names activities raise and machines catch;
//! - `map_run`: what a Distributed Map writes to S3, for the activities that read it;
//! - `notifications`: the kinds of message tuesday publishes.

pub mod activities;
pub mod errors;
pub mod machines;
pub mod map_run;
pub mod notifications;

pub use activities::Activity;
