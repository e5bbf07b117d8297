//! `tuesday plan`: the dry run of a whole patch, as a table per wave and group, changing nothing.
//! The same planning activities the machines run: the patch's checks, then each group's cycle plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use activities::autoscaling::{find_groups, plan_cycle};
use activities::checks::plan_patch;
use activities::{registry, ActivityError, Clients};
use anyhow::Result;
use contract::machines::cycle::Plan;
use serde_json::Value;

/// One group of one wave.
pub struct Row {
    pub wave: String,
    pub plan: Plan,
}

/// Plans every wave of `input` (the patch machine's input) against the account `clients` reach.
pub async fn plan(clients: &Clients, input: Value) -> Result<Vec<Row>> {
    let patch = plan_patch::handle(clients, registry::parse(input).map_err(failed)?).await.map_err(failed)?;
    let mut rows = Vec::new();
    for wave in &patch.waves {
        let groups = match wave.groups.is_empty() {
            true => find_groups::tagged(clients, &wave.recipe).await.map_err(failed)?.into_iter().collect(),
            false => wave.groups.clone(),
        };
        for group in groups {
            let request = patch.cycle.cycle_input(&group, None, true);
            let plan = plan_cycle::handle(clients, request)
                .await
                .map_err(|e| anyhow::anyhow!("planning {group}: {}: {}", e.name, e.cause))?;
            rows.push(Row { wave: wave.name.clone(), plan });
        }
    }
    Ok(rows)
}

fn failed(error: ActivityError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", error.name, error.cause)
}

/// The table: instances to replace per zone, peak capacity, batches, MaxSize headroom, blockers.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<16} {:<28} {:>7} {:>5} {:>7} {:>12}  blockers and warnings",
        "wave", "group", "to replace (per zone)", "desired", "peak", "batches", "MaxSize"
    );
    for Row { wave, plan } in rows {
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
            "{:<10} {:<16} {:<28} {:>7} {:>5} {:>7} {:>12}  {}",
            wave,
            plan.group_name,
            format!("{} ({})", plan.old_instances.len(), per_zone.join(", ")),
            plan.snapshot.desired_capacity,
            plan.peak_capacity,
            plan.batches,
            max,
            if notes.is_empty() { "none".into() } else { notes.join("; ") }
        );
    }
    out
}
