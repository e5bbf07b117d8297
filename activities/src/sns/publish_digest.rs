//! One digest per run: per recipe the AMIs, per wave and group patched, skipped or failed with the
//! reason and the instances replaced, and the load test of each wave. JSON and text, to the topic;
//! the patch keeps the text and each wave's totals, not every group a second time.

use std::fmt::Write;

use contract::machines::patch::{Digest, WaveSummary};
use contract::notifications;
use serde_json::{json, Value};

use crate::error::message_of;
use crate::{ActivityError, Clients};

pub use contract::activities::sns::publish_digest::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["sns:Publish"];

/// The most SNS publishes in one message (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
const SNS_MESSAGE_BYTES: usize = 256 * 1024;

pub async fn handle(clients: &Clients, input: Input) -> Result<Digest, ActivityError> {
    let patched = input.error.is_null() && input.waves.iter().all(|w| w.status == "patched");
    // Groups that failed in waves that tolerated it.
    let unpatched: u32 = input.waves.iter().map(WaveSummary::unpatched).sum();
    let text = text(&input, patched, unpatched);
    let totals: Vec<Value> = input.waves.iter().map(totals).collect();
    let summary = json!({ "patched": patched, "bake": input.bake, "waves": totals, "retention": input.retention, "error": input.error });
    if let Some(topic) = &input.topic_arn {
        let subject = match (patched, unpatched) {
            (false, _) => "tuesday: patch FAILED".to_owned(),
            (true, 0) => "tuesday: patched".to_owned(),
            (true, n) => format!("tuesday: patched but {}", groups(n)),
        };
        let detailed =
            json!({ "patched": patched, "bake": input.bake, "waves": input.waves, "retention": input.retention,
                "error": input.error, "text": text })
            .to_string();
        let message = match detailed.len() <= SNS_MESSAGE_BYTES {
            true => detailed,
            // The text still names every group; the JSON counts them.
            false => json!({ "groupsOmitted": true, "text": text, "patched": patched, "bake": input.bake,
                "waves": totals, "retention": input.retention, "error": input.error })
            .to_string(),
        };
        super::publish(clients, topic, notifications::DIGEST, &subject, message).await?;
    }
    Ok(Digest { patched, summary, text })
}

/// A wave without its groups: how many ended in each status, and the instances replaced in all.
fn totals(wave: &WaveSummary) -> Value {
    json!({
        "name": wave.name, "status": wave.status, "imageId": wave.image_id, "groups": wave.counts,
        "replaced": wave.replaced,
        "validation": wave.validation, "error": wave.error,
    })
}

fn text(input: &Input, patched: bool, unpatched: u32) -> String {
    let mut out = String::new();
    let headline = match (patched, unpatched) {
        (false, _) => "the patch did NOT complete".to_owned(),
        (true, 0) => "every wave patched".to_owned(),
        (true, n) => format!("every wave patched but {}, within the failures their waves tolerate", groups(n)),
    };
    let _ = writeln!(out, "tuesday: {headline}");
    for (list, verb) in [("baked", "baked"), ("skipped", "unchanged"), ("failed", "FAILED")] {
        for recipe in input.bake[list].as_array().into_iter().flatten() {
            let detail =
                recipe["imageId"].as_str().map(str::to_owned).or_else(|| recipe["reason"].as_str().map(message_of));
            let detail = detail.unwrap_or_default();
            let _ = writeln!(out, "recipe {} {verb}: {detail}", recipe["recipe"].as_str().unwrap_or("?"));
        }
    }
    for wave in &input.waves {
        let tolerated = match (wave.unpatched(), wave.tolerated) {
            (0, _) | (_, None) => String::new(),
            (unpatched, Some(most)) => format!(
                ", {unpatched} of {} groups not patched (it tolerates {most})",
                wave.counts.values().sum::<u32>()
            ),
        };
        let _ = writeln!(out, "wave {}: {}{tolerated}", wave.name, wave.status);
        if !wave.listed_all {
            let counts: Vec<String> = wave.counts.iter().map(|(status, n)| format!("{n} {status}")).collect();
            let every = wave.results.as_ref().map(|r| format!("; every group's result: s3://{}/{}", r.bucket, r.key));
            let _ = writeln!(
                out,
                "  {} groups: {}; those below need a person{}",
                wave.counts.values().sum::<u32>(),
                counts.join(", "),
                every.unwrap_or_default()
            );
        }
        for group in &wave.groups {
            let reason = group.reason.as_deref().map(|r| format!(" ({})", message_of(r))).unwrap_or_default();
            let took = duration(group.started_at.as_deref(), group.finished_at.as_deref())
                .map(|seconds| format!(" in {}", minutes(seconds)))
                .unwrap_or_default();
            let kept = match group.kept.is_empty() {
                true => String::new(),
                false => format!("; kept as someone else changed it: {}", group.kept.join(", ")),
            };
            let pinned = match (group.made_effective.as_deref(), group.shared_with.is_empty()) {
                (Some("pinned-version"), false) => format!(
                    "; pinned to the new version, the template's default left to the others on it: {}",
                    group.shared_with.join(", ")
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  group {}: {}, {} instances replaced{took}{reason}{kept}{pinned}",
                group.group_name, group.status, group.replaced
            );
        }
        let report = wave.validation.as_ref().map(|v| &v["report"]).filter(|r| r.is_object());
        if let Some(report) = report {
            let _ = writeln!(
                out,
                "  load test: {} requests, {:.1} req/s, p99 {:.1} ms, errors {:.2}%: {}",
                report["complete"],
                report["requestsPerSecond"].as_f64().unwrap_or_default(),
                report["p99Ms"].as_f64().unwrap_or_default(),
                report["errorRate"].as_f64().unwrap_or_default() * 100.0,
                report["missionAssessment"].as_str().unwrap_or_default()
            );
        }
        if let Some(cause) = wave.error.as_ref().and_then(|e| e["Cause"].as_str()) {
            let _ = writeln!(out, "  stopped: {}", message_of(cause));
        }
    }
    retention(&mut out, &input.retention);
    if let Some(cause) = input.error["Cause"].as_str() {
        let _ = writeln!(out, "stopped: {}", message_of(cause));
    }
    out
}

/// Per recipe, what retention kept, left protected and deregistered; or why it failed.
fn retention(out: &mut String, retention: &Value) {
    if let Some(cause) = retention["Cause"].as_str() {
        let _ = writeln!(out, "retention FAILED, nothing more deregistered: {}", message_of(cause));
    }
    for recipe in retention["recipes"].as_array().into_iter().flatten() {
        let ids = |list: &str| {
            let ids: Vec<&str> = recipe[list].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            match ids.is_empty() {
                true => "none".to_owned(),
                false => ids.join(", "),
            }
        };
        let kept = recipe["kept"].as_array().map(Vec::len).unwrap_or_default();
        let _ = writeln!(
            out,
            "retention {}: {kept} kept, deregistered {}, left protected {}",
            recipe["recipe"].as_str().unwrap_or("?"),
            ids("deregistered"),
            ids("protected"),
        );
    }
}

fn groups(n: u32) -> String {
    match n {
        1 => "1 group".into(),
        _ => format!("{n} groups"),
    }
}

/// `15m02s`, or `40 s` under a minute.
fn minutes(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    match seconds {
        0..60 => format!("{seconds} s"),
        _ => format!("{}m{:02}s", seconds / 60, seconds % 60),
    }
}

/// Seconds between two RFC 3339 times, when both are there.
fn duration(start: Option<&str>, end: Option<&str>) -> Option<f64> {
    let parse =
        |v: Option<&str>| aws_smithy_types::DateTime::from_str(v?, aws_smithy_types::date_time::Format::DateTime).ok();
    let (start, end) = (parse(start)?, parse(end)?);
    Some(end.as_secs_f64() - start.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The digest's text for a patch of these waves, with nothing baked.
    fn told(waves: serde_json::Value) -> String {
        let waves = serde_json::from_value(waves).unwrap();
        text(&Input { topic_arn: None, bake: json!({}), waves, retention: json!(null), error: json!(null) }, true, 0)
    }

    #[test]
    fn a_wave_that_stood_with_failures_it_tolerates_says_so_and_so_does_the_headline() {
        let waves = json!([{ "name": "early", "status": "patched", "counts": { "patched": 19, "failed": 1 }, "tolerated": 2,
            "groups": [{ "groupName": "web-7", "status": "failed", "reason": "not all healthy", "replaced": 0 }] }]);
        let waves: Vec<WaveSummary> = serde_json::from_value(waves).unwrap();
        let unpatched = waves.iter().map(WaveSummary::unpatched).sum();
        let input = Input { topic_arn: None, bake: json!({}), waves, retention: json!(null), error: json!(null) };

        let told = text(&input, true, unpatched);

        assert!(told.starts_with("tuesday: every wave patched but 1 group, within the failures their waves tolerate\n"));
        assert!(told.contains("wave early: patched, 1 of 20 groups not patched (it tolerates 2)\n"), "{told}");
        assert!(told.contains("group web-7: failed, 0 instances replaced (not all healthy)"), "{told}");
    }

    #[test]
    fn what_a_cycle_kept_of_someone_elses_changes_is_told_with_its_group() {
        let waves = json!([{ "name": "prod", "status": "patched", "groups": [
            { "groupName": "web", "status": "patched", "replaced": 4, "kept": ["MaxSize 9 (changed from 8 during the cycle)"] },
            { "groupName": "api", "status": "patched", "replaced": 2 },
        ] }]);

        let told = told(waves);

        assert!(
            told.contains("group web: patched, 4 instances replaced; kept as someone else changed it: MaxSize 9"),
            "{told}"
        );
        assert!(told.contains("group api: patched, 2 instances replaced\n"), "{told}");
    }

    #[test]
    fn a_group_pinned_off_a_shared_template_is_told_with_the_groups_left_on_its_default() {
        let waves = json!([{ "name": "pre-prod", "status": "patched", "groups": [
            { "groupName": "web-test", "status": "patched", "replaced": 2, "madeEffective": "pinned-version",
              "sharedWith": ["web-prod ($Default)"] },
            { "groupName": "api-test", "status": "patched", "replaced": 2, "madeEffective": "template-default" },
        ] }]);

        let told = told(waves);

        assert!(
            told.contains(
                "group web-test: patched, 2 instances replaced; pinned to the new version, the template's \
                           default left to the others on it: web-prod ($Default)"
            ),
            "{told}"
        );
        assert!(told.contains("group api-test: patched, 2 instances replaced\n"), "{told}");
    }
}
