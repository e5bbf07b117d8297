//! Activities that read AWS Systems Manager.

pub mod check_command;
pub mod read_last_seen;
pub mod record_last_seen;
pub mod resolve_source_ami;
pub mod send_command;
pub mod sysprep;
