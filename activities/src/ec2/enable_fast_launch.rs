//! Enable EC2 Fast Launch for a baked image: EC2 launches temporary instances to pre-provision the
//! snapshots later launches boot from (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/win-ami-config-fast-launch.html).

use aws_sdk_ec2::types::FastLaunchSnapshotConfigurationRequest;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::enable_fast_launch::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:EnableFastLaunch"];

/// Fewer parallel launches AWS refuses.
const MIN_PARALLEL_LAUNCHES: u32 = 6;

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let fast = &input.fast_launch;
    if fast.max_parallel_launches < MIN_PARALLEL_LAUNCHES {
        return Err(ActivityError::invalid_input(
            "fastLaunch.maxParallelLaunches",
            format!("{}: AWS launches at least {MIN_PARALLEL_LAUNCHES} at once", fast.max_parallel_launches),
        ));
    }
    let snapshots =
        FastLaunchSnapshotConfigurationRequest::builder().target_resource_count(fast.snapshots as i32).build();
    let enabled = clients
        .ec2
        .enable_fast_launch()
        .image_id(&input.image_id)
        .resource_type("snapshot")
        .snapshot_configuration(snapshots)
        .max_parallel_launches(fast.max_parallel_launches as i32)
        .send()
        .await?;
    Ok(Output {
        state: enabled.state().map(|s| s.as_str().to_owned()),
        reason: enabled.state_transition_reason().map(str::to_owned),
    })
}
