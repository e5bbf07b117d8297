//! Append a wave's outcome to the run's progress: per group, what happened and how many instances
//! were replaced, not the update's whole output (that stays in the update's own execution).

use std::collections::BTreeMap;

use contract::machines::patch::{GroupOutcome, Progress, WaveSummary};
use serde_json::Value;

use crate::{ActivityError, Clients};

pub use contract::activities::checks::record_wave::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Progress, ActivityError> {
    let mut progress = input.progress;
    progress.index += 1;
    progress.results.push(summary(&input.result));
    Ok(progress)
}

fn summary(wave: &Value) -> WaveSummary {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let present = |v: &Value| (!v.is_null()).then(|| v.clone());
    let update = &wave["update"];
    let groups = update["groups"].as_array().into_iter().flatten();
    let mut counts: BTreeMap<String, u32> = serde_json::from_value(update["counts"].clone()).unwrap_or_default();
    if counts.is_empty() {
        for group in groups.clone() {
            *counts.entry(text(&group["status"]).unwrap_or_default()).or_default() += 1;
        }
    }
    let replaced = update["replaced"].as_u64().map(|n| n as u32).unwrap_or_else(|| {
        groups.clone().filter_map(|g| g["cycle"]["replaced"].as_array()).map(|r| r.len() as u32).sum()
    });
    WaveSummary {
        replaced,
        name: text(&wave["name"]).unwrap_or_default(),
        status: text(&wave["status"]).unwrap_or_default(),
        image_id: text(&wave["imageId"]),
        counts,
        tolerated: wave["judgement"]["tolerated"].as_u64().map(|n| n as u32),
        listed_all: update["listedAll"].as_bool().unwrap_or(true),
        results: serde_json::from_value(update["results"].clone()).ok(),
        groups: groups
            .map(|group| GroupOutcome {
                group_name: text(&group["groupName"]).unwrap_or_default(),
                status: text(&group["status"]).unwrap_or_default(),
                reason: text(&group["reason"]),
                replaced: group["cycle"]["replaced"].as_array().map(Vec::len).unwrap_or(0),
                kept: group["cycle"]["restored"]["kept"].as_array().into_iter().flatten().filter_map(text).collect(),
                made_effective: text(&group["madeEffective"]),
                shared_with: group["sharedWith"].as_array().into_iter().flatten().filter_map(text).collect(),
                started_at: text(&group["cycle"]["startedAt"]),
                finished_at: text(&group["cycle"]["verified"]["finishedAt"]),
            })
            .collect(),
        validation: present(&wave["validation"]),
        error: present(&wave["error"]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A patched group as the update machine reports it (the cycle's result), ten instances replaced.
    fn group(i: usize) -> Value {
        let instances: Vec<String> = (0..10).map(|n| format!("i-0{i:07}{n:09}")).collect();
        json!({
            "groupName": format!("prod-web-{i:03}"), "status": "patched",
            "cycle": { "groupName": format!("prod-web-{i:03}"), "imageId": "ami-0123456789abcdef0", "replaced": instances,
                "startedAt": "2026-12-08T18:30:00Z",
                "verified": { "instances": 10, "imageId": "ami-0123456789abcdef0", "finishedAt": "2026-12-08T18:52:00Z" } },
        })
    }

    #[tokio::test]
    async fn ten_waves_of_fifty_groups_stay_far_under_the_state_limit() {
        let clients = crate::Clients::for_emulator("http://127.0.0.1:9", "us-east-1").await;
        let mut progress = Progress::default();
        let mut largest_input = 0;
        for wave in 0..10 {
            let groups: Vec<Value> = (0..50).map(group).collect();
            let result = json!({ "name": format!("wave-{wave}"), "status": "patched", "imageId": "ami-0123456789abcdef0",
                "update": { "groups": groups }, "validation": { "report": { "complete": 2000, "text": "r".repeat(1500) } } });
            largest_input = largest_input.max(result.to_string().len());
            progress = handle(&clients, Input { progress, result }).await.unwrap();
        }
        let kept = serde_json::to_string(&progress).unwrap().len();
        println!("one wave's update output: {largest_input} bytes; ten waves' summaries: {kept} bytes");
        // The patch's state at its fullest: nine waves' summaries and the tenth's update output.
        assert!(kept + largest_input < 192 * 1024, "{kept} + {largest_input} bytes");
        assert_eq!(progress.results[9].groups[49].replaced, 10);
        assert_eq!(progress.results[9].groups[49].finished_at.as_deref(), Some("2026-12-08T18:52:00Z"));
    }

    #[test]
    fn a_group_keeps_what_its_cycle_kept_of_someone_elses_changes() {
        let mut patched = group(1);
        patched["cycle"]["restored"] =
            json!({ "maxSize": 9, "desiredCapacity": 10, "kept": ["MaxSize 9 (changed from 8 during the cycle)"] });
        let wave =
            summary(&json!({ "name": "prod", "status": "patched", "update": { "groups": [patched, group(2)] } }));
        assert_eq!(wave.groups[0].kept, ["MaxSize 9 (changed from 8 during the cycle)"]);
        assert!(wave.groups[1].kept.is_empty());
    }
}
