//! The `tuesday` command's library: the local stack that runs tuesday's machines with no AWS
//! account, shared by the command and the end-to-end tests.

pub mod demo;
pub mod exit;
pub mod local;
pub mod plan;
