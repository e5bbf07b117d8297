//! The ssm activities' inputs and outputs, one module per activity.

/// How an SSM command is doing on one instance.
pub mod check_command {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::bake_recipe::CommandCheck as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// Null when there was nothing to run: reported as a success.
        pub command_id: Option<String>,
        pub instance_id: String,
    }
}

/// Claim the patch for this execution: create the claim parameter, which fails if another patch holds
/// it. A claim past its time was left by a patch that was stopped, and is taken over.
pub mod claim_patch {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::patch::Claim as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub parameter: String,
        pub execution: String,
        /// How long the claim holds (the longest the patch could run).
        pub seconds: u64,
    }
}

/// Read the last source AMI a recipe baked, from the account's own SSM parameter.
pub mod read_last_seen {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub parameter: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Null before the first bake.
        pub source_image_id: Option<String>,
    }
}

/// Record the source AMI a recipe just baked, so the next bake of the same source is skipped.
pub mod record_last_seen {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub parameter: String,
        pub source_image_id: String,
        /// The image baked from it, for the parameter's description.
        pub image_id: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub version: i64,
    }
}

/// Let go of the patch's claim: delete the claim parameter if this execution holds it.
pub mod release_patch {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub parameter: String,
        pub execution: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub released: bool,
    }
}

/// Resolve a source image: the AMI a public parameter names today (or an AMI given by id), with its
/// name, creation date and deprecation time.
pub mod resolve_source_ami {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub use crate::machines::bake::Source;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub source: Source,
    }

    /// Every field is always present (null when unknown), so a machine can select any of them.
    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub image_id: String,
        pub name: Option<String>,
        pub creation_date: Option<String>,
        pub deprecation_time: Option<String>,
        /// The parameter the image was resolved from, and the version read.
        pub parameter: Option<String>,
        pub parameter_version: Option<i64>,
    }
}

/// Run PowerShell on instances over SSM (AWS-RunPowerShellScript), in commands of at most 50
/// instances each (all SendCommand takes); without commands, do nothing.
pub mod send_command {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub instance_ids: Vec<String>,
        pub commands: Vec<String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub sent: Vec<Sent>,
    }

    /// One command, and the instances it runs on.
    #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Sent {
        pub command_id: String,
        pub instance_ids: Vec<String>,
    }
}

/// How commands are doing on every instance they run on: done when each has ended, and which
/// ended otherwise than in success.
pub mod check_commands {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub use super::send_command::Sent;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub sent: Vec<Sent>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Every invocation has ended.
        pub done: bool,
        /// Invocations still running.
        pub running: usize,
        /// `<instance>: <status>` for each that ended in anything but success.
        pub failed: Vec<String>,
    }
}

/// Run a recipe's provisioners on its builder over SSM: the hostname fix every baked image gets
/// (provisioners/keep-hostname.ps1), then each provisioner's PowerShell, in order.
pub mod provision {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub command_id: Option<String>,
    }

    use crate::machines::bake::Provisioner;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub instance_id: String,
        pub provisioners: Vec<Provisioner>,
    }
}

/// Sysprep the builder with its launch agent and shut it down (provisioners/sysprep.ps1). The command
/// ends with the instance, so the machine waits for the instance to stop, not for the command.
pub mod sysprep {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub instance_id: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub command_id: Option<String>,
    }
}
