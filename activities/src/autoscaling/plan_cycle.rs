//! Plan a cycle, reading only: the snapshot of every setting the cycle touches, the old instances,
//! the surge, the AMI every instance should run afterwards, and what blocks the cycle.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::{AutoScalingGroup, Instance, LifecycleState};
use contract::machines::cycle::{
    Plan, ProtectedInstances, RefreshPlan, Rollback, Snapshot, StandbyInstances, Strategy, COMMAND_POLL_SECONDS,
    MAX_COMMAND_CHECKS, MAX_HEALTH_CHECKS, MAX_REFRESH_CHECKS,
};

use super::{describe, launch_source, require_group_name, require_topic_arn, LaunchSource};
use crate::elbv2::classic;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::plan_cycle::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeLifecycleHooks",
    "autoscaling:DescribeWarmPool",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Plan, ActivityError> {
    validate(&input)?;
    let group = describe(clients, &input.group_name).await?;
    let source = launch_source(clients, &group).await?;
    let mut warnings = source_warnings(&group, &source);
    let mut blockers = Vec::new();
    let (refresh, image_id) = match input.strategy {
        Strategy::Surge => (None, source.image_id().to_owned()),
        Strategy::InstanceRefresh => match refresh_plan(clients, &group, &source, &input, &mut warnings).await? {
            Ok((refresh, image_id)) => (Some(refresh), image_id),
            Err(blocker) => {
                blockers.push(blocker);
                (None, source.image_id().to_owned())
            }
        },
    };
    let mut standby_to_terminate = Vec::new();
    for instance in group.instances().iter().filter(|i| i.lifecycle_state() == Some(&LifecycleState::Standby)) {
        let id = instance.instance_id().unwrap_or_default();
        match input.standby_instances {
            StandbyInstances::Block => blockers.push(format!(
                "instance {id} is in Standby: someone took it out of service (standbyInstances: terminate or ignore)"
            )),
            StandbyInstances::Terminate => standby_to_terminate.push(id.to_owned()),
            StandbyInstances::Ignore => warnings.push(format!("instance {id} is in Standby: left as it is")),
        }
    }
    // An instance on its way out (a scale-in, an earlier rollback) or in Standby is not capacity;
    // one protected from scale-in is old unless the input leaves it alone.
    let staying = staying(&group);
    let mut left_alone = Vec::new();
    for instance in staying.iter().filter(|i| i.protected_from_scale_in() == Some(true)) {
        let id = instance.instance_id().unwrap_or_default();
        match input.protected_instances {
            ProtectedInstances::Block => blockers.push(format!(
                "instance {id} is protected from scale-in: someone wants it kept (protectedInstances: replace or ignore)"
            )),
            ProtectedInstances::Ignore => {
                warnings.push(format!("instance {id} is protected from scale-in: left on its image"));
                left_alone.push(id.to_owned());
            }
            ProtectedInstances::Replace => {}
        }
    }
    let old: Vec<_> =
        staying.iter().copied().filter(|i| !left_alone.iter().any(|id| i.instance_id() == Some(id))).collect();
    let old_instances: Vec<String> = old.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let running = running_images(clients, &old_instances).await?;
    let up_to_date = running.iter().all(|(_, image)| *image == image_id);
    // A cycle with nothing to replace ends before it terminates anything.
    if up_to_date {
        warnings.extend(
            standby_to_terminate
                .drain(..)
                .map(|id| format!("instance {id} is in Standby: left, since no instance in service needs replacing")),
        );
    }
    warnings.extend(
        standby_to_terminate
            .iter()
            .map(|id| format!("instance {id} is in Standby: terminated once the others are replaced")),
    );
    let old_per_zone = per_zone(old.iter().copied());

    blockers.extend(stale_warm_pool(clients, &input.group_name, &image_id).await?);
    let serving = ServingThrough::of(&group);
    blockers.extend(serving.unchecked.iter().map(|source| {
        format!(
            "traffic source {source} cannot be checked: nothing would show that new instances serve before old ones go"
        )
    }));

    let desired = group.desired_capacity().unwrap_or_default();
    let max_size = group.max_size().unwrap_or_default();
    // Each batch adds the surge and replaces as many old instances; the last takes what is left.
    let old = i32::try_from(old_instances.len()).unwrap_or(i32::MAX);
    let surge = contract::machines::cycle::surge_of(desired, old_instances.len(), input.surge_percent);
    let peak_capacity = desired + surge;
    // A launch hook holds a new instance in Pending:Wait while its own work runs: waited for on top
    // of the healthy timeout, and polled no more often than fits the checks a history can hold.
    let launch_hook_seconds = launch_hook_seconds(clients, &input.group_name).await?;
    let waited = input.healthy_timeout_seconds + launch_hook_seconds + checkpoint_pauses(&input);
    let most_checks = u64::from(match input.strategy {
        Strategy::Surge => MAX_HEALTH_CHECKS,
        Strategy::InstanceRefresh => MAX_REFRESH_CHECKS,
    });
    let poll_seconds =
        input.poll_seconds.max(load_balancer_interval(clients, &serving).await?).max(waited.div_ceil(most_checks));
    let max_checks = waited.div_ceil(poll_seconds).clamp(1, most_checks) as u32;
    Ok(Plan {
        started_at: super::now(),
        group_name: input.group_name,
        strategy: input.strategy,
        refresh,
        dry_run: input.dry_run,
        image_id,
        snapshot: Snapshot {
            min_size: group.min_size().unwrap_or_default(),
            max_size,
            desired_capacity: desired,
            suspended_processes: group
                .suspended_processes()
                .iter()
                .filter_map(|p| p.process_name().map(str::to_owned))
                .collect(),
            termination_policies: group.termination_policies().to_vec(),
        },
        old_instances,
        left_alone,
        standby_to_terminate,
        old_per_zone,
        surge,
        batches: u32::try_from(old).unwrap_or(0).div_ceil(u32::try_from(surge).unwrap_or(1)),
        peak_capacity,
        max_size_during: max_size.max(peak_capacity),
        desired_after: desired,
        target_group_arns: serving.target_groups,
        load_balancer_names: serving.classic,
        up_to_date,
        blockers,
        warnings,
        warm_up_seconds: input.warm_up_seconds,
        poll_seconds,
        healthy_timeout_seconds: input.healthy_timeout_seconds,
        launch_hook_seconds,
        max_checks,
        pre_termination_command: input.pre_termination_command,
        pre_termination_timeout_seconds: input.pre_termination_timeout_seconds,
        command_checks: command_checks(input.pre_termination_timeout_seconds),
        readiness_command: input.readiness_command,
        readiness_timeout_seconds: input.readiness_timeout_seconds,
        readiness_checks: command_checks(input.readiness_timeout_seconds),
        rollback: input.rollback,
        topic_arn: input.topic_arn,
    })
}

/// How long an instance refresh's checkpoints pause it in all: every one but the last, at 100%.
fn checkpoint_pauses(input: &Input) -> u64 {
    match input.strategy {
        Strategy::InstanceRefresh => {
            input.checkpoints.iter().filter(|p| **p < 100).count() as u64 * input.checkpoint_delay_seconds
        }
        Strategy::Surge => 0,
    }
}

/// Checks of a command before giving up after `timeout_seconds`, at most `MAX_COMMAND_CHECKS`.
fn command_checks(timeout_seconds: u64) -> u32 {
    timeout_seconds.div_ceil(COMMAND_POLL_SECONDS).clamp(1, u64::from(MAX_COMMAND_CHECKS)) as u32
}

/// The group's instances that hold capacity: not on their way out, nor in Standby (which the
/// desired capacity does not count).
pub(crate) fn staying(group: &AutoScalingGroup) -> Vec<&Instance> {
    let standby = |i: &Instance| i.lifecycle_state() == Some(&LifecycleState::Standby);
    group.instances().iter().filter(|i| !leaving(i) && !standby(i)).collect()
}

/// How many of the instances are in each Availability Zone.
pub(crate) fn per_zone<'a>(instances: impl IntoIterator<Item = &'a Instance>) -> BTreeMap<String, u32> {
    let mut zones = BTreeMap::new();
    for instance in instances {
        *zones.entry(instance.availability_zone().unwrap_or_default().to_owned()).or_insert(0) += 1;
    }
    zones
}

/// An instance on its way out of the group (terminating, detaching): neither capacity nor old.
fn leaving(instance: &Instance) -> bool {
    use LifecycleState::*;
    instance.lifecycle_state().is_some_and(|state| {
        matches!(state, Terminating | TerminatingWait | TerminatingProceed | Terminated | Detaching | Detached)
    })
}

pub(crate) fn validate(input: &Input) -> Result<(), ActivityError> {
    require_group_name(&input.group_name)?;
    match input.strategy {
        Strategy::InstanceRefresh if input.rollback.is_some() => {
            return Err(ActivityError::invalid_input(
                "rollback",
                "is for strategy surge: AWS rolls an instance refresh back itself (refreshTo names the version)",
            ));
        }
        Strategy::Surge => {
            let refresh_only = [
                ("refreshTo", input.refresh_to.is_some()),
                ("checkpoints", !input.checkpoints.is_empty()),
                ("alarms", !input.alarms.is_empty()),
            ];
            if let Some((field, _)) = refresh_only.iter().find(|(_, set)| *set) {
                return Err(ActivityError::invalid_input(field, "is for strategy instance-refresh"));
            }
        }
        Strategy::InstanceRefresh => validate_refresh_preferences(input)?,
    }
    if !(1..=100).contains(&input.surge_percent) {
        return Err(ActivityError::invalid_input(
            "surgePercent",
            format!("{} is not between 1 and 100", input.surge_percent),
        ));
    }
    if input.poll_seconds == 0 {
        return Err(ActivityError::invalid_input("pollSeconds", "must be at least 1"));
    }
    if input.healthy_timeout_seconds == 0 {
        return Err(ActivityError::invalid_input("healthyTimeoutSeconds", "must be at least 1"));
    }
    if input.pre_termination_timeout_seconds == 0 {
        return Err(ActivityError::invalid_input("preTerminationTimeoutSeconds", "must be at least 1"));
    }
    if input.readiness_timeout_seconds == 0 {
        return Err(ActivityError::invalid_input("readinessTimeoutSeconds", "must be at least 1"));
    }
    require_topic_arn("topicArn", input.topic_arn.as_deref())
}

/// What AWS takes of checkpoints and alarms (API_RefreshPreferences.html), and a last checkpoint of
/// 100: a refresh that stops short of it leaves instances on the old image.
fn validate_refresh_preferences(input: &Input) -> Result<(), ActivityError> {
    let checkpoints = &input.checkpoints;
    if checkpoints.iter().any(|p| !(1..=100).contains(p)) || checkpoints.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ActivityError::invalid_input("checkpoints", "must be percentages from 1 to 100, ascending"));
    }
    if checkpoints.last().is_some_and(|last| *last != 100) {
        return Err(ActivityError::invalid_input(
            "checkpoints",
            "must end with 100: a refresh that stops at a lower checkpoint leaves instances on the old image",
        ));
    }
    if input.checkpoint_delay_seconds > 172_800 {
        return Err(ActivityError::invalid_input("checkpointDelaySeconds", "is at most 172800 (two days)"));
    }
    if input.alarms.len() > 10 || input.alarms.iter().any(String::is_empty) {
        return Err(ActivityError::invalid_input("alarms", "names at most 10 alarms, none empty"));
    }
    Ok(())
}

/// Warnings about how the group names what it launches.
fn source_warnings(group: &AutoScalingGroup, source: &LaunchSource) -> Vec<String> {
    let name = group.auto_scaling_group_name().unwrap_or_default();
    let warning = match source {
        LaunchSource::Template { reference, .. } if reference == "$Latest" => {
            Some(format!("{name} uses $Latest: any new template version is live at once, even before a cycle"))
        }
        LaunchSource::Configuration { name: configuration, .. } => {
            Some(format!("{name} uses the legacy launch configuration {configuration}"))
        }
        LaunchSource::Template { .. } => None,
    };
    warning.into_iter().collect()
}

/// Why EC2 Auto Scaling's instance refresh cannot replace a group's instances and roll them back.
pub(crate) const REFRESH_NEEDS_A_TEMPLATE: &str = "strategy instance-refresh needs a launch template: AWS rolls back \
                                                   only to a numbered version of one (strategy surge cycles a launch \
                                                   configuration)";
pub(crate) const NO_REFRESH_OF_A_MIXED_POLICY: &str =
    "strategy instance-refresh of a mixed instances policy is not done yet (strategy surge cycles it)";

/// The instance refresh of the group, to `refresh_to` (an update's new version) or to the number
/// the group launches now, and the image that version gives; or why AWS could not refresh it and
/// roll it back.
async fn refresh_plan(
    clients: &Clients,
    group: &AutoScalingGroup,
    source: &LaunchSource,
    input: &Input,
    warnings: &mut Vec<String>,
) -> Result<Result<(RefreshPlan, String), String>, ActivityError> {
    let refresh_to = input.refresh_to.as_ref();
    let LaunchSource::Template { id, reference, version: launching, image_id, .. } = source else {
        return Ok(Err(REFRESH_NEEDS_A_TEMPLATE.into()));
    };
    if group.mixed_instances_policy().is_some() {
        return Ok(Err(NO_REFRESH_OF_A_MIXED_POLICY.into()));
    }
    let at = |version: &str| Rollback::Group { launch_template_id: id.clone(), version: version.to_owned() };
    let (version, previous, image_id) = match refresh_to {
        Some(to) => (to.version.clone(), to.previous_version.clone(), image_of(clients, id, &to.version).await?),
        None => (launching.clone(), launching.clone(), image_id.clone()),
    };
    // Refreshed to the version its `$Default` gives already, a group follows `$Default` again.
    let make_default = refresh_to.is_none_or(|to| to.make_default);
    let named_again = Some(at(reference));
    // The default never moves before the refresh succeeds; `$Latest` is the update's version at once,
    // and is what it was again only once that version is gone.
    let latest_again = match refresh_to {
        None => named_again.clone(),
        Some(to) if to.delete_on_rollback => {
            Some(Rollback::NewVersion { launch_template_id: id.clone(), version: to.version.clone() })
        }
        Some(_) => None,
    };
    let (reference_after_success, reference_after_failure) = match reference.as_str() {
        "$Default" => (named_again.clone().filter(|_| make_default), named_again),
        "$Latest" => (named_again, latest_again),
        _ => (None, None),
    };
    if reference == "$Default" && !make_default {
        warnings.push(format!(
            "stays pinned to version {version} once refreshed: other groups follow the template's $Default"
        ));
    }
    if reference == "$Latest" && refresh_to.is_some_and(|to| !to.delete_on_rollback) {
        warnings.push(format!(
            "stays pinned to version {previous} if the refresh rolls back: other groups of the update follow its \
             $Latest, the new version"
        ));
    }
    let plan = RefreshPlan {
        launch_template_id: id.clone(),
        pin: reference.starts_with('$').then(|| at(&previous)),
        default_after: (reference == "$Default" && refresh_to.is_some_and(|to| to.make_default))
            .then(|| Rollback::TemplateDefault { launch_template_id: id.clone(), version: version.clone() }),
        reference_after_success,
        reference_after_failure,
        version,
        checkpoints: input.checkpoints.clone(),
        checkpoint_delay_seconds: input.checkpoint_delay_seconds,
        alarms: input.alarms.clone(),
    };
    Ok(Ok((plan, image_id)))
}

/// The AMI `version` of launch template `id` gives.
async fn image_of(clients: &Clients, id: &str, version: &str) -> Result<String, ActivityError> {
    let request = clients.ec2.describe_launch_template_versions().launch_template_id(id).versions(version);
    let described = request.resolve_alias(true).send().await?;
    let data = described.launch_template_versions().first().and_then(|v| v.launch_template_data());
    data.and_then(|d| d.image_id())
        .map(str::to_owned)
        .ok_or_else(|| ActivityError::not_found(format!("the image of launch template {id} version {version}")))
}

/// Where a group's instances serve: its target groups and Classic Load Balancers, attached as such
/// or as traffic sources (AWS lists the two kinds of attachment apart), and the traffic sources whose
/// health the cycle cannot read (VPC Lattice, or a type it does not know).
struct ServingThrough {
    target_groups: Vec<String>,
    classic: Vec<String>,
    unchecked: Vec<String>,
}

impl ServingThrough {
    fn of(group: &AutoScalingGroup) -> Self {
        let mut serving = ServingThrough {
            target_groups: group.target_group_arns().to_vec(),
            classic: group.load_balancer_names().to_vec(),
            unchecked: Vec::new(),
        };
        for source in group.traffic_sources() {
            let identifier = source.identifier().unwrap_or_default().to_owned();
            let (list, identifier) = match source.r#type() {
                Some("elbv2") => (&mut serving.target_groups, identifier),
                Some("elb") => (&mut serving.classic, identifier),
                kind => (&mut serving.unchecked, format!("{identifier} ({})", kind.unwrap_or("of no type"))),
            };
            if !list.contains(&identifier) {
                list.push(identifier);
            }
        }
        serving
    }
}

/// The shortest health check interval among the group's target groups and Classic Load Balancers
/// (0 without any): an instance's health changes only when it is checked, so polling more often sees
/// nothing new and costs transitions.
async fn load_balancer_interval(clients: &Clients, serving: &ServingThrough) -> Result<u64, ActivityError> {
    let mut intervals = Vec::new();
    if !serving.target_groups.is_empty() {
        let request = clients.elbv2.describe_target_groups().set_target_group_arns(Some(serving.target_groups.clone()));
        let described = request.send().await?;
        let seconds = described.target_groups().iter().filter_map(|g| g.health_check_interval_seconds());
        intervals.extend(seconds.map(|i| u64::try_from(i).unwrap_or_default()));
    }
    intervals.extend(classic::health_checks(clients, &serving.classic).await?.interval);
    Ok(intervals.into_iter().min().unwrap_or(0))
}

/// Why the group's warm pool blocks the cycle: instances in it run another image, and a scale-out
/// (the surge) hands them out before it launches anything
/// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html).
async fn stale_warm_pool(clients: &Clients, group_name: &str, image_id: &str) -> Result<Option<String>, ActivityError> {
    let described = clients.autoscaling.describe_warm_pool().auto_scaling_group_name(group_name).send().await?;
    let pooled: Vec<String> = described.instances().iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let stale: Vec<(String, String)> =
        running_images(clients, &pooled).await?.into_iter().filter(|(_, image)| image != image_id).collect();
    Ok(stale.first().map(|(id, image)| {
        format!(
            "the warm pool holds {} instances on another image than {image_id} (first {id}: {image}), which the surge would hand out first: delete the warm pool and put it back to refill it from the template",
            stale.len()
        )
    }))
}

/// The longest a launch hook of the group holds an instance unanswered: its heartbeat timeout
/// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html); 0 without one.
async fn launch_hook_seconds(clients: &Clients, group_name: &str) -> Result<u64, ActivityError> {
    let hooks = clients.autoscaling.describe_lifecycle_hooks().auto_scaling_group_name(group_name).send().await?;
    let launching = hooks
        .lifecycle_hooks()
        .iter()
        .filter(|h| h.lifecycle_transition() == Some("autoscaling:EC2_INSTANCE_LAUNCHING"))
        .map(|h| u64::try_from(h.heartbeat_timeout().unwrap_or(3600)).unwrap_or_default());
    Ok(launching.max().unwrap_or(0))
}

/// The AMI each instance runs.
pub(crate) async fn running_images(clients: &Clients, ids: &[String]) -> Result<Vec<(String, String)>, ActivityError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let described = clients.ec2.describe_instances().set_instance_ids(Some(ids.to_vec())).send().await?;
    Ok(described
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| (i.instance_id().unwrap_or_default().to_owned(), i.image_id().unwrap_or_default().to_owned()))
        .collect())
}
