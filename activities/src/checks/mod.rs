//! Activities that call no AWS API: they check input and keep a run's books.

pub mod check_cycle_request;
pub mod judge_wave;
mod patch_targets;
pub mod plan_patch;
pub mod plan_wave;
pub mod read_failure;
pub mod record_wave;
pub mod summarize_bake;
pub mod validate_recipes;
mod wave_groups;
