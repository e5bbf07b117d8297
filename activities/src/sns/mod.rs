//! Activities that publish to Amazon SNS.

pub mod announce_new_ami;
pub mod publish_digest;
pub mod publish_message;
