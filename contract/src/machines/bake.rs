//! bake: every recipe's image, one child execution per recipe.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Recipes baked at once.
pub const MAX_CONCURRENT_RECIPES: u32 = 4;
/// The most recipes one bake takes.
pub const MAX_RECIPES: u32 = 40;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    #[schemars(length(min = 1))]
    pub recipes: Vec<Recipe>,
    /// Bake every recipe even if its source has not changed.
    #[serde(default)]
    pub force: bool,
    /// Resolve and compare, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The SNS topic for new-AMI messages.
    pub topic_arn: Option<String>,
}

/// How to make one image of the account's own.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Recipe {
    /// Lower-case letters, digits and dashes: it names the images, tags and parameters.
    pub name: String,
    pub source: Source,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub encryption: Encryption,
    /// Tags for the baked image (besides `tuesday:recipe` and `tuesday:source`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Accounts (12 digits) the image is shared with.
    #[serde(default)]
    pub share_with: Vec<String>,
    /// PowerShell run on the builder, in order (`ssm-build`; `packer` passes them to the template).
    #[serde(default)]
    pub provisioners: Vec<Provisioner>,
    /// Launch the baked image once and wait until its status checks pass.
    pub boot_test: Option<BootTest>,
    /// Baked images kept by retention after a patch: the newest `keep`, and besides them the
    /// rollback target and any image something in the account launches from.
    #[serde(default = "defaults::keep")]
    #[schemars(range(min = 1))]
    pub keep: u32,
    /// Deprecate each baked image this many days after it is made (EnableImageDeprecation).
    #[schemars(range(min = 1, max = 3650))]
    pub deprecate_after_days: Option<u32>,
    /// Protect each baked image from deregistration; retention then leaves it (and says so).
    #[serde(default)]
    pub deregistration_protection: DeregistrationProtection,
    /// EC2 Fast Launch for each baked image: pre-provisioned snapshots that make Windows boot up
    /// to 65% faster. The bake waits until it is enabled; retention disables it first.
    pub fast_launch: Option<FastLaunch>,
    /// Bake even if the source has not changed.
    #[serde(default)]
    pub force: bool,
    /// Where the builder runs (`ssm-build`).
    #[serde(default)]
    pub builder: Builder,
    /// The CodeBuild project that runs Packer (`packer`).
    pub packer: Option<PackerSettings>,
}

/// Exactly one of `parameter` and `imageId`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Source {
    /// An SSM parameter naming the image, such as
    /// `/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base`.
    pub parameter: Option<String>,
    /// An image id, such as `ami-0123456789abcdef0`.
    pub image_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// CopyImage into the account, encrypted and tagged.
    #[default]
    Copy,
    /// A builder instance customised over SSM, sysprepped, imaged, terminated.
    SsmBuild,
    /// A CodeBuild build running Packer (`tools/packer/windows.pkr.hcl`).
    Packer,
}

/// How EC2 Fast Launch pre-provisions a baked image
/// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableFastLaunch.html).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FastLaunch {
    /// Pre-provisioned snapshots kept on hand: about the launches expected per hour.
    #[serde(default = "defaults::fast_launch_snapshots")]
    #[schemars(range(min = 1))]
    pub snapshots: u32,
    /// Instances EC2 launches at once to make them (AWS: 6 or more).
    #[serde(default = "defaults::fast_launch_parallel")]
    #[schemars(range(min = 6))]
    pub max_parallel_launches: u32,
}

/// EnableImageDeregistrationProtection on each baked image, or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeregistrationProtection {
    #[default]
    Off,
    /// Protected until someone disables the protection.
    On,
    /// Protected, and for 24 hours more after someone disables the protection.
    OnWithCooldown,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Encryption {
    #[serde(default = "defaults::yes")]
    pub encrypted: bool,
    /// The KMS key for the copy's snapshots; AWS's default EBS key when absent.
    pub kms_key_id: Option<String>,
}

impl Default for Encryption {
    fn default() -> Self {
        Encryption { encrypted: true, kms_key_id: None }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Provisioner {
    pub name: String,
    /// PowerShell lines.
    #[schemars(length(min = 1))]
    pub powershell: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BootTest {
    #[serde(default = "defaults::instance_type")]
    pub instance_type: String,
    pub subnet_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Builder {
    #[serde(default = "defaults::instance_type")]
    pub instance_type: String,
    pub subnet_id: Option<String>,
    /// An instance profile that lets SSM manage the builder.
    pub instance_profile: Option<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            instance_type: defaults::instance_type(),
            subnet_id: None,
            instance_profile: None,
            security_group_ids: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PackerSettings {
    pub project_name: String,
}

pub mod defaults {
    pub fn keep() -> u32 {
        3
    }
    pub fn yes() -> bool {
        true
    }
    pub fn instance_type() -> String {
        "t3.large".into()
    }
    pub fn fast_launch_snapshots() -> u32 {
        5
    }
    pub fn fast_launch_parallel() -> u32 {
        6
    }
}

/// One recipe, checked, with what its bake needs: the input of `bake_recipe`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecipeJob {
    pub recipe: Recipe,
    pub force: bool,
    pub dry_run: bool,
    pub topic_arn: Option<String>,
    /// The account's own SSM parameter holding the last source AMI baked.
    pub last_seen_parameter: String,
}

/// The checked recipes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Jobs {
    pub jobs: Vec<RecipeJob>,
}

/// What a bake did, recipe by recipe. Each entry has `recipe` and `status`, and the reason of a
/// failure or a skip.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub baked: Vec<serde_json::Value>,
    pub skipped: Vec<serde_json::Value>,
    pub planned: Vec<serde_json::Value>,
    pub failed: Vec<serde_json::Value>,
}

/// The message published when a new AMI is baked (`schemas/new-ami.message.schema.json`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewAmiMessage {
    pub recipe: String,
    pub image_id: String,
    pub source_image_id: String,
    pub region: String,
    pub mode: Mode,
    /// RFC 3339.
    pub time: String,
}
