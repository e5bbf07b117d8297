//! Activities that call AWS CodeBuild, which runs Packer for recipes in `packer` mode.

pub mod check_packer_build;
pub mod start_packer_build;
