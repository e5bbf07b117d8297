//! Activities that call Amazon EC2.

pub mod describe_image;
