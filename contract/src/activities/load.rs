//! The load activities' inputs and outputs, one module per activity.

/// One bee: attack its share and return its histogram, compressed, and its counts.
pub mod bee {
    pub use crate::machines::validate::BeeResult as Output;

    pub use crate::machines::validate::BeeOrder as Input;
}

/// Merge the bees' histograms and counts, read from the map run's results in S3, into one report,
/// and judge it against the thresholds.
pub mod merge_bees {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::validate::Verdict as Output;

    use crate::machines::validate;
    use crate::map_run;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// The bees' Distributed Map's manifest.
        pub results: map_run::Location,
        pub thresholds: validate::Thresholds,
        /// What the watch branch saw, if a group was watched.
        pub watched: validate::Watched,
    }
}

/// Check a validation's attack and split it across bees (every request and connection kept).
pub mod plan_attack {
    pub use crate::machines::validate::{AttackPlan as Output, Input};
}
