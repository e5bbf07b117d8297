//! The ec2 activities' inputs and outputs, one module per activity.

/// Make a new image effective for one group: a new launch template version from the current one with
/// the new ImageId, made the default (for `$Default`) or referenced by the group (for a pinned
/// version); for a legacy launch configuration, a copy with the new image swapped in. Returns how to
/// put back what was effective before.
pub mod apply_image {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::update::Applied as Output;

    use crate::machines::update::GroupPlan;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub plan: GroupPlan,
    }
}

/// Retention after a patch, for every recipe at once (the account is read once): keep the newest
/// `keep` images, the rollback target (the one before the newest), any image a group, a launch
/// configuration or a template's default or latest version launches from, and any image shared with
/// an account still in `shareWith`; leave protected images; deregister the rest and delete the
/// snapshots tuesday made for them.
pub mod apply_retention {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::Recipe;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub recipes: Vec<Recipe>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub recipes: Vec<RecipeRetention>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct RecipeRetention {
        pub recipe: String,
        pub kept: Vec<KeptImage>,
        /// Images retention would have deregistered, left because they are protected.
        pub protected: Vec<String>,
        /// Deregistered images whose EC2 Fast Launch was disabled first.
        pub fast_launch_disabled: Vec<String>,
        pub deregistered: Vec<String>,
        pub deleted_snapshots: Vec<String>,
        /// Snapshots of deregistered images without the recipe's tag (made before tuesday tagged
        /// them, or by someone else): left for a person to judge.
        pub snapshots_left: Vec<String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct KeptImage {
        pub image_id: String,
        /// Why, such as "launched by group web (version 4 of lt-0abc)".
        pub because: String,
    }
}

/// EC2 Fast Launch for a baked image: how it is now (`enabling`, `enabled`, `enabling-failed`, ...;
/// none when it is not enabled).
pub mod describe_fast_launch {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub state: Option<String>,
        pub reason: Option<String>,
    }
}

/// Enable EC2 Fast Launch for a baked image: EC2 then pre-provisions its snapshots.
pub mod enable_fast_launch {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use super::describe_fast_launch::Output;

    use crate::machines::bake::FastLaunch;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
        pub fast_launch: FastLaunch,
    }
}

/// How one instance is doing: its state, and whether both status checks passed.
pub mod check_instance {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::bake_recipe::InstanceCheck as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub instance_id: String,
    }
}

/// Copy a source AMI into the account: encrypted (with the recipe's KMS key, if any) and tagged with
/// the recipe and the source, so retention and the next bake can find it.
pub mod copy_image {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::Encryption;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub recipe: String,
        pub source_image_id: String,
        pub source_name: Option<String>,
        pub encryption: Encryption,
        pub tags: BTreeMap<String, String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub image_id: String,
    }
}

/// Image a stopped builder, tagged with the recipe and the source.
pub mod create_image {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub recipe: String,
        pub instance_id: String,
        pub source_image_id: String,
        pub source_name: Option<String>,
        pub tags: BTreeMap<String, String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub image_id: String,
    }
}

/// Describe one image: its state, for polls that wait until a copy or a build is available.
pub mod describe_image {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub image_id: String,
        /// `pending`, `available`, `failed`, ...
        pub state: String,
        pub name: Option<String>,
    }
}

/// The newest image the account baked for each recipe (baked now, or by an earlier run).
pub mod latest_baked_images {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::Recipe;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub recipes: Vec<Recipe>,
        /// What this run's bake baked (`{ "recipe", "imageId" }` each): a recipe's image baked now is
        /// its newest, whatever else has the same creation time (EC2 gives it to the second).
        #[serde(default)]
        pub baked: Vec<serde_json::Value>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Recipe name to image id; a recipe never baked is absent.
        pub by_recipe: BTreeMap<String, String>,
    }
}

/// Launch one instance for a bake: the builder of an `ssm-build` recipe, or a boot test of a baked
/// image. Tagged with the recipe and its purpose, so a forgotten one is easy to find.
pub mod launch_instance {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
        pub instance_type: String,
        pub subnet_id: Option<String>,
        #[serde(default)]
        pub instance_profile: Option<String>,
        #[serde(default)]
        pub security_group_ids: Vec<String>,
        pub recipe: String,
        /// `builder` or `boot-test`.
        pub purpose: String,
        /// The builder's volumes are encrypted as the recipe's image must be: an image of the
        /// builder has its volumes' encryption.
        #[serde(default)]
        pub encryption: Option<crate::machines::bake::Encryption>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub instance_id: String,
    }
}

/// Put back what was effective before an update: the template's default version, the version the
/// group itself referenced, or the group's legacy launch configuration.
pub mod restore_launch_template {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::cycle::Rollback;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        /// Nothing to put back when the cycle was not started by an update.
        pub rollback: Option<Rollback>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// The version or launch configuration put back, if any.
        pub restored: Option<String>,
    }
}

/// A baked image's lifecycle as its recipe asks: deprecated some days after it is baked, protected
/// from deregistration; neither, and nothing is called.
pub mod set_image_lifecycle {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::DeregistrationProtection;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
        pub deprecate_after_days: Option<u32>,
        pub deregistration_protection: DeregistrationProtection,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// RFC 3339, when the image is deprecated.
        pub deprecation_time: Option<String>,
        pub deregistration_protection: DeregistrationProtection,
    }
}

/// Share a baked image with other accounts (launch permission); without accounts, do nothing.
pub mod share_image {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub image_id: String,
        pub accounts: Vec<String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub shared_with: Vec<String>,
    }
}

/// Terminate stand-alone instances (a builder, a boot test); gone ones are not an error.
pub mod terminate_instances {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub instance_ids: Vec<String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub terminated: Vec<String>,
    }
}
