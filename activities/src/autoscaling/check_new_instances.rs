//! Are the new instances ready? Each must run the new image, be InService and Healthy in the group,
//! healthy in every target group and InService in every Classic Load Balancer the group serves (with
//! none, its SSM Agent online). Once they are, and cover their zones: which instances go.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_autoscaling::types::{AutoScalingGroup, Instance, LifecycleState};
use aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum;

use super::describe;
use super::plan_cycle::{per_zone, running_images, staying};
use crate::elbv2::classic::{self, Standing};
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::check_new_instances::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "ec2:DescribeInstances",
    "elasticloadbalancing:DescribeInstanceHealth",
    "elasticloadbalancing:DescribeTargetHealth",
    "ssm:DescribeInstanceInformation",
];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let group = describe(clients, &input.group_name).await?;
    let present: BTreeSet<&str> = input.present.iter().map(String::as_str).collect();
    // New is what holds capacity and was not there before: not an instance on its way out, nor one
    // someone put in Standby.
    let staying = staying(&group);
    let new: Vec<_> = staying.iter().filter(|i| !present.contains(i.instance_id().unwrap_or_default())).collect();
    let holds = |id: &String| staying.iter().any(|i| i.instance_id() == Some(id.as_str()));
    let (old_left, gone): (Vec<String>, Vec<String>) = input.remaining.iter().cloned().partition(holds);
    // What a scale-in took of the batch's capacity during the wait is no longer the batch's to take out.
    let desired = group.desired_capacity().unwrap_or_default();
    let scaled_in_by = u32::try_from(input.desired_capacity - desired).unwrap_or(0);
    let scaled_in = match scaled_in_by > 0 && new.len() < input.expected as usize {
        true => vec![format!(
            "a scale-in during the wait took {scaled_in_by} of its capacity (desired {desired} where the batch set {}), {} of its {} new instances left",
            input.desired_capacity,
            new.len(),
            input.expected
        )],
        false => Vec::new(),
    };

    // Without a load balancer to say an instance serves, its SSM Agent online is the sign it is up
    // (booted, signed in to its network), rather than a fixed sleep.
    let serving = match serving_in_every_load_balancer(clients, &input).await? {
        Some(serving) => serving,
        None => agents_online(clients, &new).await?,
    };

    let (mut ready_ids, mut unhealthy) = (Vec::new(), Vec::new());
    for instance in &new {
        let id = instance.instance_id().unwrap_or_default().to_owned();
        let in_group = instance.lifecycle_state() == Some(&LifecycleState::InService)
            && instance.health_status() == Some("Healthy");
        if in_group && serving.contains(&id) {
            ready_ids.push(id);
        } else {
            unhealthy.push(id);
        }
    }
    let new_instances: Vec<String> = new.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let wrong_image: Vec<String> = running_images(clients, &new_instances)
        .await?
        .into_iter()
        .filter(|(_, image)| *image != input.image_id)
        .map(|(id, image)| format!("{id}: {image}"))
        .collect();
    let healthy = ready_ids.len() as u32;
    let ready = healthy >= input.expected && unhealthy.is_empty() && wrong_image.is_empty();
    let uncovered = match ready {
        true => uncovered(&group, &input.per_zone, &ready_ids),
        false => Vec::new(),
    };
    let (mut outgoing, mut surplus) = (Vec::new(), Vec::new());
    if ready && uncovered.is_empty() {
        let taken_out = input.expected.saturating_sub(scaled_in_by) as usize;
        outgoing = self::outgoing(&group, &old_left, &ready_ids, taken_out);
        surplus = self::surplus(&group, &outgoing, &ready_ids, taken_out.saturating_sub(outgoing.len()));
        outgoing.extend(surplus.iter().cloned());
    }
    Ok(Output {
        wrong_image,
        uncovered,
        outgoing,
        surplus,
        gone,
        scaled_in,
        ready,
        new_instances,
        healthy,
        expected: input.expected,
        held_by_hooks: new
            .iter()
            .filter(|i| {
                matches!(i.lifecycle_state(), Some(LifecycleState::PendingWait | LifecycleState::PendingProceed))
            })
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect(),
        unhealthy,
    })
}

/// The instances serving in every target group (healthy) and Classic Load Balancer (InService);
/// None when the group serves through none.
async fn serving_in_every_load_balancer(
    clients: &Clients,
    input: &Input,
) -> Result<Option<BTreeSet<String>>, ActivityError> {
    let mut everywhere: Option<BTreeSet<String>> = None;
    let mut keep = |serving: BTreeSet<String>| {
        everywhere = Some(match everywhere.take() {
            None => serving,
            Some(so_far) => so_far.intersection(&serving).cloned().collect(),
        });
    };
    for arn in &input.target_group_arns {
        let health = clients.elbv2.describe_target_health().target_group_arn(arn).send().await?;
        keep(
            health
                .target_health_descriptions()
                .iter()
                .filter(|d| d.target_health().and_then(|h| h.state()) == Some(&TargetHealthStateEnum::Healthy))
                .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
                .collect(),
        );
    }
    for balancer in &input.load_balancer_names {
        let registered = classic::registered(clients, balancer).await?;
        keep(registered.into_iter().filter(|(_, standing)| *standing == Standing::Serving).map(|(id, _)| id).collect());
    }
    Ok(everywhere)
}

/// Which of the instances Systems Manager hears from (PingStatus Online), fifty to a call.
async fn agents_online(clients: &Clients, instances: &[&&Instance]) -> Result<BTreeSet<String>, ActivityError> {
    use aws_sdk_ssm::types::{InstanceInformationStringFilter, PingStatus};

    let ids: Vec<String> = instances.iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
    let mut online = BTreeSet::new();
    for chunk in ids.chunks(50) {
        let filter = InstanceInformationStringFilter::builder().key("InstanceIds").set_values(Some(chunk.to_vec()));
        // Key and values are both set: building cannot fail.
        let filter = filter.build().map_err(|e| ActivityError::new(contract::errors::AWS, e))?;
        let described = clients.ssm.describe_instance_information().filters(filter).send().await?;
        let nodes = described.instance_information_list().iter();
        let up = nodes.filter(|n| n.ping_status() == Some(&PingStatus::Online));
        online.extend(up.filter_map(|n| n.instance_id().map(str::to_owned)));
    }
    Ok(online)
}

/// The `count` old instances the new ones replace, each from the zone holding the most old ones still
/// to replace (of those, one where a new instance landed): the old ones left stay spread over the
/// zones, so each later launch, which Auto Scaling puts in the zone with the fewest instances, keeps
/// the new ones balanced. Taking from the new instances' zones alone cannot: balancing may put every
/// launch of a one-at-a-time cycle in the same zone, whose old ones run out first.
fn outgoing(group: &AutoScalingGroup, remaining: &[String], ready: &[String], count: usize) -> Vec<String> {
    let zone_of =
        |id: &str| group.instances().iter().find(|i| i.instance_id() == Some(id)).and_then(|i| i.availability_zone());
    let mut left: Vec<(&str, Option<&str>)> = remaining.iter().map(|id| (id.as_str(), zone_of(id))).collect();
    let mut unmatched: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for id in ready {
        *unmatched.entry(zone_of(id)).or_default() += 1;
    }
    let mut picked = Vec::new();
    while picked.len() < count && !left.is_empty() {
        let old_in = |zone: Option<&str>| left.iter().filter(|(_, z)| *z == zone).count();
        let landed = |zone: Option<&str>| unmatched.get(&zone).is_some_and(|n| *n > 0);
        let rank = |at: usize| (old_in(left[at].1), landed(left[at].1), std::cmp::Reverse(at));
        let at = (0..left.len()).max_by_key(|at| rank(*at)).unwrap_or(0);
        let (id, zone) = left.remove(at);
        if let Some(n) = unmatched.get_mut(&zone) {
            *n = n.saturating_sub(1);
        }
        picked.push(id.to_owned());
    }
    picked
}

/// `count` of the ready new instances, when the old ones ran out: each from the zone holding the
/// most instances once `outgoing` are gone, so that the group stays balanced.
fn surplus(group: &AutoScalingGroup, outgoing: &[String], ready: &[String], count: usize) -> Vec<String> {
    let mut zones =
        per_zone(staying(group).into_iter().filter(|i| !outgoing.iter().any(|id| i.instance_id() == Some(id))));
    let mut left: Vec<&Instance> =
        group.instances().iter().filter(|i| ready.iter().any(|id| i.instance_id() == Some(id))).collect();
    let mut picked = Vec::new();
    while picked.len() < count && !left.is_empty() {
        let fullness = |i: &Instance| zones.get(i.availability_zone().unwrap_or_default()).copied().unwrap_or(0);
        let at = (0..left.len()).max_by_key(|at| (fullness(left[*at]), std::cmp::Reverse(*at))).unwrap_or(0);
        let instance = left.remove(at);
        if let Some(n) = zones.get_mut(instance.availability_zone().unwrap_or_default()) {
            *n = n.saturating_sub(1);
        }
        picked.push(instance.instance_id().unwrap_or_default().to_owned());
    }
    picked
}

/// The zones that got fewer new instances than Auto Scaling's balancing gives them: it launches
/// each into the zone with the fewest instances, and into another only when that zone cannot launch
/// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html#arch-AutoScalingMultiAZ).
/// A group that starts imbalanced gets its new instances where it is short, so they need not cover
/// the old ones zone by zone; a zone that could not launch gets fewer than its share.
fn uncovered(group: &AutoScalingGroup, per_zone: &BTreeMap<String, u32>, ready: &[String]) -> Vec<String> {
    let zones: Vec<String> = group.availability_zones().to_vec();
    let mut new_per_zone: BTreeMap<&str, u32> = zones.iter().map(|zone| (zone.as_str(), 0)).collect();
    for instance in group.instances().iter().filter(|i| ready.iter().any(|id| Some(id.as_str()) == i.instance_id())) {
        *new_per_zone.entry(instance.availability_zone().unwrap_or_default()).or_default() += 1;
    }
    let launched: u32 = new_per_zone.values().sum();
    zones
        .iter()
        .filter_map(|zone| {
            let (new, share) = (new_per_zone[zone.as_str()], least_share(&zones, per_zone, launched, zone));
            (new < share).then(|| format!("{zone}: {new} new where balancing gives it {share}"))
        })
        .collect()
}

/// The fewest of `launched` instances balancing puts in `zone`: each goes to the zone with the
/// fewest, ties going to any other zone first.
fn least_share(zones: &[String], per_zone: &BTreeMap<String, u32>, launched: u32, zone: &str) -> u32 {
    let mut counts: BTreeMap<&str, u32> =
        zones.iter().map(|z| (z.as_str(), per_zone.get(z).copied().unwrap_or(0))).collect();
    let mut share = 0;
    for _ in 0..launched {
        let next = counts.iter().min_by_key(|(z, count)| (**count, **z == zone)).map(|(z, _)| *z).unwrap_or(zone);
        *counts.entry(next).or_default() += 1;
        share += u32::from(next == zone);
    }
    share
}
