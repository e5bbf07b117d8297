//! Activities that publish to Amazon SNS.

pub mod publish_message;
