//! `tuesday plan`: the dry run of a whole patch, as a table per wave and group, changing nothing.
//! The same planning activities the machines run: the patch's checks, then each group's cycle plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use activities::autoscaling::{find_groups, plan_cycle};
use activities::checks::plan_patch;
use activities::ec2::latest_baked_images;
use activities::elbv2::deregister_instances;
use activities::ssm::resolve_source_ami;
use activities::surge_budget::{self, Budget, Surge};
use activities::{registry, ActivityError, Clients};
use anyhow::Result;
use contract::machines::cycle::Plan;
use contract::machines::patch::{Approval, Wave};
use contract::machines::update::MAX_CONCURRENT_GROUPS;
use contract::machines::validate;
use serde_json::Value;

/// A patch's plan: its groups, which each wave takes, and the load test each wave must pass.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Planned {
    /// Where the groups are: the account and region their ARNs name.
    pub account: Option<String>,
    pub region: Option<String>,
    pub rows: Vec<Row>,
    pub waves: Vec<WaveGroups>,
    pub load_tests: Vec<LoadTest>,
}

/// One group of one wave.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub wave: String,
    pub plan: Plan,
    /// How the group names what it launches: `$Default`, `version 3`, `$Latest` (of its template or
    /// its mixed instances policy's), or `launch configuration`.
    pub reference: String,
    /// What its instances run, and so its surge launches.
    pub instance_type: Option<String>,
    /// About how long its cycle takes: each batch's warm-up, a health check, and the drain.
    pub estimated_seconds: u64,
    #[serde(skip)]
    arn: Option<String>,
}

/// Which groups a wave takes, in words, and how many of them surge at once.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaveGroups {
    pub wave: String,
    pub taken: String,
    pub budget: Budget,
    /// When the wave stops the patch, and whether a person approves it first, in words.
    pub gate: String,
    /// The image the wave rolls out, in words: AWS's newest for its recipe, and the newest baked.
    pub image: String,
    /// About how long the wave's cycles take, its groups surging as many at once as the budget lets.
    pub estimated_seconds: u64,
}

/// The load test between one wave and the next.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadTest {
    pub wave: String,
    pub validate: Option<validate::Input>,
}

/// Plans every wave of `input` (the patch machine's input) against the account `clients` reach.
pub async fn plan(clients: &Clients, input: Value) -> Result<Planned> {
    let patch = plan_patch::handle(clients, registry::parse(input).map_err(failed)?).await.map_err(failed)?;
    let mut rows = Vec::new();
    let mut waves = Vec::new();
    let recipes = &patch.bake_input.recipes;
    let newest = latest_baked_images::Input { recipes: recipes.clone(), baked: Vec::new() };
    let baked = latest_baked_images::handle(clients, newest).await.map_err(failed)?.by_recipe;
    for (i, wave) in patch.waves.iter().enumerate() {
        let tag = format!("{}={}", find_groups::IMAGE_TAG, wave.recipe);
        let (groups, taken) = match (wave.groups.is_empty(), &wave.size) {
            (true, _) => {
                let earlier = patch.taken_before(i);
                let tagged = find_groups::tagged(clients, &wave.recipe).await.map_err(failed)?;
                let rest: Vec<String> = tagged.into_iter().filter(|g| !earlier.contains(g)).collect();
                let taken = format!("the {} groups tagged {tag} no earlier wave takes", rest.len());
                (rest, taken)
            }
            (false, Some(size)) => {
                let total = find_groups::tagged(clients, &wave.recipe).await.map_err(failed)?.len();
                let taken = format!("{size} of the {total} groups tagged {tag}, in order of name");
                (wave.groups.clone(), taken)
            }
            (false, None) => (wave.groups.clone(), "named".into()),
        };
        let mut surges = Vec::new();
        let mut cycles = Vec::new();
        for group in &groups {
            let request = patch.cycle.cycle_input(group, None, true);
            let plan = plan_cycle::handle(clients, request)
                .await
                .map_err(|e| anyhow::anyhow!("planning {group}: {}: {}", e.name, e.cause))?;
            let (reference, instance_type, arn) = launches(clients, group).await?;
            // A group with no instance has nothing to replace, and no surge.
            if let Some(instance_type) = instance_type.clone() {
                surges.push(Surge { instance_type, instances: plan.surge.max(0) as u32 });
            }
            let drain =
                deregister_instances::drain_seconds(clients, &plan.target_group_arns, &plan.load_balancer_names)
                    .await
                    .map_err(failed)?;
            let estimated_seconds = u64::from(plan.batches) * (plan.warm_up_seconds + plan.poll_seconds + drain);
            cycles.push(estimated_seconds);
            rows.push(Row { wave: wave.name.clone(), plan, reference, instance_type, estimated_seconds, arn });
        }
        let budget = surge_budget::budget(clients, &surges, MAX_CONCURRENT_GROUPS).await.map_err(failed)?;
        let gate = gate(wave, groups.len());
        let recipe = recipes.iter().find(|r| r.name == wave.recipe).expect("the plan checked every wave's recipe");
        let source = resolve_source_ami::Input { source: recipe.source.clone() };
        let source = resolve_source_ami::handle(clients, source).await.map_err(failed)?;
        let name = source.name.map(|name| format!("{name}, ")).unwrap_or_default();
        let newest_baked =
            baked.get(&wave.recipe).map_or("none baked yet".to_owned(), |id| format!("newest baked: {id}"));
        let image = format!("{} from AWS's newest ({name}{}); {newest_baked}", wave.recipe, source.image_id);
        let taken = format!("{taken}: {}", groups.join(", "));
        let estimated_seconds = at_once(cycles, budget.groups_at_once);
        waves.push(WaveGroups { wave: wave.name.clone(), taken, budget, gate, image, estimated_seconds });
    }
    let load_tests =
        patch.waves.into_iter().map(|wave| LoadTest { wave: wave.name, validate: wave.validate }).collect();
    // arn:aws:autoscaling:<region>:<account>:autoScalingGroup:...
    let arn = rows.iter().find_map(|r| r.arn.clone()).unwrap_or_default();
    let mut parts = arn.split(':').skip(3).map(str::to_owned);
    let (region, account) = (parts.next(), parts.next());
    Ok(Planned { account, region, rows, waves, load_tests })
}

/// How long `cycles` take run `lanes` at once, each starting as one ends, the longest first.
fn at_once(mut cycles: Vec<u64>, lanes: u32) -> u64 {
    cycles.sort_unstable_by(|a, b| b.cmp(a));
    let mut ends = vec![0; lanes.max(1) as usize];
    for cycle in cycles {
        let soonest = ends.iter_mut().min().expect("at least one lane");
        *soonest += cycle;
    }
    ends.into_iter().max().unwrap_or(0)
}

/// When `wave` of `groups` stops the patch, and who starts it.
fn gate(wave: &Wave, groups: usize) -> String {
    let stops = match wave.tolerated_failures.as_ref().map(|t| t.tolerance_of(groups).unwrap_or(0)) {
        None | Some(0) => "stops the patch if any group fails".to_owned(),
        Some(most) => format!("stops the patch if more than {most} of its {groups} groups fail"),
    };
    let starts = match wave.approval {
        Approval::Manual => "starts once a person approves it",
        Approval::Auto => "starts without asking",
    };
    format!("{stops}; {starts}")
}

/// How the group names what it launches, the instance type its instances run (its surge launches
/// the same, unless its template changes it), and its ARN.
async fn launches(clients: &Clients, group: &str) -> Result<(String, Option<String>, Option<String>)> {
    let described = clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await?;
    let Some(found) = described.auto_scaling_groups().first() else { return Ok(("none".into(), None, None)) };
    let version = |v: Option<&str>| match v {
        Some(v @ ("$Default" | "$Latest")) => v.to_owned(),
        Some(number) => format!("version {number}"),
        None => "$Default".to_owned(),
    };
    let policy = found.mixed_instances_policy().and_then(|p| p.launch_template());
    let reference = match (found.launch_template(), policy.and_then(|t| t.launch_template_specification())) {
        (Some(template), _) => version(template.version()),
        (None, Some(template)) => format!("mixed policy, {}", version(template.version())),
        (None, None) if found.launch_configuration_name().is_some() => "launch configuration".to_owned(),
        (None, None) => "none".to_owned(),
    };
    let instance_type = found.instances().iter().find_map(|i| i.instance_type()).map(str::to_owned);
    Ok((reference, instance_type, found.auto_scaling_group_arn().map(str::to_owned)))
}

/// An activity's refusal of the patch's input is the person's to mend (exit code 2); the rest failed.
fn failed(error: ActivityError) -> anyhow::Error {
    match error.name {
        contract::errors::INVALID_INPUT => crate::usage!("{}: {}", error.name, error.cause),
        _ => anyhow::anyhow!("{}: {}", error.name, error.cause),
    }
}

/// Which groups each wave takes, its image, how many surge at once against the vCPU quotas, and what
/// stops it; then the table: how each group references its template, the image it runs, its
/// instance type, instances to replace per zone, peak capacity, batches, MaxSize headroom, blockers;
/// the totals; then each wave's load test and what fails it.
pub fn render(Planned { account, region, rows, waves, load_tests }: &Planned) -> String {
    let mut out = String::new();
    if let (Some(account), Some(region)) = (account, region) {
        let _ = writeln!(out, "account {account}, region {region}\n");
    }
    let _ = writeln!(out, "each wave's groups, in the order the waves run");
    for WaveGroups { wave, taken, budget, gate, image, estimated_seconds } in waves {
        let _ = writeln!(out, "{wave:<10} {taken}");
        let _ = writeln!(out, "{:<10} image: {image}", "");
        let _ = writeln!(out, "{:<10} groups surging at once: {} ({})", "", budget.groups_at_once, budget.limited_by);
        for bucket in &budget.buckets {
            let _ = writeln!(
                out,
                "{:<10} {}: surges of {} vCPUs in all, beside {} running, against a quota of {}",
                "",
                bucket.name,
                bucket.surges.iter().sum::<u32>(),
                bucket.running_vcpus,
                bucket.quota_vcpus
            );
        }
        let minutes = estimated_seconds.div_ceil(60);
        let _ = writeln!(
            out,
            "{:<10} about {minutes} min of cycles (each batch: the warm-up, a health check, the drain; boots slower than the warm-up add to it)",
            ""
        );
        let _ = writeln!(out, "{:<10} {gate}", "");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<10} {:<16} {:<16} {:<22} {:<12} {:<28} {:>7} {:>5} {:>7} {:>12}  blockers and warnings",
        "wave",
        "group",
        "launches",
        "image now",
        "type",
        "to replace (per zone)",
        "desired",
        "peak",
        "batches",
        "MaxSize"
    );
    for Row { wave, plan, reference, instance_type, .. } in rows {
        let zones: BTreeMap<&str, u32> = plan.old_per_zone.iter().map(|(z, n)| (z.as_str(), *n)).collect();
        let per_zone: Vec<String> = zones.iter().map(|(zone, n)| format!("{zone} {n}")).collect();
        let max = if plan.max_size_during > plan.snapshot.max_size {
            format!("{} → {}", plan.snapshot.max_size, plan.max_size_during)
        } else {
            plan.snapshot.max_size.to_string()
        };
        let notes: Vec<String> =
            plan.blockers.iter().map(|b| format!("BLOCKED: {b}")).chain(plan.warnings.iter().cloned()).collect();
        let _ = writeln!(
            out,
            "{:<10} {:<16} {:<16} {:<22} {:<12} {:<28} {:>7} {:>5} {:>7} {:>12}  {}",
            wave,
            plan.group_name,
            reference,
            plan.image_id,
            instance_type.as_deref().unwrap_or("none"),
            format!("{} ({})", plan.old_instances.len(), per_zone.join(", ")),
            plan.snapshot.desired_capacity,
            plan.peak_capacity,
            plan.batches,
            max,
            if notes.is_empty() { "none".into() } else { notes.join("; ") }
        );
    }
    let replaced: usize = rows.iter().map(|r| r.plan.old_instances.len()).sum();
    let surging: i32 = rows.iter().map(|r| r.plan.surge.max(0)).sum();
    let blocked = rows.iter().filter(|r| !r.plan.blockers.is_empty()).count();
    let _ = writeln!(
        out,
        "in all: {} groups, {replaced} instances to replace, {surging} launched in their first batches, {blocked} blocked",
        rows.len()
    );
    let _ = writeln!(out, "\neach wave's load test, passed before the patch goes on");
    for LoadTest { wave, validate } in load_tests {
        let _ = match validate {
            Some(load) => {
                let load_size = match (load.rate, load.duration_seconds) {
                    (Some(rate), Some(seconds)) => format!("{rate} requests per second for {seconds} s"),
                    (None, Some(seconds)) => format!("requests for {seconds} s"),
                    _ => format!("{} requests", load.requests),
                };
                let watch = match &load.watch_group {
                    Some(group) => match &group.expect_scale_out {
                        Some(expect) => {
                            format!("; and when {} has not scaled out within {} s", group.name, expect.within_seconds)
                        }
                        None => format!("; watches {}", group.name),
                    },
                    None => String::new(),
                };
                writeln!(
                    out,
                    "{wave:<10} {} {}: {load_size} from {} bees at {} connections; {}{watch}",
                    load.method,
                    load.url,
                    load.bees,
                    load.concurrency,
                    bees::report::gate_in_words(&load.thresholds)
                )
            }
            None => writeln!(out, "{wave:<10} none"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::at_once;

    #[test]
    fn cycles_run_as_many_at_once_as_the_budget_lets_the_longest_first() {
        assert_eq!(at_once(vec![10, 10, 10], 2), 20);
        assert_eq!(at_once(vec![10, 30, 10, 10], 2), 30);
        assert_eq!(at_once(vec![10, 10], 0), 20, "never fewer than one at a time");
        assert_eq!(at_once(Vec::new(), 4), 0);
    }
}
