//! Activities that read AWS Systems Manager.

pub mod resolve_source_ami;
pub mod send_command;
