//! Every activity, by name: the Lambda handler, the `${<Name>FunctionArn}` substitution the machines
//! use, and the key `tuesday run` resolves local tasks with. Each activity's input and output live in
//! the module of its service, one module per activity, as the activities crate lays them out.

pub mod autoscaling;
pub mod checks;
pub mod codebuild;
pub mod dynamodb;
pub mod ec2;
pub mod elbv2;
pub mod load;
pub mod sns;
pub mod ssm;

use schemars::Schema;

macro_rules! activities {
    ($($name:ident => $module:path),* $(,)?) => {
        /// One of tuesday's activities. Machines name the activity they invoke by this, and the
        /// activities crate maps every variant to its handler, so neither side can name one the
        /// other lacks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Activity {
            $($name),*
        }

        impl Activity {
            /// Every activity, in name order.
            pub const ALL: &'static [Activity] = &[$(Activity::$name),*];

            /// The activity's name: its Lambda handler and the stem of its function ARN substitution.
            pub fn name(self) -> &'static str {
                match self {
                    $(Activity::$name => stringify!($name)),*
                }
            }

            /// The activity named `name`, if there is one.
            pub fn named(name: &str) -> Option<Activity> {
                Activity::ALL.iter().copied().find(|activity| activity.name() == name)
            }

            /// The JSON Schema of the activity's input.
            pub fn input_schema(self) -> Schema {
                match self {
                    $(Activity::$name => {
                        use $module as activity;
                        schemars::schema_for!(activity::Input)
                    }),*
                }
            }

            /// The JSON Schema of the activity's output.
            pub fn output_schema(self) -> Schema {
                match self {
                    $(Activity::$name => {
                        use $module as activity;
                        schemars::schema_for!(activity::Output)
                    }),*
                }
            }
        }
    };
}

/// Calls `$then! { Name => service::module, ... }` with every activity, in name order: the one list
/// of activities, which the contract's `Activity` and the activities crate's handlers are both
/// built from. Module paths resolve where the macro is called, so each crate's own module answers.
#[macro_export]
macro_rules! for_each_activity {
    ($then:ident) => {
        $then! {
            AnnounceNewAmi => sns::announce_new_ami,
            ApplyImage => ec2::apply_image,
            ApplyRetention => ec2::apply_retention,
            Bee => load::bee,
            CheckCommand => ssm::check_command,
            CheckCommands => ssm::check_commands,
            CheckCycleRequest => checks::check_cycle_request,
            CheckInstance => ec2::check_instance,
            CheckNewInstances => autoscaling::check_new_instances,
            CheckPackerBuild => codebuild::check_packer_build,
            CheckTargets => elbv2::check_targets,
            ClaimPatch => ssm::claim_patch,
            CopyImage => ec2::copy_image,
            CreateImage => ec2::create_image,
            DeregisterInstances => elbv2::deregister_instances,
            DescribeFastLaunch => ec2::describe_fast_launch,
            DescribeGroup => autoscaling::describe_group,
            DescribeImage => ec2::describe_image,
            DescribeInstanceRefresh => autoscaling::describe_instance_refresh,
            EnableFastLaunch => ec2::enable_fast_launch,
            FindGroups => autoscaling::find_groups,
            JudgeWave => checks::judge_wave,
            LatestBakedImages => ec2::latest_baked_images,
            LaunchInstance => ec2::launch_instance,
            LockGroup => dynamodb::lock_group,
            MergeBees => load::merge_bees,
            PlanAttack => load::plan_attack,
            PlanBatch => autoscaling::plan_batch,
            PlanCycle => autoscaling::plan_cycle,
            PlanGroupUpdate => autoscaling::plan_group_update,
            PlanPatch => checks::plan_patch,
            PlanRollback => autoscaling::plan_rollback,
            PlanWave => checks::plan_wave,
            Provision => ssm::provision,
            PublishDigest => sns::publish_digest,
            PublishMessage => sns::publish_message,
            ReadFailure => checks::read_failure,
            ReadLastSeen => ssm::read_last_seen,
            RecordCycle => dynamodb::record_cycle,
            RecordLastSeen => ssm::record_last_seen,
            RecordWave => checks::record_wave,
            RegisterInstances => elbv2::register_instances,
            ReleasePatch => ssm::release_patch,
            RemoveNewInstances => autoscaling::remove_new_instances,
            ResolveSourceAmi => ssm::resolve_source_ami,
            RestoreGroup => autoscaling::restore_group,
            RestoreLaunchTemplate => ec2::restore_launch_template,
            RollbackInstanceRefresh => autoscaling::rollback_instance_refresh,
            ScalingActivities => autoscaling::scaling_activities,
            SendCommand => ssm::send_command,
            SetImageLifecycle => ec2::set_image_lifecycle,
            ShareImage => ec2::share_image,
            StartInstanceRefresh => autoscaling::start_instance_refresh,
            StartPackerBuild => codebuild::start_packer_build,
            SummarizeBake => checks::summarize_bake,
            SummarizeGroups => autoscaling::summarize_groups,
            SurgeGroup => autoscaling::surge_group,
            SuspendProcesses => autoscaling::suspend_processes,
            Sysprep => ssm::sysprep,
            TakeOverLock => dynamodb::take_over_lock,
            TerminateGroupInstances => autoscaling::terminate_instances,
            TerminateInstances => ec2::terminate_instances,
            UnlockGroup => dynamodb::unlock_group,
            ValidateRecipes => checks::validate_recipes,
            VerifyGroup => autoscaling::verify_group,
            WatchGroup => autoscaling::watch_group,
        }
    };
}

for_each_activity!(activities);

/// The activity name in a Lambda task's `FunctionName`: `${ResolveSourceAmiFunctionArn}` (a
/// definition substitution), a function name, or a function ARN → `ResolveSourceAmi`.
pub fn function_stem(function: &str) -> &str {
    function
        .strip_prefix("${")
        .and_then(|s| s.strip_suffix("FunctionArn}"))
        .unwrap_or_else(|| function.rsplit(':').next().unwrap_or(function))
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl AsRef<str> for Activity {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

impl Activity {
    /// The activity a Lambda task's `FunctionName` invokes (see `function_stem`).
    pub fn invoked_by(function: &str) -> Option<Activity> {
        Activity::named(function_stem(function))
    }

    /// Whether running the activity twice leaves the same result as running it once: it reads, or
    /// sets something to a value (a size, a tag, a parameter). Only these are retried after
    /// `Lambda.Unknown` (a timeout or out of memory), when Lambda cannot say whether the call took
    /// effect. Those that make something (an image, an instance, a message, a template version, a
    /// command, a build, a refresh or its rollback, load) or decrement a group run at most as often
    /// as the machine asks.
    pub fn is_idempotent(self) -> bool {
        use Activity::*;
        !matches!(
            self,
            AnnounceNewAmi
                | ApplyImage
                | Bee
                | ClaimPatch
                | CopyImage
                | CreateImage
                | LaunchInstance
                | PublishDigest
                | PublishMessage
                | RollbackInstanceRefresh
                | SendCommand
                | StartInstanceRefresh
                | StartPackerBuild
                | Sysprep
                | TerminateGroupInstances
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_function_names_and_arns_name_their_activity() {
        assert_eq!(Activity::invoked_by("${ResolveSourceAmiFunctionArn}"), Some(Activity::ResolveSourceAmi));
        assert_eq!(
            Activity::invoked_by("arn:aws:lambda:us-east-1:123456789012:function:DescribeImage"),
            Some(Activity::DescribeImage)
        );
        assert_eq!(Activity::invoked_by("${NoSuchFunctionArn}"), None);
        assert_eq!(function_stem("${NoSuchFunctionArn}"), "NoSuch");
    }
}
