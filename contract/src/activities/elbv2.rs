//! The elbv2 activities' inputs and outputs, one module per activity.

use schemars::JsonSchema;
use serde::Deserialize;

/// Instances and the load balancers they leave or join: target groups and Classic Load Balancers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Targets {
    pub target_group_arns: Vec<String>,
    pub load_balancer_names: Vec<String>,
    pub instance_ids: Vec<String>,
}

/// Deregister instances from every target group and Classic Load Balancer, and report how long
/// draining takes: the longest deregistration delay or connection draining timeout among them.
/// Draining protects requests in flight; sticky clients are re-pinned to another target, which is
/// why a cycle drains before it terminates.
pub mod deregister_instances {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::Targets as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Seconds to wait before the instances can go: 0 without load balancers.
        pub delay_seconds: u64,
    }
}

/// Register instances with every target group and Classic Load Balancer again, those not registered
/// there now: the rollback of a deregistration. A target still registered is left as it is, serving.
pub mod register_instances {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::Targets as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub registered: usize,
        /// The soonest they can be healthy: the longest interval × healthy threshold among the load
        /// balancers they were registered with (0 when none was).
        pub healthy_after_seconds: u64,
    }
}

/// Are the instances healthy in every target group and InService in every Classic Load Balancer?
/// What a rollback waits for, once it has registered the old instances again, before it removes the
/// new ones that served meanwhile.
pub mod check_targets {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub use super::Targets as Input;

    #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// Every instance is healthy in every target group.
        pub ready: bool,
        /// Instances not yet serving in some load balancer.
        pub waiting: Vec<String>,
    }
}
