//! Activities of the validate machine: the bees' load test (the `bees` crate), no AWS call.

pub mod bee;
pub mod merge_bees;
pub mod plan_attack;
