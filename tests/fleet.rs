//! The emulator's fleet behaves as AWS documents it, one test per behaviour, seen through the real
//! AWS SDK for Rust. Time passes on the run's virtual clock: `wait` runs a one-state machine. The
//! clock is the emulator's, shared by every run in this binary, so these tests, which read the
//! fleet between waits, take turns.

use std::collections::BTreeMap;

use activities::Clients;
use anyhow::{Context, Result};
use aws_sdk_autoscaling::types::{LaunchTemplateSpecification, LifecycleState};
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthStateEnum};
use serde_json::json;
use tuesday::local::fleet::BOOT_TAG;
use tuesday_tests::{create_template, emulator};

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// This test's turn on the shared clock, and clients of the emulator.
async fn one_at_a_time() -> (tokio::sync::MutexGuard<'static, ()>, Clients) {
    let turn = TURN.lock().await;
    (turn, emulator().clients().await)
}

async fn wait(clients: &Clients, seconds: u64) {
    tuesday_tests::let_time_pass(clients, seconds).await.unwrap();
}

struct Group {
    target_group: Option<String>,
}

struct Spec<'a> {
    name: &'a str,
    size: i32,
    max: i32,
    boot_seconds: u32,
    target_group: bool,
    termination_policies: &'a [&'a str],
    /// HealthCheckType ELB with this grace period, instead of EC2 checks.
    elb_health_grace: Option<i32>,
}

impl<'a> Spec<'a> {
    fn new(name: &'a str, size: i32) -> Self {
        Spec {
            name,
            size,
            max: size * 2,
            boot_seconds: 300,
            target_group: false,
            termination_policies: &[],
            elb_health_grace: None,
        }
    }
}

/// A group across the seeded zones, its instances booting for `boot_seconds` from now.
async fn group(clients: &Clients, spec: Spec<'_>) -> Result<Group> {
    let seeded = &emulator().seeded;
    create_template(clients, spec.name).await?;
    let target_group = if spec.target_group {
        let created = clients
            .elbv2
            .create_target_group()
            .name(spec.name)
            .protocol("HTTP".into())
            .port(80)
            .vpc_id(&seeded.vpc)
            .health_check_interval_seconds(10)
            .healthy_threshold_count(3)
            .send()
            .await?;
        let arn = created.target_groups()[0].target_group_arn().context("arn")?.to_owned();
        let delay = aws_sdk_elasticloadbalancingv2::types::TargetGroupAttribute::builder()
            .key("deregistration_delay.timeout_seconds")
            .value("120")
            .build();
        clients.elbv2.modify_target_group_attributes().target_group_arn(&arn).attributes(delay).send().await?;
        Some(arn)
    } else {
        None
    };
    let subnets: Vec<&str> = seeded.subnets.iter().map(|s| s.id.as_str()).collect();
    let boot = aws_sdk_autoscaling::types::Tag::builder()
        .key(BOOT_TAG)
        .value(spec.boot_seconds.to_string())
        .propagate_at_launch(false)
        .build();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(spec.name)
        .launch_template(
            LaunchTemplateSpecification::builder().launch_template_name(spec.name).version("$Default").build(),
        )
        .min_size(spec.size)
        .max_size(spec.max)
        .desired_capacity(spec.size)
        .vpc_zone_identifier(subnets.join(","))
        .set_target_group_arns(target_group.clone().map(|arn| vec![arn]))
        .set_termination_policies(Some(spec.termination_policies.iter().map(|p| p.to_string()).collect()))
        .set_health_check_type(spec.elb_health_grace.map(|_| "ELB".to_owned()))
        .set_health_check_grace_period(spec.elb_health_grace)
        .tags(boot)
        .send()
        .await?;
    Ok(Group { target_group })
}

/// Instance id -> (zone, lifecycle state), of the group's instances.
async fn instances(clients: &Clients, group: &str) -> BTreeMap<String, (String, LifecycleState)> {
    let described =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await.unwrap();
    described.auto_scaling_groups()[0]
        .instances()
        .iter()
        .map(|i| {
            let zone = i.availability_zone().unwrap_or_default().to_owned();
            (i.instance_id().unwrap().to_owned(), (zone, i.lifecycle_state().unwrap().clone()))
        })
        .collect()
}

fn per_zone(instances: &BTreeMap<String, (String, LifecycleState)>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (zone, _) in instances.values() {
        *counts.entry(zone.clone()).or_default() += 1;
    }
    counts
}

type SetDesiredError =
    aws_sdk_autoscaling::error::SdkError<aws_sdk_autoscaling::operation::set_desired_capacity::SetDesiredCapacityError>;

async fn set_desired(clients: &Clients, group: &str, desired: i32) -> Result<(), SetDesiredError> {
    clients.autoscaling.set_desired_capacity().auto_scaling_group_name(group).desired_capacity(desired).send().await?;
    Ok(())
}

/// Target id -> state, of every target the group's target group describes.
async fn targets(clients: &Clients, group: &Group) -> BTreeMap<String, TargetHealthStateEnum> {
    let arn = group.target_group.as_deref().unwrap();
    let described = clients.elbv2.describe_target_health().target_group_arn(arn).send().await.unwrap();
    described
        .target_health_descriptions()
        .iter()
        .map(|d| {
            let id = d.target().and_then(|t| t.id()).unwrap().to_owned();
            (id, d.target_health().and_then(|h| h.state()).unwrap().clone())
        })
        .collect()
}

fn error_code<E: aws_sdk_autoscaling::error::ProvideErrorMetadata>(error: &E) -> String {
    error.code().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn launches_are_balanced_across_the_groups_zones() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-balanced", 4)).await.unwrap();
    set_desired(&clients, "fleet-balanced", 6).await.unwrap();

    let counts = per_zone(&instances(&clients, "fleet-balanced").await);
    assert_eq!(counts.values().copied().collect::<Vec<_>>(), vec![3, 3], "{counts:?}");
}

#[tokio::test]
async fn a_zone_that_cannot_launch_gets_no_new_instances_and_with_none_left_capacity_stays_short() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-zone-down", 2)).await.unwrap();
    let zones: Vec<String> = emulator().seeded.subnets.iter().map(|s| s.zone.clone()).collect();
    emulator().fault("zone-down", json!({ "zone": zones[1] })).await.unwrap();
    let surged = set_desired(&clients, "fleet-zone-down", 4).await;
    let found = instances(&clients, "fleet-zone-down").await;
    emulator().fault("zone-down", json!({ "zone": zones[0] })).await.unwrap();
    let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group();
    let terminated =
        terminate.instance_id(found.keys().next().unwrap()).should_decrement_desired_capacity(false).send().await;
    let stranded = instances(&clients, "fleet-zone-down").await;
    for zone in &zones {
        emulator().fault("zone-up", json!({ "zone": zone })).await.unwrap();
    }
    surged.unwrap();
    terminated.unwrap();

    // The two new instances could only go to the first zone (once the second is back, AZRebalance
    // evens them out: see the rebalancing test).
    assert_eq!(per_zone(&found).get(&zones[1]).copied(), Some(1), "{found:?}");
    assert_eq!(found.len(), 4);
    // With no zone able to launch, the terminated instance is not replaced.
    assert_eq!(stranded.len(), 3, "{stranded:?}");
}

#[tokio::test]
async fn new_instances_are_pending_while_they_boot_then_in_service() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-booting", 2);
    spec.boot_seconds = 600;
    group(&clients, spec).await.unwrap();

    let states = |found: BTreeMap<String, (String, LifecycleState)>| {
        found.into_values().map(|(_, state)| state).collect::<Vec<_>>()
    };
    assert_eq!(states(instances(&clients, "fleet-booting").await), vec![LifecycleState::Pending; 2]);
    wait(&clients, 300).await;
    assert_eq!(states(instances(&clients, "fleet-booting").await), vec![LifecycleState::Pending; 2]);
    wait(&clients, 301).await;
    assert_eq!(states(instances(&clients, "fleet-booting").await), vec![LifecycleState::InService; 2]);
}

#[tokio::test]
async fn a_new_target_is_initial_until_it_has_booted_and_passed_its_health_checks() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-initial", 1);
    spec.target_group = true;
    spec.boot_seconds = 120;
    let fleet = group(&clients, spec).await.unwrap();

    let only = |t: BTreeMap<String, TargetHealthStateEnum>| t.into_values().collect::<Vec<_>>();
    assert_eq!(only(targets(&clients, &fleet).await), vec![TargetHealthStateEnum::Initial]);
    // Booted at 120 s, then three checks ten seconds apart: healthy at 150 s.
    wait(&clients, 140).await;
    assert_eq!(only(targets(&clients, &fleet).await), vec![TargetHealthStateEnum::Initial]);
    wait(&clients, 11).await;
    assert_eq!(only(targets(&clients, &fleet).await), vec![TargetHealthStateEnum::Healthy]);
}

#[tokio::test]
async fn a_deregistered_target_drains_for_the_deregistration_delay_then_is_gone() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-draining", 1);
    spec.target_group = true;
    spec.boot_seconds = 0;
    let fleet = group(&clients, spec).await.unwrap();
    let id = targets(&clients, &fleet).await.into_keys().next().unwrap();
    let target = TargetDescription::builder().id(&id).port(80).build();
    let arn = fleet.target_group.clone().unwrap();
    clients.elbv2.deregister_targets().target_group_arn(&arn).targets(target).send().await.unwrap();

    assert_eq!(targets(&clients, &fleet).await.get(&id), Some(&TargetHealthStateEnum::Draining));
    wait(&clients, 100).await;
    assert_eq!(targets(&clients, &fleet).await.get(&id), Some(&TargetHealthStateEnum::Draining));
    wait(&clients, 21).await;
    assert_eq!(targets(&clients, &fleet).await.get(&id), None, "gone after the 120 s delay");
}

#[tokio::test]
async fn auto_scaling_never_registers_again_an_instance_someone_deregistered() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-no-reregister", 1);
    spec.target_group = true;
    let fleet = group(&clients, spec).await.unwrap();
    let id = targets(&clients, &fleet).await.into_keys().next().unwrap();
    let target = TargetDescription::builder().id(&id).port(80).build();
    let arn = fleet.target_group.clone().unwrap();
    clients.elbv2.deregister_targets().target_group_arn(&arn).targets(target).send().await.unwrap();
    set_desired(&clients, "fleet-no-reregister", 2).await.unwrap();

    let now = targets(&clients, &fleet).await;
    assert_eq!(now.get(&id), Some(&TargetHealthStateEnum::Draining), "{now:?}");
    assert_eq!(now.len(), 2, "the new instance is registered: {now:?}");
}

#[tokio::test]
async fn a_target_whose_instance_fails_its_checks_is_unhealthy() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-failing", 1);
    spec.target_group = true;
    spec.boot_seconds = 0;
    let fleet = group(&clients, spec).await.unwrap();
    wait(&clients, 60).await;
    let id = targets(&clients, &fleet).await.into_keys().next().unwrap();
    emulator().fault("failing-checks", json!({ "instanceIds": [id] })).await.unwrap();

    assert_eq!(targets(&clients, &fleet).await.get(&id), Some(&TargetHealthStateEnum::Unhealthy));
}

#[tokio::test]
async fn desired_capacity_outside_min_and_max_is_refused() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-range", 2)).await.unwrap();

    let above = set_desired(&clients, "fleet-range", 5).await.unwrap_err();
    let below = set_desired(&clients, "fleet-range", 1).await.unwrap_err();
    let update = clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name("fleet-range")
        .desired_capacity(9)
        .send()
        .await
        .unwrap_err();

    for code in [error_code(&above), error_code(&below), error_code(&update)] {
        assert_eq!(code, "ValidationError");
    }
    assert_eq!(instances(&clients, "fleet-range").await.len(), 2);
}

#[tokio::test]
async fn terminating_with_a_decrement_below_min_size_is_refused() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-min", 2)).await.unwrap();
    let id = instances(&clients, "fleet-min").await.into_keys().next().unwrap();

    let refused = clients
        .autoscaling
        .terminate_instance_in_auto_scaling_group()
        .instance_id(&id)
        .should_decrement_desired_capacity(true)
        .send()
        .await
        .unwrap_err();

    assert_eq!(error_code(&refused), "ValidationError");
    assert!(instances(&clients, "fleet-min").await.contains_key(&id));
}

type EnterStandbyError =
    aws_sdk_autoscaling::error::SdkError<aws_sdk_autoscaling::operation::enter_standby::EnterStandbyError>;

/// Puts `id` in Standby, decrementing the desired capacity.
async fn enter_standby(clients: &Clients, group: &str, id: &str) -> Result<(), EnterStandbyError> {
    let standby = clients.autoscaling.enter_standby().auto_scaling_group_name(group).instance_ids(id);
    standby.should_decrement_desired_capacity(true).send().await.map(drop)
}

#[tokio::test]
async fn an_instance_in_standby_leaves_its_target_group_and_comes_back_when_it_exits() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-standby", 2);
    spec.target_group = true;
    spec.boot_seconds = 0;
    let fleet = group(&clients, spec).await.unwrap();
    wait(&clients, 60).await;
    let id = instances(&clients, "fleet-standby").await.into_keys().next().unwrap();

    let below_min = enter_standby(&clients, "fleet-standby", &id).await.unwrap_err();
    let lower = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name("fleet-standby");
    lower.min_size(1).send().await.unwrap();
    enter_standby(&clients, "fleet-standby", &id).await.unwrap();
    let in_standby = targets(&clients, &fleet).await;
    let found = instances(&clients, "fleet-standby").await;
    clients.autoscaling.exit_standby().auto_scaling_group_name("fleet-standby").instance_ids(&id).send().await.unwrap();
    let back = targets(&clients, &fleet).await;

    assert_eq!(error_code(&below_min), "ValidationError");
    assert_eq!(in_standby.get(&id), Some(&TargetHealthStateEnum::Draining), "{in_standby:?}");
    assert_eq!(found.len(), 2, "no successor for the decremented one: {found:?}");
    assert_eq!(found[&id].1, LifecycleState::Standby);
    assert_eq!(back.get(&id), Some(&TargetHealthStateEnum::Initial), "registered again: {back:?}");
}

#[tokio::test]
async fn a_standby_instance_terminated_without_a_decrement_gets_no_successor() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-standby-gone", 2)).await.unwrap();
    let lower = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name("fleet-standby-gone");
    lower.min_size(1).send().await.unwrap();
    let id = instances(&clients, "fleet-standby-gone").await.into_keys().next().unwrap();
    enter_standby(&clients, "fleet-standby-gone", &id).await.unwrap();

    let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group().instance_id(&id);
    terminate.should_decrement_desired_capacity(false).send().await.unwrap();

    let left = instances(&clients, "fleet-standby-gone").await;
    assert!(!left.contains_key(&id), "{left:?}");
    assert_eq!(left.len(), 1, "the desired capacity never counted it: {left:?}");
}

#[tokio::test]
async fn scale_in_takes_from_the_fullest_zone_first() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-scale-in-zones", 2);
    spec.termination_policies = &["NewestInstance"];
    spec.max = 4;
    group(&clients, spec).await.unwrap();
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name("fleet-scale-in-zones")
        .min_size(1)
        .send()
        .await
        .unwrap();
    // Three, two in the first zone: the newest is in the second, but zone balance comes first.
    set_desired(&clients, "fleet-scale-in-zones", 3).await.unwrap();
    let before = instances(&clients, "fleet-scale-in-zones").await;
    set_desired(&clients, "fleet-scale-in-zones", 2).await.unwrap();

    let after = instances(&clients, "fleet-scale-in-zones").await;
    assert_eq!(per_zone(&after).values().copied().collect::<Vec<_>>(), vec![1, 1], "{before:?} -> {after:?}");
}

#[tokio::test]
async fn scale_in_follows_the_termination_policies_in_order() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-scale-in-policy", 2);
    spec.termination_policies = &["OldestInstance"];
    group(&clients, spec).await.unwrap();
    let first = instances(&clients, "fleet-scale-in-policy").await;
    wait(&clients, 60).await;
    set_desired(&clients, "fleet-scale-in-policy", 4).await.unwrap();
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name("fleet-scale-in-policy")
        .min_size(2)
        .send()
        .await
        .unwrap();
    set_desired(&clients, "fleet-scale-in-policy", 2).await.unwrap();

    let left = instances(&clients, "fleet-scale-in-policy").await;
    assert!(left.keys().all(|id| !first.contains_key(id)), "the oldest went first: {first:?} -> {left:?}");
}

#[tokio::test]
async fn scale_in_skips_instances_protected_from_it() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-protected", 2);
    spec.termination_policies = &["NewestInstance"];
    group(&clients, spec).await.unwrap();
    set_desired(&clients, "fleet-protected", 4).await.unwrap();
    let all: Vec<String> = instances(&clients, "fleet-protected").await.into_keys().collect();
    clients
        .autoscaling
        .set_instance_protection()
        .auto_scaling_group_name("fleet-protected")
        .set_instance_ids(Some(all.clone()))
        .protected_from_scale_in(true)
        .send()
        .await
        .unwrap();
    set_desired(&clients, "fleet-protected", 2).await.unwrap();

    assert_eq!(instances(&clients, "fleet-protected").await.len(), 4, "protected instances stay");
}

#[tokio::test]
async fn an_instance_remembers_the_template_version_it_was_launched_from() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-versions", 1)).await.unwrap();
    let number = new_version(&clients, "fleet-versions").await;
    clients
        .ec2
        .modify_launch_template()
        .launch_template_name("fleet-versions")
        .default_version(&number)
        .send()
        .await
        .unwrap();
    set_desired(&clients, "fleet-versions", 2).await.unwrap();

    let described = clients.autoscaling.describe_auto_scaling_instances().send().await.unwrap();
    let mut versions: Vec<String> = described
        .auto_scaling_instances()
        .iter()
        .filter(|i| i.auto_scaling_group_name() == Some("fleet-versions"))
        .map(|i| i.launch_template().and_then(|t| t.version()).unwrap().to_owned())
        .collect();
    versions.sort();
    assert_eq!(versions, vec!["1".to_owned(), number]);
}

#[tokio::test]
async fn a_call_can_be_made_to_answer_scaling_activity_in_progress() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-busy", 1)).await.unwrap();
    let fault = json!({ "service": "autoscaling", "action": "SetDesiredCapacity", "code": "ScalingActivityInProgress", "times": 1 });
    emulator().fault("api-error", fault).await.unwrap();

    let busy = clients
        .autoscaling
        .set_desired_capacity()
        .auto_scaling_group_name("fleet-busy")
        .desired_capacity(2)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&busy), "ScalingActivityInProgress");
    set_desired(&clients, "fleet-busy", 2).await.expect("only once");
}

#[tokio::test]
async fn a_call_can_be_made_to_answer_throttling() {
    let (_turn, clients) = one_at_a_time().await;
    // As many as the SDK's attempts: the caller sees the throttling.
    let times = activities::clients::MAX_ATTEMPTS;
    let fault = json!({ "service": "autoscaling", "action": "DescribeAutoScalingGroups", "code": "Throttling", "times": times });
    emulator().fault("api-error", fault).await.unwrap();

    let throttled = clients.autoscaling.describe_auto_scaling_groups().send().await.unwrap_err();
    assert_eq!(error_code(&throttled), "Throttling");
    clients.autoscaling.describe_auto_scaling_groups().send().await.expect("the fault is used up");
}

async fn mark_unhealthy(clients: &Clients, id: &str) {
    clients.autoscaling.set_instance_health().instance_id(id).health_status("Unhealthy").send().await.unwrap();
}

async fn suspend(clients: &Clients, group: &str, process: &str, suspend: bool) {
    if suspend {
        let call = clients.autoscaling.suspend_processes().auto_scaling_group_name(group).scaling_processes(process);
        call.send().await.unwrap();
    } else {
        let call = clients.autoscaling.resume_processes().auto_scaling_group_name(group).scaling_processes(process);
        call.send().await.unwrap();
    }
}

#[tokio::test]
async fn an_instance_marked_unhealthy_is_replaced_from_the_current_template() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-replaced", 1);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    let sick = instances(&clients, "fleet-replaced").await.into_keys().next().unwrap();
    mark_unhealthy(&clients, &sick).await;

    let now = instances(&clients, "fleet-replaced").await;
    assert_eq!(now.len(), 1, "{now:?}");
    assert!(!now.contains_key(&sick), "the unhealthy instance was replaced: {now:?}");
}

#[tokio::test]
async fn an_unhealthy_instance_stays_while_replace_unhealthy_is_suspended() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-replace-suspended", 1);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    suspend(&clients, "fleet-replace-suspended", "ReplaceUnhealthy", true).await;
    let sick = instances(&clients, "fleet-replace-suspended").await.into_keys().next().unwrap();
    mark_unhealthy(&clients, &sick).await;

    assert!(instances(&clients, "fleet-replace-suspended").await.contains_key(&sick));
    suspend(&clients, "fleet-replace-suspended", "ReplaceUnhealthy", false).await;
    assert!(!instances(&clients, "fleet-replace-suspended").await.contains_key(&sick), "replaced once resumed");
}

#[tokio::test]
async fn an_elb_checked_group_replaces_an_instance_failing_its_checks_once_its_grace_period_is_over() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-elb-grace", 1);
    spec.target_group = true;
    spec.boot_seconds = 0;
    spec.elb_health_grace = Some(300);
    group(&clients, spec).await.unwrap();
    let sick = instances(&clients, "fleet-elb-grace").await.into_keys().next().unwrap();
    emulator().fault("failing-checks", json!({ "instanceIds": [sick] })).await.unwrap();

    wait(&clients, 200).await;
    assert!(instances(&clients, "fleet-elb-grace").await.contains_key(&sick), "within its grace period");
    wait(&clients, 101).await;
    let now = instances(&clients, "fleet-elb-grace").await;
    assert_eq!(now.get(&sick).map(|(_, s)| s.clone()), Some(LifecycleState::Terminating), "replaced after it: {now:?}");
    assert_eq!(now.len(), 2, "its replacement launched while it drains: {now:?}");
}

#[tokio::test]
async fn nothing_launches_while_launch_is_suspended() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-launch-suspended", 1)).await.unwrap();
    suspend(&clients, "fleet-launch-suspended", "Launch", true).await;
    set_desired(&clients, "fleet-launch-suspended", 2).await.unwrap();

    assert_eq!(instances(&clients, "fleet-launch-suspended").await.len(), 1);
}

async fn hook(clients: &Clients, group: &str, transition: &str, timeout: i32, default: &str) {
    clients
        .autoscaling
        .put_lifecycle_hook()
        .auto_scaling_group_name(group)
        .lifecycle_hook_name("hold")
        .lifecycle_transition(transition)
        .heartbeat_timeout(timeout)
        .default_result(default)
        .send()
        .await
        .unwrap();
}

async fn complete(clients: &Clients, group: &str, id: &str, result: &str) {
    clients
        .autoscaling
        .complete_lifecycle_action()
        .auto_scaling_group_name(group)
        .lifecycle_hook_name("hold")
        .instance_id(id)
        .lifecycle_action_result(result)
        .send()
        .await
        .unwrap();
}

fn states_of(found: &BTreeMap<String, (String, LifecycleState)>) -> Vec<LifecycleState> {
    found.values().map(|(_, state)| state.clone()).collect()
}

#[tokio::test]
async fn a_launch_hook_holds_a_new_instance_in_pending_wait_and_out_of_its_target_group_until_it_is_completed() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-launch-hook", 1);
    spec.boot_seconds = 0;
    spec.target_group = true;
    let group = group(&clients, spec).await.unwrap();
    hook(&clients, "fleet-launch-hook", "autoscaling:EC2_INSTANCE_LAUNCHING", 600, "ABANDON").await;
    set_desired(&clients, "fleet-launch-hook", 2).await.unwrap();
    let found = instances(&clients, "fleet-launch-hook").await;
    let (new, _) = found.iter().find(|(_, (_, state))| *state == LifecycleState::PendingWait).expect("one waits");
    assert!(!targets(&clients, &group).await.contains_key(new), "not registered while it waits");

    complete(&clients, "fleet-launch-hook", new, "CONTINUE").await;

    assert_eq!(states_of(&instances(&clients, "fleet-launch-hook").await), vec![LifecycleState::InService; 2]);
    assert!(targets(&clients, &group).await.contains_key(new), "registered once the hook continued");
}

#[tokio::test]
async fn a_lifecycle_action_left_unanswered_takes_its_default_result_after_the_heartbeat_timeout() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-hook-timeout", 1);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    hook(&clients, "fleet-hook-timeout", "autoscaling:EC2_INSTANCE_LAUNCHING", 300, "ABANDON").await;
    set_desired(&clients, "fleet-hook-timeout", 2).await.unwrap();
    let waiting: Vec<String> = instances(&clients, "fleet-hook-timeout")
        .await
        .into_iter()
        .filter(|(_, (_, state))| *state == LifecycleState::PendingWait)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(waiting.len(), 1);

    wait(&clients, 301).await;

    let now = instances(&clients, "fleet-hook-timeout").await;
    assert!(!now.contains_key(&waiting[0]), "abandoned and replaced: {now:?}");
    assert_eq!(now.len(), 2, "{now:?}");
}

#[tokio::test]
async fn a_terminate_hook_holds_an_instance_in_terminating_wait_until_it_is_completed() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-terminate-hook", 2);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    hook(&clients, "fleet-terminate-hook", "autoscaling:EC2_INSTANCE_TERMINATING", 600, "CONTINUE").await;
    let leaving = instances(&clients, "fleet-terminate-hook").await.into_keys().next().unwrap();
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name("fleet-terminate-hook")
        .min_size(1)
        .send()
        .await
        .unwrap();
    clients
        .autoscaling
        .terminate_instance_in_auto_scaling_group()
        .instance_id(&leaving)
        .should_decrement_desired_capacity(true)
        .send()
        .await
        .unwrap();

    let held = instances(&clients, "fleet-terminate-hook").await;
    assert_eq!(held.get(&leaving).map(|(_, s)| s.clone()), Some(LifecycleState::TerminatingWait), "{held:?}");
    complete(&clients, "fleet-terminate-hook", &leaving, "CONTINUE").await;
    assert!(!instances(&clients, "fleet-terminate-hook").await.contains_key(&leaving));
}

/// A second version of the group's template (same image), to refresh to.
async fn new_version(clients: &Clients, template: &str) -> String {
    let version = clients
        .ec2
        .create_launch_template_version()
        .launch_template_name(template)
        .source_version("1")
        .launch_template_data(aws_sdk_ec2::types::RequestLaunchTemplateData::builder().build())
        .send()
        .await
        .unwrap();
    version.launch_template_version().unwrap().version_number().unwrap().to_string()
}

fn refresh_to(template: &str, version: &str) -> aws_sdk_autoscaling::types::DesiredConfiguration {
    let template = LaunchTemplateSpecification::builder().launch_template_name(template).version(version).build();
    aws_sdk_autoscaling::types::DesiredConfiguration::builder().launch_template(template).build()
}

/// `group` names `version` of its template itself: AWS rolls back only to a numbered version.
async fn pin(clients: &Clients, group: &str, version: &str) {
    let template = LaunchTemplateSpecification::builder().launch_template_name(group).version(version).build();
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name(group);
    update.launch_template(template).send().await.unwrap();
}

/// An instance refresh of `group`, pinned to version 1, to its template's `version`: never below
/// capacity, auto rollback.
async fn start_refresh(clients: &Clients, group: &str, version: &str) {
    pin(clients, group, "1").await;
    let start = clients.autoscaling.start_instance_refresh().auto_scaling_group_name(group);
    let start = start.desired_configuration(refresh_to(group, version)).preferences(preferences(100, 200, true));
    start.send().await.unwrap();
}

fn preferences(min: i32, max: i32, auto_rollback: bool) -> aws_sdk_autoscaling::types::RefreshPreferences {
    aws_sdk_autoscaling::types::RefreshPreferences::builder()
        .min_healthy_percentage(min)
        .max_healthy_percentage(max)
        .instance_warmup(30)
        .auto_rollback(auto_rollback)
        .build()
}

/// The refresh's status after each step of `every` seconds, until it ends (at most `steps`).
async fn refresh_until_done(clients: &Clients, group: &str, every: u64, steps: usize) -> Vec<(String, usize)> {
    let mut seen = Vec::new();
    for _ in 0..steps {
        wait(clients, every).await;
        let described =
            clients.autoscaling.describe_instance_refreshes().auto_scaling_group_name(group).send().await.unwrap();
        let status = described.instance_refreshes()[0].status().unwrap().as_str().to_owned();
        let in_service =
            states_of(&instances(clients, group).await).iter().filter(|s| **s == LifecycleState::InService).count();
        seen.push((status.clone(), in_service));
        if !["Pending", "InProgress", "Cancelling", "RollbackInProgress"].contains(&status.as_str()) {
            break;
        }
    }
    seen
}

async fn versions_of(clients: &Clients, group: &str) -> Vec<String> {
    let described = clients.autoscaling.describe_auto_scaling_instances().send().await.unwrap();
    let mut versions: Vec<String> = described
        .auto_scaling_instances()
        .iter()
        .filter(|i| i.auto_scaling_group_name() == Some(group))
        .filter(|i| !i.lifecycle_state().unwrap_or_default().starts_with("Terminating"))
        .map(|i| i.launch_template().and_then(|t| t.version()).unwrap().to_owned())
        .collect();
    versions.sort();
    versions
}

#[tokio::test]
async fn an_instance_refresh_with_auto_rollback_needs_a_desired_configuration_and_a_group_on_a_numbered_version() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-refresh-refused", 1)).await.unwrap();

    let refused = clients
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name("fleet-refresh-refused")
        .preferences(preferences(100, 200, true))
        .send()
        .await
        .unwrap_err();
    let latest = clients
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name("fleet-refresh-refused")
        .desired_configuration(refresh_to("fleet-refresh-refused", "$Latest"))
        .preferences(preferences(100, 200, true))
        .send()
        .await
        .unwrap_err();

    let version = new_version(&clients, "fleet-refresh-refused").await;
    let start = || {
        let start = clients.autoscaling.start_instance_refresh().auto_scaling_group_name("fleet-refresh-refused");
        start
            .desired_configuration(refresh_to("fleet-refresh-refused", &version))
            .preferences(preferences(100, 200, true))
    };
    let following_default = start().send().await.unwrap_err();
    pin(&clients, "fleet-refresh-refused", "1").await;
    start().send().await.expect("a group that names its version can roll back to it");

    assert_eq!(error_code(&refused), "ValidationError");
    assert!(format!("{:?}", refused).contains("DesiredConfiguration"), "{refused:?}");
    assert_eq!(error_code(&latest), "ValidationError", "no rollback to $Latest");
    assert_eq!(error_code(&following_default), "ValidationError", "no rollback to the group's $Default");
    assert!(format!("{following_default:?}").contains("$Latest or $Default"), "{following_default:?}");
}

#[tokio::test]
async fn an_instance_refresh_replaces_every_instance_never_below_min_healthy_then_the_group_takes_the_new_version() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-refresh", 2);
    spec.boot_seconds = 60;
    group(&clients, spec).await.unwrap();
    wait(&clients, 61).await;
    let version = new_version(&clients, "fleet-refresh").await;
    start_refresh(&clients, "fleet-refresh", &version).await;
    let second = clients.autoscaling.start_instance_refresh().auto_scaling_group_name("fleet-refresh").send().await;
    assert_eq!(error_code(&second.unwrap_err()), "InstanceRefreshInProgress");

    let seen = refresh_until_done(&clients, "fleet-refresh", 30, 20).await;

    assert_eq!(seen.last().map(|(s, _)| s.as_str()), Some("Successful"), "{seen:?}");
    assert!(seen.iter().all(|(_, in_service)| *in_service >= 2), "never below 2 in service: {seen:?}");
    assert_eq!(versions_of(&clients, "fleet-refresh").await, vec![version.clone(); 2]);
    let described = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("fleet-refresh")
        .send()
        .await
        .unwrap();
    let template = described.auto_scaling_groups()[0].launch_template().unwrap();
    assert_eq!(template.version(), Some(version.as_str()), "the group took the desired configuration");
}

#[tokio::test]
async fn an_instance_refresh_whose_new_instances_fail_their_checks_rolls_back() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-refresh-rollback", 1);
    spec.boot_seconds = 60;
    spec.target_group = true;
    group(&clients, spec).await.unwrap();
    wait(&clients, 61).await;
    let old: Vec<String> = instances(&clients, "fleet-refresh-rollback").await.into_keys().collect();
    let version = new_version(&clients, "fleet-refresh-rollback").await;
    start_refresh(&clients, "fleet-refresh-rollback", &version).await;
    let launched: Vec<String> =
        instances(&clients, "fleet-refresh-rollback").await.into_keys().filter(|id| !old.contains(id)).collect();
    assert_eq!(launched.len(), 1, "one new instance before any old one goes");
    emulator().fault("failing-checks", json!({ "instanceIds": launched })).await.unwrap();

    let seen = refresh_until_done(&clients, "fleet-refresh-rollback", 30, 20).await;

    let statuses: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert!(statuses.contains(&"RollbackInProgress"), "{seen:?}");
    assert_eq!(statuses.last(), Some(&"RollbackSuccessful"), "{seen:?}");
    assert_eq!(versions_of(&clients, "fleet-refresh-rollback").await, vec!["1".to_owned()]);
}

/// `group`, on version 1, refreshed to a new version with these preferences on top of never below
/// capacity and auto rollback.
async fn start_refresh_with(
    clients: &Clients,
    group: &str,
    more: impl FnOnce(
        aws_sdk_autoscaling::types::builders::RefreshPreferencesBuilder,
    ) -> aws_sdk_autoscaling::types::builders::RefreshPreferencesBuilder,
) {
    let version = new_version(clients, group).await;
    pin(clients, group, "1").await;
    let preferences = aws_sdk_autoscaling::types::RefreshPreferences::builder()
        .min_healthy_percentage(100)
        .max_healthy_percentage(200)
        .instance_warmup(30)
        .auto_rollback(true);
    let start = clients.autoscaling.start_instance_refresh().auto_scaling_group_name(group);
    let start = start.desired_configuration(refresh_to(group, &version)).preferences(more(preferences).build());
    start.send().await.unwrap();
}

#[tokio::test]
async fn an_instance_refresh_pauses_at_each_checkpoint_for_its_delay() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-refresh-checkpoint", 2);
    spec.boot_seconds = 60;
    group(&clients, spec).await.unwrap();
    wait(&clients, 61).await;
    start_refresh_with(&clients, "fleet-refresh-checkpoint", |p| {
        p.checkpoint_percentages(50).checkpoint_percentages(100).checkpoint_delay(600)
    })
    .await;

    let mut seen = Vec::new();
    for _ in 0..60 {
        wait(&clients, 30).await;
        let described =
            clients.autoscaling.describe_instance_refreshes().auto_scaling_group_name("fleet-refresh-checkpoint");
        let described = described.send().await.unwrap();
        let refresh = &described.instance_refreshes()[0];
        let status = refresh.status().unwrap().as_str().to_owned();
        seen.push((status.clone(), refresh.percentage_complete().unwrap(), refresh.status_reason().map(str::to_owned)));
        if status != "InProgress" && status != "Pending" {
            break;
        }
    }

    assert_eq!(seen.last().map(|(s, ..)| s.as_str()), Some("Successful"), "{seen:?}");
    let paused =
        seen.iter().filter(|(_, _, reason)| reason.as_deref().is_some_and(|r| r.contains("checkpoint"))).count();
    assert!(paused >= 18, "paused 600 s at 50%, {paused} checks of 30 s: {seen:?}");
    assert!(seen.iter().filter(|(.., reason)| reason.is_some()).all(|(_, done, _)| *done == 50), "{seen:?}");
}

#[tokio::test]
async fn an_alarm_going_into_alarm_fails_the_refresh_and_aws_rolls_it_back() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-refresh-alarm", 1);
    spec.boot_seconds = 60;
    group(&clients, spec).await.unwrap();
    wait(&clients, 61).await;
    emulator().fault("alarm", json!({ "name": "fleet-refresh-alarm", "state": "OK" })).await.unwrap();
    start_refresh_with(&clients, "fleet-refresh-alarm", |p| {
        p.alarm_specification(
            aws_sdk_autoscaling::types::AlarmSpecification::builder().alarms("fleet-refresh-alarm").build(),
        )
    })
    .await;
    wait(&clients, 30).await;
    emulator().fault("alarm", json!({ "name": "fleet-refresh-alarm", "state": "ALARM" })).await.unwrap();

    let seen = refresh_until_done(&clients, "fleet-refresh-alarm", 30, 20).await;

    let statuses: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert!(statuses.contains(&"RollbackInProgress"), "{seen:?}");
    assert_eq!(statuses.last(), Some(&"RollbackSuccessful"), "{seen:?}");
    assert_eq!(versions_of(&clients, "fleet-refresh-alarm").await, vec!["1".to_owned()]);
}

#[tokio::test]
async fn a_cancelled_instance_refresh_stops() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-refresh-cancel", 2);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    clients
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name("fleet-refresh-cancel")
        .preferences(preferences(50, 100, false))
        .send()
        .await
        .unwrap();
    clients.autoscaling.cancel_instance_refresh().auto_scaling_group_name("fleet-refresh-cancel").send().await.unwrap();

    let seen = refresh_until_done(&clients, "fleet-refresh-cancel", 30, 3).await;
    assert_eq!(seen.last().map(|(s, _)| s.as_str()), Some("Cancelled"), "{seen:?}");
}

#[tokio::test]
async fn zones_apart_by_more_than_one_are_rebalanced_unless_az_rebalance_is_suspended() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-rebalance", 4);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    suspend(&clients, "fleet-rebalance", "AZRebalance", true).await;
    let zone_b = emulator().seeded.subnets[1].zone.clone();
    let in_b: Vec<String> = instances(&clients, "fleet-rebalance")
        .await
        .into_iter()
        .filter(|(_, (z, _))| *z == zone_b)
        .map(|(id, _)| id)
        .collect();
    for id in &in_b {
        let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group().instance_id(id);
        terminate.should_decrement_desired_capacity(false).send().await.unwrap();
    }
    // Each replacement went to the emptiest zone: the second again. Make the first the fuller by
    // two with the second zone down, then see nothing move while AZRebalance is suspended.
    emulator().fault("zone-down", json!({ "zone": zone_b })).await.unwrap();
    let some_b = instances(&clients, "fleet-rebalance").await.into_iter().find(|(_, (z, _))| *z == zone_b).unwrap().0;
    let terminate = clients.autoscaling.terminate_instance_in_auto_scaling_group().instance_id(&some_b);
    terminate.should_decrement_desired_capacity(false).send().await.unwrap();
    emulator().fault("zone-up", json!({ "zone": zone_b })).await.unwrap();
    let imbalanced = per_zone(&instances(&clients, "fleet-rebalance").await);
    assert_eq!(imbalanced.values().copied().collect::<Vec<_>>(), vec![3, 1], "{imbalanced:?}");

    // The rebalancing launch boots for a minute.
    let boot = aws_sdk_autoscaling::types::Tag::builder()
        .resource_id("fleet-rebalance")
        .resource_type("auto-scaling-group")
        .key(BOOT_TAG)
        .value("60")
        .propagate_at_launch(false)
        .build();
    clients.autoscaling.create_or_update_tags().tags(boot).send().await.unwrap();
    suspend(&clients, "fleet-rebalance", "AZRebalance", false).await;

    let launched_first = instances(&clients, "fleet-rebalance").await;
    assert_eq!(
        per_zone(&launched_first).values().copied().collect::<Vec<_>>(),
        vec![3, 2],
        "nothing goes before the launch is in service"
    );
    // The launch is above the desired capacity until the rebalance ends: a desired capacity set to
    // what it is takes nothing away.
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name("fleet-rebalance");
    update.desired_capacity(4).send().await.unwrap();
    assert_eq!(
        instances(&clients, "fleet-rebalance").await.keys().collect::<Vec<_>>(),
        launched_first.keys().collect::<Vec<_>>()
    );
    wait(&clients, 60).await;
    let balanced = per_zone(&instances(&clients, "fleet-rebalance").await);
    assert_eq!(balanced.values().copied().collect::<Vec<_>>(), vec![2, 2], "{balanced:?}");
}

#[tokio::test]
async fn a_warm_pools_instances_keep_the_image_they_were_made_with() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-warm-pool", 1);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    let warm = clients.autoscaling.put_warm_pool().auto_scaling_group_name("fleet-warm-pool").min_size(1);
    warm.max_group_prepared_capacity(2).send().await.unwrap();
    let pooled =
        clients.autoscaling.describe_warm_pool().auto_scaling_group_name("fleet-warm-pool").send().await.unwrap();
    let warmed = pooled.instances()[0].instance_id().unwrap().to_owned();
    assert_eq!(pooled.instances()[0].lifecycle_state(), Some(&LifecycleState::WarmedStopped));
    // The template moves on to another image; the pool's instance was made before.
    let other = clients.ssm.get_parameter().name(&emulator().seeded.parameters["2019"]).send().await.unwrap();
    let other_image = other.parameter().unwrap().value().unwrap().to_owned();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(&other_image).build();
    let version = clients
        .ec2
        .create_launch_template_version()
        .launch_template_name("fleet-warm-pool")
        .source_version("1")
        .launch_template_data(data)
        .send()
        .await
        .unwrap();
    let number = version.launch_template_version().unwrap().version_number().unwrap().to_string();
    let modify = clients.ec2.modify_launch_template().launch_template_name("fleet-warm-pool");
    modify.default_version(&number).send().await.unwrap();

    set_desired(&clients, "fleet-warm-pool", 2).await.unwrap();

    assert!(instances(&clients, "fleet-warm-pool").await.contains_key(&warmed), "taken from the pool");
    let described = clients.ec2.describe_instances().instance_ids(&warmed).send().await.unwrap();
    let image = described.reservations()[0].instances()[0].image_id().unwrap().to_owned();
    assert_ne!(image, other_image, "it kept the image it was made with");
}

#[tokio::test]
async fn a_mixed_instances_override_launches_from_its_own_template() {
    use aws_sdk_autoscaling::types::{LaunchTemplate, LaunchTemplateOverrides, MixedInstancesPolicy};

    let (_turn, clients) = one_at_a_time().await;
    create_template(&clients, "fleet-mixed").await.unwrap();
    let other = clients.ssm.get_parameter().name(&emulator().seeded.parameters["2019"]).send().await.unwrap();
    let other_image = other.parameter().unwrap().value().unwrap().to_owned();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
        .image_id(&other_image)
        .instance_type("m5.large".into())
        .build();
    let create = clients.ec2.create_launch_template().launch_template_name("fleet-mixed-m5");
    create.launch_template_data(data).send().await.unwrap();
    let spec =
        |name: &str| LaunchTemplateSpecification::builder().launch_template_name(name).version("$Default").build();
    let override_m5 = LaunchTemplateOverrides::builder()
        .instance_type("m5.large")
        .launch_template_specification(spec("fleet-mixed-m5"));
    let policy = MixedInstancesPolicy::builder()
        .launch_template(
            LaunchTemplate::builder()
                .launch_template_specification(spec("fleet-mixed"))
                .overrides(override_m5.build())
                .build(),
        )
        .build();
    let subnets: Vec<&str> = emulator().seeded.subnets.iter().map(|s| s.id.as_str()).collect();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name("fleet-mixed")
        .mixed_instances_policy(policy)
        .min_size(1)
        .max_size(2)
        .desired_capacity(1)
        .vpc_zone_identifier(subnets.join(","))
        .send()
        .await
        .unwrap();

    let id = instances(&clients, "fleet-mixed").await.into_keys().next().unwrap();
    let described = clients.ec2.describe_instances().instance_ids(&id).send().await.unwrap();
    let instance = &described.reservations()[0].instances()[0];
    assert_eq!(instance.instance_type().map(|t| t.as_str()), Some("m5.large"));
    assert_eq!(instance.image_id(), Some(other_image.as_str()), "the override's template's image");
}

#[tokio::test]
async fn a_scheduled_action_runs_when_due_and_not_later_if_it_came_due_while_suspended() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-scheduled", 1);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    let schedule = |name: &'static str, desired: i32, in_seconds: f64| {
        let clients = clients.clone();
        async move {
            let at = aws_smithy_types::DateTime::from_secs_f64(emulator().virtual_now().await.unwrap() + in_seconds);
            let action =
                clients.autoscaling.put_scheduled_update_group_action().auto_scaling_group_name("fleet-scheduled");
            action.scheduled_action_name(name).start_time(at).desired_capacity(desired).send().await.unwrap();
        }
    };
    schedule("grow", 2, 300.0).await;
    wait(&clients, 200).await;
    assert_eq!(instances(&clients, "fleet-scheduled").await.len(), 1, "not yet due");
    wait(&clients, 101).await;
    assert_eq!(instances(&clients, "fleet-scheduled").await.len(), 2, "due");

    suspend(&clients, "fleet-scheduled", "ScheduledActions", true).await;
    schedule("grow more", 3, 60.0).await;
    wait(&clients, 61).await;
    assert_eq!(instances(&clients, "fleet-scheduled").await.len(), 2, "suspended when due");
    suspend(&clients, "fleet-scheduled", "ScheduledActions", false).await;
    assert_eq!(instances(&clients, "fleet-scheduled").await.len(), 2, "not run later");
}

#[tokio::test]
async fn an_alarm_scales_by_its_policy_each_cooldown_unless_alarm_notification_is_suspended() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-alarm", 1);
    spec.boot_seconds = 0;
    spec.max = 3;
    group(&clients, spec).await.unwrap();
    let policy = clients
        .autoscaling
        .put_scaling_policy()
        .auto_scaling_group_name("fleet-alarm")
        .policy_name("scale-out")
        .policy_type("SimpleScaling")
        .adjustment_type("ChangeInCapacity")
        .scaling_adjustment(1)
        .cooldown(300)
        .send()
        .await
        .unwrap();
    let arn = policy.policy_arn().unwrap().to_owned();
    suspend(&clients, "fleet-alarm", "AlarmNotification", true).await;
    emulator()
        .fault("alarm", json!({ "name": "fleet-alarm-busy", "policyArns": [arn], "state": "ALARM" }))
        .await
        .unwrap();

    assert_eq!(instances(&clients, "fleet-alarm").await.len(), 1, "suspended: no scaling");
    suspend(&clients, "fleet-alarm", "AlarmNotification", false).await;
    assert_eq!(instances(&clients, "fleet-alarm").await.len(), 2, "still in ALARM on resume: it acts");
    wait(&clients, 100).await;
    assert_eq!(instances(&clients, "fleet-alarm").await.len(), 2, "within the cooldown");
    wait(&clients, 201).await;
    assert_eq!(instances(&clients, "fleet-alarm").await.len(), 3, "after the cooldown, again");
    wait(&clients, 301).await;
    assert_eq!(instances(&clients, "fleet-alarm").await.len(), 3, "never past MaxSize");

    // What the policy did is told as AWS tells it: an activity per launch, newest first.
    let described =
        clients.autoscaling.describe_scaling_activities().auto_scaling_group_name("fleet-alarm").send().await.unwrap();
    let activities = described.activities();
    assert_eq!(activities.len(), 2, "{activities:?}");
    assert!(activities[0].description().unwrap().starts_with("Launching a new EC2 instance: i-"), "{activities:?}");
    let cause = activities[0].cause().unwrap();
    assert!(
        cause.contains("a monitor alarm fleet-alarm-busy in state ALARM triggered policy scale-out changing the desired capacity from 2 to 3."),
        "{cause}"
    );
    assert!(activities[1].cause().unwrap().contains("from 1 to 2"), "{activities:?}");
    assert!(activities[0].start_time().unwrap().secs() > activities[1].start_time().unwrap().secs());
}

#[tokio::test]
async fn a_classic_load_balancer_holds_new_instances_out_of_service_until_healthy_and_drains_on_deregister() {
    use aws_sdk_elasticloadbalancing::types::Instance;

    let (_turn, clients) = one_at_a_time().await;
    let seeded = &emulator().seeded;
    // Checked every 10 s, three passes to be InService; connection draining for 120 s.
    tuesday::local::fleet::classic_load_balancer(&clients, seeded, "fleet-classic", 120).await.unwrap();
    let elb = &clients.elb;
    let mut spec = Spec::new("fleet-classic", 1);
    spec.boot_seconds = 60;
    group(&clients, spec).await.unwrap();
    let attach = clients.autoscaling.attach_load_balancers().auto_scaling_group_name("fleet-classic");
    attach.load_balancer_names("fleet-classic").send().await.unwrap();
    let health = || async {
        let described = elb.describe_instance_health().load_balancer_name("fleet-classic").send().await.unwrap();
        described
            .instance_states()
            .iter()
            .map(|s| {
                (
                    s.instance_id().unwrap().to_owned(),
                    s.state().unwrap().to_owned(),
                    s.description().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };

    assert_eq!(health().await[0].1, "OutOfService", "booting");
    wait(&clients, 85).await;
    assert_eq!(health().await[0].1, "OutOfService", "booted at 60 s, three checks ten seconds apart to pass");
    wait(&clients, 6).await;
    let (id, state, _) = health().await.remove(0);
    assert_eq!(state, "InService");

    let deregister = elb.deregister_instances_from_load_balancer().load_balancer_name("fleet-classic");
    deregister.instances(Instance::builder().instance_id(&id).build()).send().await.unwrap();
    let during = health().await;
    assert_eq!(during.len(), 1);
    assert!(during[0].1 == "InService" && during[0].2.contains("deregistration"), "{during:?}");
    wait(&clients, 121).await;
    let after = health().await;
    assert!(after.is_empty(), "drained: {after:?}");
    set_desired(&clients, "fleet-classic", 2).await.unwrap();
    assert!(health().await.iter().all(|(i, _, _)| *i != id), "never registered again");
}

#[tokio::test]
async fn an_instance_the_group_terminates_stays_terminating_while_its_target_group_drains_it() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-terminating", 2);
    spec.target_group = true;
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    let update = clients.autoscaling.update_auto_scaling_group().auto_scaling_group_name("fleet-terminating");
    update.min_size(1).send().await.unwrap();
    set_desired(&clients, "fleet-terminating", 1).await.unwrap();

    let draining: Vec<LifecycleState> = states_of(&instances(&clients, "fleet-terminating").await);
    assert!(draining.contains(&LifecycleState::Terminating), "{draining:?}");
    wait(&clients, 121).await;
    assert_eq!(instances(&clients, "fleet-terminating").await.len(), 1, "gone once drained (120 s)");
}

#[tokio::test]
async fn a_group_with_instances_is_deleted_only_with_force_delete() {
    let (_turn, clients) = one_at_a_time().await;
    group(&clients, Spec::new("fleet-delete", 1)).await.unwrap();

    let refused = clients.autoscaling.delete_auto_scaling_group().auto_scaling_group_name("fleet-delete").send().await;
    assert_eq!(error_code(&refused.unwrap_err()), "ResourceInUse");
    let forced = clients.autoscaling.delete_auto_scaling_group().auto_scaling_group_name("fleet-delete");
    forced.force_delete(true).send().await.unwrap();
}

#[tokio::test]
async fn send_command_takes_at_most_fifty_instances_and_each_invocation_is_listed_with_its_status() {
    let (_turn, clients) = one_at_a_time().await;
    let instance_ids: Vec<String> = (0..51).map(|n| format!("i-{n:017x}")).collect();
    let send = |ids: &[String]| {
        clients
            .ssm
            .send_command()
            .document_name("AWS-RunPowerShellScript")
            .set_instance_ids(Some(ids.to_vec()))
            .parameters("commands", vec!["exit 0".to_owned()])
            .send()
    };

    let refused = send(&instance_ids).await.unwrap_err();
    assert_eq!(refused.as_service_error().and_then(|e| e.meta().code()), Some("ValidationException"));
    emulator().fault("failing-commands", json!({ "instanceIds": [instance_ids[1]] })).await.unwrap();
    let sent = send(&instance_ids[..2]).await.unwrap();
    let command_id = sent.command().and_then(|c| c.command_id()).unwrap();
    let listed = clients.ssm.list_command_invocations().command_id(command_id).send().await.unwrap();
    let statuses: BTreeMap<&str, &str> =
        listed.command_invocations().iter().map(|i| (i.instance_id().unwrap(), i.status().unwrap().as_str())).collect();
    assert_eq!(statuses, BTreeMap::from([(instance_ids[0].as_str(), "Success"), (instance_ids[1].as_str(), "Failed")]));
}

#[tokio::test]
async fn traffic_sources_register_the_groups_instances_and_are_listed_apart_from_the_older_attachments() {
    use aws_sdk_autoscaling::types::TrafficSourceIdentifier;

    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-traffic", 2);
    spec.boot_seconds = 0;
    group(&clients, spec).await.unwrap();
    let seeded = &emulator().seeded;
    let created = clients
        .elbv2
        .create_target_group()
        .name("fleet-traffic")
        .protocol("HTTP".into())
        .port(80)
        .vpc_id(&seeded.vpc)
        .send()
        .await
        .unwrap();
    let arn = created.target_groups()[0].target_group_arn().unwrap().to_owned();
    let lattice = "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123456789abcdef0";
    let source = |identifier: &str| TrafficSourceIdentifier::builder().identifier(identifier).build();
    let attach = clients.autoscaling.attach_traffic_sources().auto_scaling_group_name("fleet-traffic");
    attach.traffic_sources(source(&arn)).traffic_sources(source(lattice)).send().await.unwrap();
    let registered = || async {
        let health = clients.elbv2.describe_target_health().target_group_arn(&arn).send().await.unwrap();
        let ids = health.target_health_descriptions().iter().filter_map(|d| d.target()?.id().map(str::to_owned));
        ids.collect::<std::collections::BTreeSet<_>>()
    };

    let members: std::collections::BTreeSet<String> = instances(&clients, "fleet-traffic").await.into_keys().collect();
    assert_eq!(registered().await, members, "the instances in capacity are registered");
    let described =
        clients.autoscaling.describe_traffic_sources().auto_scaling_group_name("fleet-traffic").send().await.unwrap();
    let listed: Vec<(&str, &str)> =
        described.traffic_sources().iter().map(|s| (s.identifier().unwrap(), s.r#type().unwrap())).collect();
    assert_eq!(listed, [(arn.as_str(), "elbv2"), (lattice, "vpc-lattice")], "each with the type its identifier is");
    let groups =
        clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names("fleet-traffic").send().await;
    let group = groups.unwrap().auto_scaling_groups()[0].clone();
    assert_eq!(group.traffic_sources().len(), 2);
    assert!(group.target_group_arns().is_empty(), "listed as traffic sources only");
    set_desired(&clients, "fleet-traffic", 3).await.unwrap();
    assert_eq!(registered().await.len(), 3, "a new instance is registered as it goes in service");
}

#[tokio::test]
async fn an_instances_ssm_agent_is_online_once_it_has_booted() {
    let (_turn, clients) = one_at_a_time().await;
    let mut spec = Spec::new("fleet-agent", 1);
    spec.boot_seconds = 60;
    group(&clients, spec).await.unwrap();
    let id = instances(&clients, "fleet-agent").await.into_keys().next().unwrap();
    let agent = || async {
        let filter = aws_sdk_ssm::types::InstanceInformationStringFilter::builder().key("InstanceIds").values(&id);
        let described =
            clients.ssm.describe_instance_information().filters(filter.build().unwrap()).send().await.unwrap();
        described.instance_information_list().first().and_then(|n| n.ping_status().cloned())
    };

    assert_eq!(agent().await, None, "booting: not registered yet");
    wait(&clients, 61).await;
    assert_eq!(agent().await, Some(aws_sdk_ssm::types::PingStatus::Online));
}

#[tokio::test]
async fn an_image_with_fast_launch_boots_in_35_percent_of_the_time_while_a_snapshot_is_on_hand() {
    let (_turn, clients) = one_at_a_time().await;
    let image = tuesday_tests::baked_copy(&clients, "fleet-fast-launch", false).await.unwrap();
    let one_snapshot =
        aws_sdk_ec2::types::FastLaunchSnapshotConfigurationRequest::builder().target_resource_count(1).build();
    let enable = clients.ec2.enable_fast_launch().image_id(&image).resource_type("snapshot");
    enable.max_parallel_launches(6).snapshot_configuration(one_snapshot).send().await.unwrap();
    wait(&clients, 20 * 60).await;
    let mut spec = Spec::new("fleet-fast-launch", 0);
    spec.max = 2;
    group(&clients, spec).await.unwrap();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(&image).build();
    let version = clients.ec2.create_launch_template_version().launch_template_name("fleet-fast-launch");
    version.launch_template_data(data).send().await.unwrap();
    let template = clients.ec2.modify_launch_template().launch_template_name("fleet-fast-launch");
    template.default_version("2").send().await.unwrap();

    set_desired(&clients, "fleet-fast-launch", 1).await.unwrap();
    set_desired(&clients, "fleet-fast-launch", 2).await.unwrap();
    // 300 s of boot: 105 s from the one pre-provisioned snapshot, the full time for the next launch.
    wait(&clients, 110).await;

    let states: Vec<LifecycleState> =
        instances(&clients, "fleet-fast-launch").await.into_values().map(|(_, state)| state).collect();
    let in_service = states.iter().filter(|s| **s == LifecycleState::InService).count();
    assert_eq!((states.len(), in_service), (2, 1), "{states:?}");
}

#[tokio::test]
async fn a_launch_past_the_accounts_vcpu_quota_is_refused_and_the_group_tries_again_once_it_is_raised() {
    let (_turn, clients) = one_at_a_time().await;
    // The X bucket (x2iedn.xlarge: 4 vCPUs), which no other test launches into: 8 vCPUs, two instances.
    let quota = |value: u32| json!({ "quotaCode": "L-7295265B", "value": value });
    emulator().fault("quota", quota(8)).await.unwrap();
    let image = emulator().seeded.parameters["2022"].clone();
    let image = clients.ssm.get_parameter().name(image).send().await.unwrap();
    let image_id = image.parameter().and_then(|p| p.value()).unwrap().to_owned();
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
        .image_id(&image_id)
        .instance_type("x2iedn.xlarge".into())
        .build();
    clients
        .ec2
        .create_launch_template()
        .launch_template_name("fleet-quota")
        .launch_template_data(data)
        .send()
        .await
        .unwrap();
    let subnets: Vec<&str> = emulator().seeded.subnets.iter().map(|s| s.id.as_str()).collect();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name("fleet-quota")
        .launch_template(LaunchTemplateSpecification::builder().launch_template_name("fleet-quota").build())
        .min_size(0)
        .max_size(4)
        .desired_capacity(2)
        .vpc_zone_identifier(subnets.join(","))
        .send()
        .await
        .unwrap();
    assert_eq!(instances(&clients, "fleet-quota").await.len(), 2, "within the quota");

    let refused = clients
        .ec2
        .run_instances()
        .image_id(&image_id)
        .instance_type("x2iedn.xlarge".into())
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(aws_sdk_ec2::error::ProvideErrorMetadata::code(&refused), Some("VcpuLimitExceeded"));
    let message = aws_sdk_ec2::error::ProvideErrorMetadata::message(&refused).unwrap_or_default().to_owned();
    assert!(message.contains("current vCPU limit of 8 allows"), "{message}");

    set_desired(&clients, "fleet-quota", 3).await.expect("Auto Scaling takes the desired capacity");
    assert_eq!(instances(&clients, "fleet-quota").await.len(), 2, "EC2 refused the third");
    let activities =
        clients.autoscaling.describe_scaling_activities().auto_scaling_group_name("fleet-quota").send().await.unwrap();
    let failed = &activities.activities()[0];
    assert_eq!(failed.status_code().map(|s| s.as_str()), Some("Failed"));
    let status = failed.status_message().unwrap_or_default();
    assert!(status.contains("vCPU limit of 8") && status.ends_with("Launching EC2 instance failed."), "{status}");

    emulator().fault("quota", quota(12)).await.unwrap();
    wait(&clients, 120).await;
    assert_eq!(instances(&clients, "fleet-quota").await.len(), 3, "launched once the quota allowed it");
}
