//! Activities that call EC2 Auto Scaling.

pub mod describe_group;
