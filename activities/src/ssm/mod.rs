//! Activities that read AWS Systems Manager.

pub mod resolve_source_ami;
