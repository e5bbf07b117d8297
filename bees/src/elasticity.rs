//! The seed's elasticity check: during a sustained attack, did the group's alarm fire and its
//! scaling policy add capacity in time? Judged from the looks a watch took at the group and the
//! scaling activities Auto Scaling recorded, so the report shows both what changed and why.

use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use contract::machines::validate::{ExpectScaleOut, GroupSample, ScalingActivity, Watch};

/// What a watch of a group shows, and its verdict.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Elasticity {
    pub group_name: String,
    /// Desired capacity and instances serving, look by look.
    pub samples: Vec<GroupSample>,
    /// What Auto Scaling did meanwhile, oldest first.
    pub activities: Vec<ScalingActivity>,
    pub expect_scale_out: Option<ExpectScaleOut>,
    /// Seconds from the attack's start until the desired capacity first rose above its start (by
    /// the watch's looks or a launch Auto Scaling recorded, whichever came first); null if it never did.
    pub scaled_out_after_seconds: Option<f64>,
    /// Why the check failed, naming the group; null when it passed or nothing was expected.
    pub violation: Option<String>,
}

impl Elasticity {
    pub fn judge(watch: &Watch) -> Elasticity {
        let start = watch.samples.first().map(|s| s.desired);
        let looked = watch.samples.iter().find(|s| Some(s.desired) > start).map(|s| s.seconds);
        let launched = watch.activities.iter().find(|a| a.description.starts_with("Launching")).map(|a| a.seconds);
        let scaled_out_after_seconds = match (looked, launched) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let violation = watch.expect_scale_out.as_ref().and_then(|expect| {
            let within = f64::from(expect.within_seconds);
            let group = &watch.group_name;
            match scaled_out_after_seconds {
                Some(after) if after <= within => None,
                Some(after) => Some(format!("group {group} scaled out after {after:.0} s, later than {within:.0} s")),
                None => Some(format!(
                    "group {group} did not scale out within {within:.0} s (desired stayed {}; no instance launched)",
                    start.unwrap_or_default()
                )),
            }
        });
        Elasticity {
            group_name: watch.group_name.clone(),
            samples: watch.samples.clone(),
            activities: watch.activities.clone(),
            expect_scale_out: watch.expect_scale_out.clone(),
            scaled_out_after_seconds,
            violation,
        }
    }

    /// The watch as a person reads it: capacity from first look to last, at its peak, and each
    /// activity with its cause.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let (first, last) = (self.samples.first(), self.samples.last());
        let peak = self.samples.iter().map(|s| s.desired).max().unwrap_or_default();
        let span = last.map(|s| s.seconds).unwrap_or_default();
        let _ = match (first, last) {
            (Some(first), Some(last)) => writeln!(
                out,
                "Group {}: desired {} → {} (peak {peak}), InService {} → {}, {} looks over {span:.0} s",
                self.group_name,
                first.desired,
                last.desired,
                first.in_service,
                last.in_service,
                self.samples.len()
            ),
            _ => writeln!(out, "Group {}: not looked at", self.group_name),
        };
        for activity in &self.activities {
            let _ = writeln!(out, "  at {:>5.0} s  {} ({})", activity.seconds, activity.description, activity.status);
            let _ = writeln!(out, "             {}", activity.cause);
        }
        if self.activities.is_empty() {
            let _ = writeln!(out, "  no scaling activity");
        }
        if let (Some(expect), None) = (&self.expect_scale_out, &self.violation) {
            let after = self.scaled_out_after_seconds.unwrap_or_default();
            let _ = writeln!(
                out,
                "Scale-out check: passed (after {after:.0} s, expected within {} s)",
                expect.within_seconds
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(desired: &[i32], activities: Vec<ScalingActivity>, within: u32) -> Watch {
        let samples = desired
            .iter()
            .enumerate()
            .map(|(i, d)| GroupSample { at: String::new(), seconds: 10.0 * i as f64, desired: *d, in_service: 2 })
            .collect();
        Watch {
            group_name: "web".into(),
            poll_seconds: 10,
            samples_wanted: desired.len() as u32,
            expect_scale_out: Some(ExpectScaleOut { within_seconds: within }),
            samples,
            done: true,
            activities,
        }
    }

    fn launch(seconds: f64) -> ScalingActivity {
        ScalingActivity {
            seconds,
            description: "Launching a new EC2 instance: i-1".into(),
            cause: "an alarm".into(),
            status: "Successful".into(),
        }
    }

    #[test]
    fn a_rise_in_desired_capacity_in_time_passes_and_the_earlier_evidence_counts() {
        let seen = Elasticity::judge(&watch(&[2, 2, 3, 3], vec![launch(14.0)], 20));
        assert_eq!((seen.scaled_out_after_seconds, seen.violation.as_deref()), (Some(14.0), None));
        assert!(seen.text().contains("Scale-out check: passed (after 14 s, expected within 20 s)"), "{}", seen.text());
        let seen = Elasticity::judge(&watch(&[2, 3], vec![], 20));
        assert_eq!(seen.scaled_out_after_seconds, Some(10.0));
    }

    #[test]
    fn too_late_or_never_fails_naming_the_group() {
        let late = Elasticity::judge(&watch(&[2, 2, 2, 3], vec![], 20));
        assert_eq!(late.violation.as_deref(), Some("group web scaled out after 30 s, later than 20 s"));
        let never = Elasticity::judge(&watch(&[2, 2, 2], vec![], 20));
        assert_eq!(
            never.violation.as_deref(),
            Some("group web did not scale out within 20 s (desired stayed 2; no instance launched)")
        );
        let watched_only = Elasticity::judge(&Watch { expect_scale_out: None, ..watch(&[2, 2], vec![], 20) });
        assert_eq!(watched_only.violation, None);
    }
}
