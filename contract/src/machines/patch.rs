//! patch: the whole Patch Tuesday, from new AMI to digest.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{bake, update, validate};

/// The most waves a patch runs.
pub const MAX_WAVES: u32 = 10;
/// The most times a patch bakes while waiting for AWS to publish a newer image.
pub const MAX_NEW_AMI_CHECKS: u32 = 30;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub recipes: Vec<bake::Recipe>,
    /// Bake even if a recipe's source has not changed.
    #[serde(default)]
    pub force: bool,
    /// In order: the first (pre-prod) must succeed before the next starts.
    #[schemars(length(min = 1, max = 10))]
    pub waves: Vec<Wave>,
    /// How long to wait for AWS to publish a newer image before patching with what there is.
    #[serde(default)]
    pub wait_for_new_ami: WaitForNewAmi,
    /// How every group is cycled.
    #[serde(default)]
    pub cycle: update::CycleSettings,
    /// What to do with a group whose launch template's `$Default` other groups follow too.
    #[serde(default)]
    pub shared_templates: update::SharedTemplates,
    /// The SNS topic for every notification: new AMIs, cycles, approval requests and the digest.
    pub topic_arn: Option<String>,
    /// Topics of their own for some kinds of notification, instead of `topicArn`.
    #[serde(default)]
    pub topics: Topics,
    /// The SSM parameter a running patch holds, so that a second one started meanwhile (by the
    /// schedule and AWS's announcement both, say) stops before it changes anything.
    #[serde(default = "defaults::claim")]
    pub claim: String,
}

/// A topic per kind of notification (`contract::notifications`); in a plan, each one resolved.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Topics {
    pub new_ami: Option<String>,
    pub cycle: Option<String>,
    pub approval: Option<String>,
    pub digest: Option<String>,
}

impl Topics {
    /// Each kind's own topic, or `fallback`.
    pub fn or(self, fallback: Option<String>) -> Topics {
        Topics {
            new_ami: self.new_ami.or_else(|| fallback.clone()),
            cycle: self.cycle.or_else(|| fallback.clone()),
            approval: self.approval.or_else(|| fallback.clone()),
            digest: self.digest.or(fallback),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Wave {
    pub name: String,
    /// The recipe whose newest image the wave rolls out.
    pub recipe: String,
    /// The wave's groups. Without them, the groups tagged `tuesday:image=<recipe>` that no earlier
    /// wave of the recipe names: `size` of them, or all that are left.
    #[serde(default)]
    pub groups: Vec<String>,
    /// How many of the recipe's tagged groups the wave takes, in order of name, after those earlier
    /// waves take: a count (`1`, a canary) or a share of them all (`"10%"`, rounded up). Without it
    /// (and without `groups`), the wave takes the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Share>,
    /// How many of the wave's groups may fail (each rolled back, or left for `tuesday recover`) with
    /// the patch going on to the next wave: a count, or a share of the wave's groups (`"10%"`, rounded
    /// down). Without it, any group failing stops the patch. Every group of the wave is tried all the
    /// same: a cycle is never cut short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerated_failures: Option<Share>,
    /// A load test the wave must pass before the next wave starts.
    pub validate: Option<validate::Input>,
    /// Whether the wave waits for a person before it starts (`manual`: a task token over SNS, answered
    /// by `tuesday approve|reject <token>` or the console; unanswered, the patch stops after three days).
    #[serde(default)]
    pub approval: Approval,
}

/// A number of groups: a count, or a percentage of them all such as `"10%"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Share {
    Count(u32),
    Percent(#[schemars(regex(pattern = r"^[0-9]+%$"))] String),
}

impl Share {
    /// How many of `total` groups a wave of this size takes (a share rounded up), or why it is not a size.
    pub fn size_of(&self, total: usize) -> Result<usize, String> {
        match self {
            Share::Count(0) => Err("0: a wave takes at least one group".into()),
            Share::Count(count) => Ok(*count as usize),
            Share::Percent(_) => match self.percent() {
                Some(percent @ 1..=100) => Ok((total * percent).div_ceil(100)),
                _ => Err(format!("'{self}' is not a count or a percentage from 1% to 100%")),
            },
        }
    }

    /// How many of `total` groups may fail (a share rounded down, as a Distributed Map's
    /// ToleratedFailurePercentage fails past it), or why it is not a tolerance.
    pub fn tolerance_of(&self, total: usize) -> Result<usize, String> {
        match self {
            Share::Count(count) => Ok(*count as usize),
            Share::Percent(_) => match self.percent() {
                Some(percent @ 0..=100) => Ok(total * percent / 100),
                _ => Err(format!("'{self}' is not a count or a percentage from 0% to 100%")),
            },
        }
    }

    fn percent(&self) -> Option<usize> {
        match self {
            Share::Count(_) => None,
            Share::Percent(text) => text.strip_suffix('%').and_then(|n| n.parse().ok()),
        }
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Share::Count(count) => write!(f, "{count}"),
            Share::Percent(text) => f.write_str(text),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Approval {
    #[default]
    Auto,
    Manual,
}

/// How long a manual approval waits before the patch stops: three days.
pub const APPROVAL_TIMEOUT_SECONDS: u64 = 3 * 24 * 3600;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitForNewAmi {
    /// 0: bake once and go on.
    #[serde(default)]
    pub days: u32,
    #[serde(default = "defaults::check_every_hours")]
    #[schemars(range(min = 1))]
    pub check_every_hours: u32,
}

impl Default for WaitForNewAmi {
    fn default() -> Self {
        WaitForNewAmi { days: 0, check_every_hours: defaults::check_every_hours() }
    }
}

pub mod defaults {
    pub fn check_every_hours() -> u32 {
        12
    }

    pub fn claim() -> String {
        "/tuesday/patch/running".into()
    }
}

/// How long a patch may hold its claim past the longest it could run: the waits for new images, and
/// per wave an approval's timeout and a day of cycling. A claim older than that was left by a patch
/// that was stopped (aborted, timed out) and is taken over.
pub fn claim_seconds(new_ami_checks: u32, check_every_seconds: u64, waves: u32) -> u64 {
    u64::from(new_ami_checks) * check_every_seconds + u64::from(waves) * (APPROVAL_TIMEOUT_SECONDS + 24 * 3600)
}

/// Whether this patch holds the claim, and who does if it does not.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub claimed: bool,
    /// The execution holding the claim.
    pub holder: String,
}

/// The checked patch.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchPlan {
    pub bake_input: bake::Input,
    pub waves: Vec<Wave>,
    pub wave_count: u32,
    pub cycle: update::CycleSettings,
    #[serde(default)]
    pub shared_templates: update::SharedTemplates,
    pub topics: Topics,
    pub max_new_ami_checks: u32,
    pub check_every_seconds: u64,
    pub claim: String,
    pub claim_seconds: u64,
}

impl PatchPlan {
    /// The groups the waves before `index` name of its recipe, which a wave that takes the rest of the
    /// recipe's groups leaves out (the plan names every sized wave's groups).
    pub fn taken_before(&self, index: usize) -> BTreeSet<String> {
        let Some(wave) = self.waves.get(index) else { return BTreeSet::new() };
        let earlier = self.waves[..index].iter().filter(|w| w.recipe == wave.recipe);
        earlier.flat_map(|w| w.groups.iter().cloned()).collect()
    }
}

/// One wave, ready to run.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WavePlan {
    pub name: String,
    pub approval: Approval,
    pub tolerated_failures: Option<Share>,
    pub image_id: String,
    pub update_input: update::Input,
    pub validate_input: Option<validate::Input>,
}

/// The waves so far.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The next wave to run.
    pub index: u32,
    pub results: Vec<WaveSummary>,
}

/// One wave as the patch keeps it: each group's outcome, not the update's whole output (which stays
/// in the update's own execution), so ten waves of fifty groups stay far under 256 KiB.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaveSummary {
    pub name: String,
    /// `patched` or `failed`.
    pub status: String,
    pub image_id: Option<String>,
    /// How many groups ended in each status.
    #[serde(default)]
    pub counts: std::collections::BTreeMap<String, u32>,
    /// Instances replaced, in every group.
    #[serde(default)]
    pub replaced: u32,
    /// How many groups the wave could have failed and stood, when it stood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerated: Option<u32>,
    /// The groups the update listed: every one, or beyond `update::LISTED_GROUPS` those that need a
    /// person (`listedAll` false), every result kept in S3 (`results`, the map run's manifest).
    pub groups: Vec<GroupOutcome>,
    #[serde(default = "listed_all")]
    pub listed_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<crate::map_run::Location>,
    /// The load test (`{ "report": ... }`, bees' numbers), when the wave had one.
    pub validation: Option<serde_json::Value>,
    /// Why the wave stopped, if it did (`{ "Error", "Cause" }`).
    pub error: Option<serde_json::Value>,
}

impl WaveSummary {
    /// How many of the wave's groups were neither patched nor skipped.
    pub fn unpatched(&self) -> u32 {
        self.counts.iter().filter(|(status, _)| !stands(status)).map(|(_, n)| n).sum()
    }
}

/// Whether a group that ended in `status` stands in its wave: patched, or it had nothing to do.
pub fn stands(status: &str) -> bool {
    matches!(status, "patched" | "skipped")
}

fn listed_all() -> bool {
    true
}

/// What happened to one group of a wave.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupOutcome {
    pub group_name: String,
    /// `patched`, `updated`, `skipped`, `blocked`, `planned` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    /// Instances replaced.
    pub replaced: usize,
    /// What someone else changed during the cycle, which it kept (its `restored.kept`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
    /// How the new image was made effective (`template-default`, `pinned-version`, `latest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_effective: Option<String>,
    /// The other groups on the group's launch template.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// The digest as the patch keeps it (and ends with): per wave the groups counted by status, the load
/// test and why it stopped, and the text a person reads, group by group. The message published has
/// every group's outcome too (unless SNS's 256 KiB would not take it).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub patched: bool,
    /// `{ patched, bake, waves: [{ name, status, imageId, groups: { <status>: count }, replaced, validation, error }], error }`.
    pub summary: serde_json::Value,
    pub text: String,
}
