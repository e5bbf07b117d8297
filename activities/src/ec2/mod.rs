//! Activities that call Amazon EC2.

pub mod describe_image;
pub mod restore_launch_template;
