//! Every activity's handler. The activities and their contracts are `contract::Activity`'s; the match
//! below is exhaustive, so an activity the machines can name but nothing handles does not compile.

use contract::Activity;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{autoscaling, checks, codebuild, ec2, elbv2, load, sns, ssm, ActivityError, Clients};

macro_rules! handlers {
    ($($name:ident => $module:path),* $(,)?) => {
        /// Runs `activity` on a JSON payload.
        pub async fn invoke(clients: &Clients, activity: Activity, payload: Value) -> Result<Value, ActivityError> {
            match activity {
                $(Activity::$name => {
                    use $module as handler;
                    respond(handler::handle(clients, parse(payload)?).await?)
                })*
            }
        }
    };
}

handlers! {
    AnnounceNewAmi => sns::announce_new_ami,
    ApplyImage => ec2::apply_image,
    ApplyRetention => ec2::apply_retention,
    Bee => load::bee,
    CheckCommand => ssm::check_command,
    CheckInstance => ec2::check_instance,
    CheckNewInstances => autoscaling::check_new_instances,
    CheckPackerBuild => codebuild::check_packer_build,
    ClaimPatch => ssm::claim_patch,
    CopyImage => ec2::copy_image,
    CreateImage => ec2::create_image,
    DeregisterInstances => elbv2::deregister_instances,
    DescribeGroup => autoscaling::describe_group,
    DescribeImage => ec2::describe_image,
    DescribeInstanceRefresh => autoscaling::describe_instance_refresh,
    FindGroups => autoscaling::find_groups,
    JudgeWave => checks::judge_wave,
    LatestBakedImages => ec2::latest_baked_images,
    LaunchInstance => ec2::launch_instance,
    LockGroup => autoscaling::lock_group,
    MergeBees => load::merge_bees,
    PlanAttack => load::plan_attack,
    PlanCycle => autoscaling::plan_cycle,
    PlanGroupUpdate => autoscaling::plan_group_update,
    PlanPatch => checks::plan_patch,
    PlanWave => checks::plan_wave,
    PublishDigest => sns::publish_digest,
    PublishMessage => sns::publish_message,
    ReadLastSeen => ssm::read_last_seen,
    RecordLastSeen => ssm::record_last_seen,
    RecordWave => checks::record_wave,
    RegisterInstances => elbv2::register_instances,
    ReleasePatch => ssm::release_patch,
    RemoveNewInstances => autoscaling::remove_new_instances,
    ResolveSourceAmi => ssm::resolve_source_ami,
    RestoreGroup => autoscaling::restore_group,
    RestoreLaunchTemplate => ec2::restore_launch_template,
    SendCommand => ssm::send_command,
    ShareImage => ec2::share_image,
    StartInstanceRefresh => autoscaling::start_instance_refresh,
    StartPackerBuild => codebuild::start_packer_build,
    SummarizeBake => checks::summarize_bake,
    SurgeGroup => autoscaling::surge_group,
    SuspendProcesses => autoscaling::suspend_processes,
    Sysprep => ssm::sysprep,
    TerminateGroupInstances => autoscaling::terminate_instances,
    TerminateInstances => ec2::terminate_instances,
    UnlockGroup => autoscaling::unlock_group,
    ValidateRecipes => checks::validate_recipes,
    VerifyGroup => autoscaling::verify_group,
}

/// Runs the activity named `name` (a Lambda handler, a function ARN substitution's stem).
pub async fn invoke_named(clients: &Clients, name: &str, payload: Value) -> Result<Value, ActivityError> {
    let activity =
        Activity::named(name).ok_or_else(|| ActivityError::not_found(format!("no activity named '{name}'")))?;
    invoke(clients, activity, payload).await
}

/// Deserialises an input, naming the field that is wrong.
pub fn parse<I: DeserializeOwned>(payload: Value) -> Result<I, ActivityError> {
    serde_path_to_error::deserialize(payload).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "input".to_owned() } else { path };
        ActivityError::invalid_input(&field, error.into_inner())
    })
}

fn respond<O: Serialize>(output: O) -> Result<Value, ActivityError> {
    serde_json::to_value(output).map_err(|error| ActivityError::new(crate::errors::AWS, error))
}
