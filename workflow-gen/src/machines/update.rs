//! update: point every target group at a new AMI. Find the groups (by the tag
//! `tuesday:image=<recipe>`, or a list) → for each group: plan (launch template and how the group
//! references its version, a mixed instances policy, or a legacy launch configuration) → skip a group
//! already on the AMI → a new launch template version from the current one with the new ImageId, made
//! effective for the group (or a cloned launch configuration swapped in) → the previous one recorded
//! for rollback → publish a cycle request and start the cycle. One group failing does not stop the
//! others; the output says, per group, patched, updated, skipped or failed, and why.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::activity;
use super::cycle;
use crate::asl::{self, StateMachine};
use crate::dsl::{child_execution, var, Choice, Graph, Machine, MapState, Pass};
use crate::{errors, notifications, GraphError};

/// Groups updated at once.
pub const MAX_CONCURRENT_GROUPS: u32 = 4;
/// The most groups one update handles; more belong in several waves.
pub const MAX_GROUPS: u32 = 50;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// The AMI to roll out.
    pub image_id: String,
    /// Update every group tagged `tuesday:image=<recipe>`.
    pub recipe: Option<String>,
    /// Update these groups (with `recipe`, both).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Start the cycle of each updated group; otherwise only publish the cycle request.
    #[serde(default = "default_true")]
    pub start_cycle: bool,
    /// How each group is cycled.
    #[serde(default)]
    pub cycle: CycleSettings,
    /// An SNS topic for cycle requests.
    pub topic_arn: Option<String>,
    /// Plan every group and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn default_true() -> bool {
    true
}

/// The cycle's settings an update passes on to every group it cycles.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CycleSettings {
    #[serde(default = "cycle::defaults::surge_percent")]
    #[schemars(range(min = 1, max = 100))]
    pub surge_percent: u32,
    #[serde(default = "cycle::defaults::warm_up_seconds")]
    pub warm_up_seconds: u64,
    #[serde(default = "cycle::defaults::poll_seconds")]
    pub poll_seconds: u64,
    #[serde(default = "cycle::defaults::healthy_timeout_seconds")]
    pub healthy_timeout_seconds: u64,
    #[serde(default)]
    pub pre_termination_command: Vec<String>,
}

impl Default for CycleSettings {
    fn default() -> Self {
        serde_json::from_value(json!({})).expect("every field has a default")
    }
}

/// One group to update, as the group search hands it on.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupRequest {
    pub group_name: String,
    pub image_id: String,
    pub start_cycle: bool,
    pub cycle: CycleSettings,
    pub topic_arn: Option<String>,
    pub dry_run: bool,
}

/// The groups found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Targets {
    pub image_id: String,
    pub dry_run: bool,
    pub requests: Vec<GroupRequest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Every instance and the effective template already use the AMI.
    Skip,
    /// A new launch template version, made effective for the group.
    NewTemplateVersion,
    /// The template already gives the AMI, but instances run another: cycle only.
    CycleOnly,
    /// A copy of the legacy launch configuration with the new image, swapped in.
    CloneLaunchConfiguration,
    /// Something makes the update unsafe; see `blockers`.
    Blocked,
}

/// What updating one group means, computed without changing anything.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupPlan {
    pub group_name: String,
    pub action: Action,
    pub image_id: String,
    pub current_image_id: Option<String>,
    pub launch_template_id: Option<String>,
    /// How the group names its version: `$Default`, `$Latest` or a number.
    pub version_reference: Option<String>,
    /// The version number `version_reference` resolves to now.
    pub current_version: Option<String>,
    pub launch_configuration_name: Option<String>,
    pub mixed_instances_policy: bool,
    pub blockers: Vec<String>,
    pub warnings: Vec<String>,
    pub dry_run: bool,
    pub start_cycle: bool,
    pub topic_arn: Option<String>,
    /// The cycle's input, rollback still to be filled in by the update.
    pub cycle_input: cycle::Input,
}

/// What making the new image effective did.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The new launch template version, or the new launch configuration's name.
    pub effective: String,
    pub rollback: Option<cycle::Rollback>,
    /// The cycle's input with the rollback filled in.
    pub cycle_input: cycle::Input,
}

/// The work for one group: it always ends with a result, so one group cannot hide another's.
fn each_group() -> Graph {
    let mut g = Graph::new();
    let all = [asl::errors::ALL];
    let outcome = |status: &str, extra: serde_json::Value| {
        let mut result = json!({ "groupName.$": "$.plan.groupName", "status": status, "plan.$": "$.plan" });
        result.as_object_mut().expect("an object").extend(extra.as_object().cloned().unwrap_or_default());
        Pass::set("$", result)
    };
    let failed = g.add(
        "Group Failed",
        Pass::set("$", json!({ "groupName.$": "$.request.groupName", "status": "failed", "error.$": "$.error.Error", "reason.$": "$.error.Cause" })),
    );
    let cycle_failed = g.add(
        "Group Cycle Failed",
        Pass::set(
            "$",
            json!({ "groupName.$": "$.plan.groupName", "status": "failed", "error.$": "$.error.Error", "reason.$": "$.error.Cause", "updated.$": "$.update" }),
        ),
    );
    let planned = g.add("Report Group Plan", outcome("planned", json!({})));
    let skipped =
        g.add("Already On The Image", outcome("skipped", json!({ "reason": "every instance already runs the image" })));
    let blocked = g.add("Group Blocked", outcome("blocked", json!({ "reason.$": "$.plan.blockers[0]" })));
    let patched =
        g.add("Group Patched", outcome("patched", json!({ "updated.$": "$.update", "cycle.$": "$.cycle.output" })));
    let requested = g.add("Cycle Requested", outcome("updated", json!({ "updated.$": "$.update" })));

    let plan = g.add(
        "Plan Group Update",
        activity("PlanGroupUpdate")
            .payload(json!({ "request.$": "$.request" }))
            .returns_as::<GroupPlan>("$.plan")
            .catch(&all, &failed),
    );
    let apply = g.add(
        "Make The Image Effective",
        activity("ApplyImage")
            .payload(json!({ "plan.$": "$.plan" }))
            .returns_as::<Applied>("$.update")
            .catch(&all, &failed),
    );
    let cycle_only = g.add(
        "Cycle Without A Change",
        Pass::set(
            "$.update",
            json!({ "effective.$": "$.plan.currentVersion", "rollback": null, "cycleInput.$": "$.plan.cycleInput" }),
        ),
    );
    let announce = g.add(
        "Publish Cycle Request",
        activity("PublishMessage")
            .payload(json!({
                "topicArn.$": "$.plan.topicArn",
                "kind": notifications::CYCLE,
                "subject": "tuesday: cycle requested",
                "message": { "event": "cycle-requested", "groupName.$": "$.plan.groupName", "imageId.$": "$.plan.imageId", "cycleInput.$": "$.update.cycleInput" },
            }))
            .catch(&all, &cycle_failed),
    );
    let cycle = g.add(
        "Cycle The Group",
        child_execution("Cycle").input_path("$.update.cycleInput").result_path("$.cycle").catch_into(
            &all,
            "$.error",
            &cycle_failed,
        ),
    );
    let start_cycle = g.add(
        "Start The Cycle?",
        Choice::new().when(var("$.plan.startCycle").boolean_equals(true), &cycle).otherwise(&requested),
    );
    let what_to_do = g.add(
        "What Does The Group Need?",
        Choice::new()
            .when(var("$.plan.dryRun").boolean_equals(true), &planned)
            .when(var("$.plan.action").string_equals("skip"), &skipped)
            .when(var("$.plan.action").string_equals("blocked"), &blocked)
            .when(var("$.plan.action").string_equals("cycle-only"), &cycle_only)
            .otherwise(&apply),
    );
    g.start(&plan).then(&what_to_do);
    g.chain(&apply).then(&announce).then(&start_cycle);
    g.chain(&cycle_only).then(&announce);
    g.chain(&cycle).then(&patched);
    g
}

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("update").comment(
        "Point every target Auto Scaling group at a new AMI with a new launch template version, then cycle it.",
    );
    let rejected = m.add("Request Rejected", crate::dsl::Fail::from_paths("$.error.Error", "$.error.Cause"));
    let find = m.add(
        "Find Target Groups",
        activity("FindGroups")
            .returns_as::<Targets>("$.targets")
            .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND], &rejected),
    );
    let every_group = m.add_map(
        "Update Every Group",
        MapState::over("$.targets.requests", each_group())
            .item_selector(json!({ "request.$": "$$.Map.Item.Value" }))
            .max_concurrency(MAX_CONCURRENT_GROUPS)
            .at_most_items(MAX_GROUPS)
            .result_path("$.groups"),
    );
    let report = m.add(
        "Report",
        Pass::set(
            "$.report",
            json!({ "imageId.$": "$.targets.imageId", "dryRun.$": "$.targets.dryRun", "groups.$": "$.groups" }),
        )
        .output_path("$.report"),
    );
    m.start(&find).then(&every_group).then(&report);
    m.build()
}
