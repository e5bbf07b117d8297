//! The autoscaling activities' inputs and outputs, one module per activity.

/// Are the new instances ready? Each must run the new image, be InService and Healthy in the group,
/// healthy in every target group and InService in every Classic Load Balancer the group serves.
pub mod check_new_instances {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Health as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        /// The instances the group held before the surge: any other is new.
        pub present: Vec<String>,
        /// How many new instances the surge asked for, and how many old ones they replace.
        pub expected: u32,
        /// The desired capacity the surge set: less now means a scale-in during the wait.
        pub desired_capacity: i32,
        pub target_group_arns: Vec<String>,
        pub load_balancer_names: Vec<String>,
        /// The AMI new instances must run: one that runs another is not new.
        pub image_id: String,
        /// `present` per Availability Zone: where Auto Scaling's balancing puts the new ones.
        pub per_zone: std::collections::BTreeMap<String, u32>,
        /// The old instances still to replace, which the replaced ones are picked from.
        pub remaining: Vec<String>,
    }
}

/// Plan the next batch of a cycle, reading only: what the group holds now, and what the batch adds.
pub mod plan_batch {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Batch as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        /// The plan's old instances.
        pub old_instances: Vec<String>,
        /// The plan's surge: the most instances a batch adds.
        pub surge: i32,
    }
}

/// Plan the rolling back of the batches a failed cycle had finished: their instances are the old
/// ones, and the image the launch template gives once put back the new (`upToDate` when none).
pub mod plan_rollback {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Plan as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// The failed cycle's plan.
        pub plan: crate::machines::cycle::Plan,
    }
}

/// Describe one Auto Scaling group: its sizes and every instance's zone, lifecycle and health.
pub mod describe_group {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub group_name: String,
        pub min_size: i32,
        pub max_size: i32,
        pub desired_capacity: i32,
        pub instances: Vec<Instance>,
        /// Instances both InService and Healthy: the capacity that serves traffic.
        pub in_service: usize,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Instance {
        pub instance_id: String,
        pub availability_zone: String,
        pub lifecycle_state: String,
        pub health_status: String,
        pub protected_from_scale_in: bool,
    }
}

/// How an instance refresh is going.
pub mod describe_instance_refresh {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Refresh as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub instance_refresh_id: String,
    }
}

/// Find the groups an update targets: those tagged `tuesday:image=<recipe>`, and those named.
/// Every field of the update's input is checked here, before anything changes.
pub mod find_groups {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub use crate::machines::update::Targets as Output;

    #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// The update's input.
        pub update: crate::machines::update::Input,
        /// Where to write the groups' requests.
        pub requests_at: crate::map_run::Location,
    }
}

/// Every group's result of an update, read from its Distributed Map's results in S3.
pub mod summarize_groups {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    pub use crate::machines::update::Summary as Output;

    #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        /// The update's Distributed Map's manifest.
        pub results: crate::map_run::Location,
    }
}

/// Plan a cycle, reading only: the snapshot of every setting the cycle touches, the old instances,
/// the surge, the AMI every instance should run afterwards, and what blocks the cycle.
pub mod plan_cycle {
    pub use crate::machines::cycle::{Input, Plan as Output};
}

/// Plan the update of one group, reading only: how it references its launch template (or its legacy
/// launch configuration), which image that gives today, and what the update has to do.
pub mod plan_group_update {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::update::GroupPlan as Output;

    use crate::machines::update::GroupRequest;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub request: GroupRequest,
        /// The lock table: a group being cycled is not updated under its cycle.
        pub lock_table: String,
    }
}

/// Roll back a surge: terminate the instances that are not old ones, decrementing desired, but never
/// so many that the group holds fewer than it started with (a scale-in during the cycle may have
/// taken old ones): the surplus goes, unhealthy and newest first.
pub mod remove_new_instances {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub old_instances: Vec<String>,
        /// Instances the cycle leaves as they are: never new, never removed.
        pub left_alone: Vec<String>,
        /// The group's desired capacity when the cycle started: the fewest instances it keeps.
        pub keep_at_least: i32,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub removed: Vec<String>,
        /// New instances kept, to hold the group at its starting size.
        pub kept: Vec<String>,
    }
}

/// Put back what the cycle changed, relative to what is there now: MaxSize, unless someone else
/// changed it meanwhile; the desired capacity as now, less what the cycle added and did not remove,
/// never below the start; the processes the cycle suspended. What someone else changed is kept, and
/// said.
pub mod restore_group {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::cycle::Snapshot;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub snapshot: Snapshot,
        /// The MaxSize the cycle set: any other value now is someone else's.
        pub max_size_during: i32,
        /// The desired capacity the cycle's own steps leave (the plan's `desiredAfter` once the old
        /// instances are terminated; the start after a rollback): any difference is someone else's.
        pub expected_desired: i32,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub resumed: Vec<String>,
        pub max_size: i32,
        pub desired_capacity: i32,
        /// Changes made by someone else during the cycle, kept as they are.
        pub kept: Vec<String>,
    }
}

/// Start EC2 Auto Scaling's own instance refresh: never below the desired capacity (MinHealthy 100,
/// MaxHealthy 200), instances already on the template skipped, rolled back by AWS if it fails.
pub mod start_instance_refresh {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Refresh as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub warm_up_seconds: u64,
        /// The desired configuration: this numbered version of this launch template.
        pub launch_template_id: String,
        pub version: String,
        /// Percentages of the instances replaced at which the refresh pauses, each for the delay.
        pub checkpoints: Vec<u32>,
        pub checkpoint_delay_seconds: u64,
        /// CloudWatch alarms whose ALARM fails the refresh.
        pub alarms: Vec<String>,
    }
}

/// Ask EC2 Auto Scaling to stop an instance refresh and put back every instance it replaced.
pub mod rollback_instance_refresh {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::cycle::Refresh as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
    }
}

/// Surge: raise MaxSize if the surge needs it, and the desired capacity, in one update.
pub mod surge_group {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub desired_capacity: i32,
        pub max_size: i32,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub desired_capacity: i32,
    }
}

/// Suspend the processes that could undo a cycle: AZ rebalancing, alarms and scheduled actions.
pub mod suspend_processes {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub suspended: Vec<String>,
    }
}

/// Terminate exactly the given instances, decrementing the desired capacity, so Auto Scaling neither
/// replaces them nor picks others by its termination policy.
pub mod terminate_instances {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub instance_ids: Vec<String>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub terminated: Vec<String>,
    }
}

/// Verify a cycle: the group is back to its size and every InService instance runs the new image.
pub mod verify_group {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub group_name: String,
        pub image_id: String,
        pub desired_capacity: i32,
        /// Instances the cycle left on their image, on purpose.
        pub left_alone: Vec<String>,
        /// When the verification began by the execution's clock (`$$.State.EnteredTime`, RFC 3339):
        /// the machine's time, not the function's, so a cycle's length is told as the execution ran it.
        pub at: String,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub instances: usize,
        pub image_id: String,
        /// When the cycle was verified (RFC 3339): `at`.
        pub finished_at: String,
    }
}

/// Take one look at a group under watch during a load test: its desired capacity and the instances
/// serving, appended to what the watch has seen.
pub mod watch_group {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::validate::Watch as Output;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub watch: crate::machines::validate::Watch,
        /// When this look is taken (the state's entered time).
        pub at: String,
    }
}

/// Read what Auto Scaling did to a watched group since the watch began: its scaling activities.
pub mod scaling_activities {
    pub use crate::machines::validate::Watch as Input;
    pub use crate::machines::validate::Watch as Output;
}
