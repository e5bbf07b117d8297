//! Each machine's input, and the types its states carry from one activity to the next.

pub mod bake;
pub mod bake_recipe;
pub mod cycle;
pub mod cycle_batch;
pub mod detect;
pub mod patch;
pub mod recover;
pub mod update;
pub mod validate;
