//! The codebuild activities' inputs and outputs, one module per activity.

/// How a Packer build is doing, and, once it succeeded, the AMI it exported as AMI_ID.
pub mod check_packer_build {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::bake_recipe::BuildCheck as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub build_id: String,
    }
}

/// Start the Packer build of one recipe (tools/packer/windows.pkr.hcl through buildspec.yml).
pub mod start_packer_build {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::Recipe;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub recipe: Recipe,
        pub source_image_id: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub build_id: String,
    }
}
