//! Activities that call Amazon EC2.

pub mod apply_image;
pub mod describe_image;
pub mod restore_launch_template;
