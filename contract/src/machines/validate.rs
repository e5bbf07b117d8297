//! validate: a distributed load test and its gate.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most bees one validation sends.
pub const MAX_BEES: u32 = 100;

/// The most samples a watch of a group takes: its history stays a few thousand events, its state a
/// few tens of kilobytes.
pub const MAX_WATCH_SAMPLES: u32 = 240;

/// The most scaling activities a watch keeps (the newest).
pub const MAX_SCALING_ACTIVITIES: usize = 100;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// The URL to attack (http:// or https://), a load balancer in front of the fleet.
    pub url: String,
    /// For https://: PEM certificates of authorities to trust beside the system's (a private CA).
    pub ca_cert_pem: Option<String>,
    /// For https://: accept any certificate (a self-signed test target). Never for production.
    #[serde(default)]
    pub insecure: bool,
    /// Requests in all (closed model).
    #[serde(default = "defaults::requests")]
    pub requests: u64,
    /// Connections in all: one virtual user, with its own cookie jar, each.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: u32,
    /// Bees (Lambda invocations) sharing the attack.
    #[serde(default = "defaults::bees")]
    #[schemars(range(min = 1, max = 100))]
    pub bees: u32,
    /// Open model: requests per second in all, for `durationSeconds`. Without it, `durationSeconds`
    /// alone keeps the closed model going for that long instead of for `requests`.
    pub rate: Option<f64>,
    pub duration_seconds: Option<f64>,
    #[serde(default = "defaults::method")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// The response header naming the backend, for stickiness.
    pub sticky_header: Option<String>,
    #[serde(default)]
    pub thresholds: Thresholds,
    /// An Auto Scaling group to watch while the attack lasts (it needs `durationSeconds`): whether
    /// its alarm fired and its scaling policy added capacity, as the seed's elasticity check does.
    pub watch_group: Option<WatchGroup>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchGroup {
    pub name: String,
    /// Seconds between two looks at the group.
    #[serde(default = "defaults::poll_seconds")]
    #[schemars(range(min = 1))]
    pub poll_seconds: u32,
    /// Fail the load test unless the group scaled out in time. Without it the group is only watched.
    pub expect_scale_out: Option<ExpectScaleOut>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpectScaleOut {
    /// Seconds from the attack's start by which the group's desired capacity must have risen.
    #[schemars(range(min = 1))]
    pub within_seconds: u32,
}

/// A group under watch: what was asked, and what was seen so far. The watch loop passes it from look
/// to look; the merge judges it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Watch {
    pub group_name: String,
    pub poll_seconds: u32,
    /// Looks to take in all: the attack's duration (or `withinSeconds`, if longer) and one at the start.
    pub samples_wanted: u32,
    pub expect_scale_out: Option<ExpectScaleOut>,
    pub samples: Vec<GroupSample>,
    /// Every look taken.
    pub done: bool,
    /// The group's scaling activities since the first look, oldest first; read once the watch is done.
    pub activities: Vec<ScalingActivity>,
}

/// One look at the group.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupSample {
    /// When (ISO 8601), by the execution's clock.
    pub at: String,
    /// Seconds since the first look.
    pub seconds: f64,
    pub desired: i32,
    /// Instances InService and Healthy.
    pub in_service: u32,
}

/// What Auto Scaling says it did, and why.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScalingActivity {
    /// Seconds since the first look.
    pub seconds: f64,
    pub description: String,
    pub cause: String,
    pub status: String,
}

/// What a watch branch hands the merge: the watch, when the input asked for one.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Watched {
    #[serde(default)]
    pub group: Option<Watch>,
}

/// Limits that fail a load test (as Bees with Machine Guns' -T and -R did, and more): the validate
/// machine's gate and `tuesday bees attack`'s. Whatever is set, a load test in which no request got
/// an answer fails.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Thresholds {
    /// Most mean time per request, in milliseconds.
    pub max_mean_ms: Option<f64>,
    /// Fewest requests per second.
    pub min_rps: Option<f64>,
    /// Largest share of requests that were errors, from 0 to 1: no response (refused, reset, timed
    /// out) or a status outside `expectStatus`.
    #[serde(default = "defaults::max_error_rate")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max_error_rate: f64,
    /// Largest 99th percentile latency, in milliseconds.
    pub max_p99_ms: Option<f64>,
    /// The statuses that count as answered, codes and ranges: "200-399", "200,204,301-302".
    #[serde(default)]
    pub expect_status: StatusSet,
}

impl Thresholds {
    /// What is wrong with `maxErrorRate`, for the caller to name as its input names it.
    pub fn max_error_rate_problem(&self) -> Option<String> {
        let rate = self.max_error_rate;
        (!(0.0..=1.0).contains(&rate)).then(|| format!("{rate}: give a share from 0 to 1"))
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_mean_ms: None,
            min_rps: None,
            max_error_rate: defaults::max_error_rate(),
            max_p99_ms: None,
            expect_status: StatusSet::default(),
        }
    }
}

/// HTTP statuses, as codes and inclusive ranges; written as "200-399" or "200,204,301-302".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String")]
pub struct StatusSet(Vec<(u16, u16)>);

impl StatusSet {
    pub fn contains(&self, status: u16) -> bool {
        self.0.iter().any(|(low, high)| (*low..=*high).contains(&status))
    }
}

/// Success and redirects: what a browser is content with.
impl Default for StatusSet {
    fn default() -> Self {
        StatusSet(vec![(200, 399)])
    }
}

impl std::str::FromStr for StatusSet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let code = |part: &str| match part.trim().parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(code),
            _ => Err(format!(
                "'{text}': give status codes from 100 to 599 and ranges of them, as \"200-399\" or \"200,301-302\""
            )),
        };
        let ranges = text
            .split(',')
            .map(|part| match part.split_once('-') {
                Some((low, high)) => {
                    let (low, high) = (code(low)?, code(high)?);
                    match low <= high {
                        true => Ok((low, high)),
                        false => Err(format!("'{text}': the range {low}-{high} runs backwards")),
                    }
                }
                None => code(part).map(|code| (code, code)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StatusSet(ranges))
    }
}

impl TryFrom<String> for StatusSet {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<StatusSet> for String {
    fn from(set: StatusSet) -> String {
        set.to_string()
    }
}

impl std::fmt::Display for StatusSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(low, high)| if low == high { low.to_string() } else { format!("{low}-{high}") })
            .collect();
        f.write_str(&parts.join(","))
    }
}

pub mod defaults {
    pub fn requests() -> u64 {
        1000
    }
    pub fn concurrency() -> u32 {
        50
    }
    pub fn bees() -> u32 {
        5
    }
    pub fn method() -> String {
        "GET".into()
    }
    pub fn timeout_ms() -> u64 {
        30_000
    }
    /// One request in a hundred.
    pub fn max_error_rate() -> f64 {
        0.01
    }
    pub fn poll_seconds() -> u32 {
        15
    }
}

/// One bee's share of the attack: the input of the Bee activity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BeeOrder {
    pub url: String,
    pub ca_cert_pem: Option<String>,
    pub insecure: bool,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub timeout_ms: u64,
    pub sticky_header: Option<String>,
    pub requests: u64,
    pub concurrency: u32,
    pub rate: Option<f64>,
    pub duration_seconds: Option<f64>,
}

/// What a bee returns: its histogram compressed (V2 + DEFLATE, base64) and its counts, never
/// percentiles, so the merge is exact. A few kilobytes, far under the 256 KiB state limit.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BeeResult {
    pub histogram: String,
    pub complete: u64,
    pub failed: u64,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    pub errors: BTreeMap<String, u64>,
    pub sticky_same: u64,
    pub sticky_identified: u64,
    pub elapsed_seconds: f64,
}

/// The checked attack: every bee's orders, and the thresholds for the gate.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttackPlan {
    pub orders: Vec<BeeOrder>,
    pub thresholds: Thresholds,
    /// The group to watch while the bees attack, or null.
    pub watch: Option<Watch>,
}

/// The merged report and the gate's answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub passed: bool,
    /// The report as numbers (bees::Report).
    pub report: serde_json::Value,
    /// The report as a person reads it.
    pub text: String,
}
