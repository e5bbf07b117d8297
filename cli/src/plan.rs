//! `tuesday plan`: the dry run of a whole patch, as a table per wave and group, changing nothing.
//! The same planning activities the machines run: the patch's checks, then each group's cycle plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use activities::{registry, Clients};
use anyhow::{Context, Result};
use aws_sdk_autoscaling::types::Filter;
use serde_json::{json, Value};
use workflow_gen::machines::cycle::Plan;
use workflow_gen::machines::patch::PatchPlan;

/// One group of one wave.
pub struct Row {
    pub wave: String,
    pub plan: Plan,
}

/// Plans every wave of `input` (the patch machine's input) against the account `clients` reach.
pub async fn plan(clients: &Clients, input: Value) -> Result<Vec<Row>> {
    let checked =
        registry::invoke(clients, "PlanPatch", input).await.map_err(|e| anyhow::anyhow!("{}: {}", e.name, e.cause))?;
    let patch: PatchPlan = serde_json::from_value(checked)?;
    let mut rows = Vec::new();
    for wave in &patch.waves {
        let groups = if wave.groups.is_empty() { tagged(clients, &wave.recipe).await? } else { wave.groups.clone() };
        for group in groups {
            let settings = &patch.cycle;
            let request = json!({
                "groupName": group, "dryRun": true, "surgePercent": settings.surge_percent,
                "warmUpSeconds": settings.warm_up_seconds, "pollSeconds": settings.poll_seconds,
                "healthyTimeoutSeconds": settings.healthy_timeout_seconds,
            });
            let planned = registry::invoke(clients, "PlanCycle", request)
                .await
                .map_err(|e| anyhow::anyhow!("planning {group}: {}: {}", e.name, e.cause))?;
            rows.push(Row { wave: wave.name.clone(), plan: serde_json::from_value(planned).context("a cycle plan")? });
        }
    }
    Ok(rows)
}

async fn tagged(clients: &Clients, recipe: &str) -> Result<Vec<String>> {
    let filter = Filter::builder().name("tag:tuesday:image").values(recipe).build();
    let found = clients.autoscaling.describe_auto_scaling_groups().filters(filter).send().await?;
    Ok(found.auto_scaling_groups().iter().filter_map(|g| g.auto_scaling_group_name().map(str::to_owned)).collect())
}

/// The table: instances to replace per zone, peak capacity, MaxSize headroom, blockers.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<16} {:<28} {:>7} {:>5} {:>12}  blockers and warnings",
        "wave", "group", "to replace (per zone)", "desired", "peak", "MaxSize"
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
            "{:<10} {:<16} {:<28} {:>7} {:>5} {:>12}  {}",
            wave,
            plan.group_name,
            format!("{} ({})", plan.old_instances.len(), per_zone.join(", ")),
            plan.snapshot.desired_capacity,
            plan.peak_capacity,
            max,
            if notes.is_empty() { "none".into() } else { notes.join("; ") }
        );
    }
    out
}
