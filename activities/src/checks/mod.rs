//! Activities that call no AWS API: they check input before anything changes.

pub mod summarize_bake;
pub mod validate_recipes;
