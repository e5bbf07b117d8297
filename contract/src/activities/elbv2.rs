//! The elbv2 activities' inputs and outputs, one module per activity.

use schemars::JsonSchema;
use serde::Deserialize;

/// Instances and the target groups they leave or join.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Targets {
    pub target_group_arns: Vec<String>,
    pub instance_ids: Vec<String>,
}

/// Deregister instances from every target group, and report how long draining takes: the longest
/// deregistration delay among the groups. Draining protects requests in flight; sticky clients are
/// re-pinned to another target, which is why a cycle drains before it terminates.
pub mod deregister_instances {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::Targets as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Seconds to wait before the instances can go: 0 without target groups.
        pub delay_seconds: u64,
    }
}

/// Register instances with every target group again: the rollback of a deregistration.
pub mod register_instances {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::Targets as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub registered: usize,
    }
}
