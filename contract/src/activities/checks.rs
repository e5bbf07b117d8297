//! The checks activities' inputs and outputs, one module per activity.

/// Check a cycle's request before anything happens (the lock included), naming the field that is wrong.
pub mod check_cycle_request {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use crate::machines::cycle::Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub checked: bool,
    }
}

/// A wave stands if its groups were patched or had nothing to do, but for the failures it tolerates.
pub mod judge_wave {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    use crate::machines::patch::Share;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// The update's per-group results it lists (every group's, or those that need a person).
        pub groups: Vec<Value>,
        /// How many groups ended in each status, of all the update's groups.
        pub counts: std::collections::BTreeMap<String, u32>,
        /// The wave's `toleratedFailures`: none, if any group failing fails the wave.
        pub tolerated: Option<Share>,
    }

    /// A wave that stands.
    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub groups: u32,
        /// Groups neither patched nor skipped: at most `tolerated`.
        pub unpatched: u32,
        /// How many groups the wave could have lost and stood.
        pub tolerated: u32,
    }
}

/// Check a whole patch before anything happens (recipes, waves, their load tests), naming the field
/// that is wrong, and work out how long to wait for AWS's newer images.
pub mod plan_patch {
    pub use crate::machines::patch::{Input, PatchPlan as Output};
}

/// The next wave: its image (the newest baked for its recipe), the update's input and its load test.
pub mod plan_wave {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::patch::WavePlan as Output;

    use crate::machines::patch::PatchPlan;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub plan: PatchPlan,
        pub index: u32,
        pub images: Images,
    }

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Images {
        pub by_recipe: BTreeMap<String, String>,
    }
}

/// Append a wave's result to the run's progress.
pub mod record_wave {
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::Value;

    pub use crate::machines::patch::Progress as Output;

    use crate::machines::patch::Progress;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub progress: Progress,
        /// The wave as the machine has it: name, status, image, the update's output, the load test,
        /// the error.
        pub result: Value,
    }
}

/// What a failed child execution (or any caught failure) was, in words, whatever its shape: a child
/// that failed, was aborted or timed out, or a cause that is not JSON at all.
pub mod read_failure {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// What a Catch wrote (`{ "Error": ..., "Cause": ... }`).
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "PascalCase")]
    pub struct Input {
        pub error: String,
        pub cause: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// The error that ended the child, or the caught one.
        pub error: String,
        pub reason: String,
    }
}

/// Sort a bake's per-recipe results into baked, skipped, planned and failed.
pub mod summarize_bake {
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::Value;

    pub use crate::machines::bake::Report as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub results: Vec<Value>,
    }
}

/// Check every recipe of a bake before any AWS call, naming the field that is wrong
/// (`recipes[1].source.parameter`), and prepare what each recipe's bake needs.
pub mod validate_recipes {
    pub use crate::machines::bake::{Input, Jobs as Output};
}
