//! update: point every target group at a new AMI. Find the groups (by the tag
//! `tuesday:image=<recipe>`, or a list) → for each group: plan (launch template and how the group
//! references its version, a mixed instances policy, or a legacy launch configuration) → skip a group
//! already on the AMI → a new launch template version from the current one with the new ImageId, made
//! effective for the group (or a cloned launch configuration swapped in; with the `instance-refresh`
//! strategy, only made: EC2 Auto Scaling's refresh makes it effective) → the previous one recorded
//! for rollback → publish a cycle request and start the cycle; if the request cannot be published,
//! or the cycle refuses the group before changing anything, the previous one is put back. One group
//! failing does not stop the others; the output says, per group, patched, updated, skipped or
//! failed, and why.

use contract::machines::update::{Applied, GroupPlan, Summary, Targets};
use contract::{errors, notifications, Activity};
use serde_json::json;

use super::activity;

use crate::asl::{self, ItemReader, ResultWriter, StateMachine};
use crate::dsl::{child_execution, var, Choice, Graph, Machine, MapState, Pass};
use crate::GraphError;

/// The work for one group: it always ends with a result, so one group cannot hide another's.
fn each_group() -> Graph {
    let mut g = Graph::new();
    let all = [asl::errors::ALL];
    // Each group's result is small (a wave of fifty is carried by the patch): the plan only for a dry run.
    let outcome = |status: &str, extras: &[serde_json::Value]| {
        let mut result = json!({ "groupName.$": "$.plan.groupName", "status": status });
        for extra in extras {
            result.as_object_mut().expect("an object").extend(extra.as_object().cloned().unwrap_or_default());
        }
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
            json!({ "groupName.$": "$.plan.groupName", "status": "failed", "error.$": "$.error.Error", "reason.$": "$.error.Cause" }),
        ),
    );
    let planned = g.add("Report Group Plan", outcome("planned", &[json!({ "plan.$": "$.plan" })]));
    let skipped = g.add(
        "Already On The Image",
        outcome("skipped", &[json!({ "reason": "every instance already runs the image" })]),
    );
    let blocked = g.add("Group Blocked", outcome("blocked", &[json!({ "reason.$": "$.plan.blockers[0]" })]));
    // How the image reached the group, and who else is on its template: the digest says it.
    let how = json!({ "madeEffective.$": "$.plan.madeEffective", "sharedWith.$": "$.plan.sharedWith" });
    let patched = g.add("Group Patched", outcome("patched", &[json!({ "cycle.$": "$.cycle.output" }), how.clone()]));
    let requested = g.add("Cycle Requested", outcome("updated", &[json!({ "updated.$": "$.update" }), how]));

    let plan = g.add(
        "Plan Group Update",
        activity(Activity::PlanGroupUpdate)
            .payload(json!({ "request.$": "$.request", "lockTable": super::LOCK_TABLE }))
            .returns_as::<GroupPlan>("$.plan")
            .catch(&all, &failed),
    );
    let apply = g.add(
        "Make The Image Effective",
        activity(Activity::ApplyImage)
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
    // The image made effective for a group that is then not cycled is put back: a group is never
    // left to launch the new image with its old instances kept.
    let not_put_back = g.add(
        "Image Not Put Back",
        Pass::set(
            "$",
            json!({
                "groupName.$": "$.plan.groupName",
                "status": "failed",
                "error.$": "$.putBack.Error",
                "reason.$": "States.Format('{} The new image stays effective: putting the old one back failed: {}', $.error.Cause, $.putBack.Cause)",
            }),
        ),
    );
    let put_back = g.add(
        "Put The Image Back",
        activity(Activity::RestoreLaunchTemplate)
            .payload(json!({ "groupName.$": "$.plan.groupName", "rollback.$": "$.update.rollback" }))
            .discard_result()
            .catch_into(&all, "$.putBack", &not_put_back),
    );
    // Refused before it changed anything (its input, another owner, a blocker); any later failure
    // the cycle rolled back itself, template included, or left locked for `recover`.
    let refused = g.add(
        "Cycle Refused Before Any Change?",
        Choice::new()
            .jump(
                var("$.error.Error").string_equals_any([errors::INVALID_INPUT, errors::CONFLICT, errors::BLOCKED]),
                &put_back,
            )
            .otherwise_jump(&cycle_failed),
    );
    let announce = g.add(
        "Publish Cycle Request",
        activity(Activity::PublishMessage)
            .payload(json!({
                "topicArn.$": "$.plan.topicArn",
                "kind": notifications::CYCLE,
                "subject": "tuesday: cycle requested",
                "message": { "event": "cycle-requested", "groupName.$": "$.plan.groupName", "imageId.$": "$.plan.imageId", "cycleInput.$": "$.update.cycleInput" },
            }))
            .catch(&all, &put_back),
    );
    let read_failure = super::read_child_failure(&mut g, "Cycle", refused.name(), cycle_failed.name());
    let cycle = g.add(
        "Cycle The Group",
        child_execution("Cycle").input_path("$.update.cycleInput").result_path("$.cycle").catch_into(
            &all,
            "$.error",
            &read_failure,
        ),
    );
    let start_cycle = g.add(
        "Start The Cycle?",
        Choice::new().jump(var("$.plan.startCycle").boolean_equals(true), &cycle).otherwise_jump(&requested),
    );
    let what_to_do = g.add(
        "What Does The Group Need?",
        Choice::new()
            .jump(var("$.plan.dryRun").boolean_equals(true), &planned)
            .jump(var("$.plan.action").string_equals("skip"), &skipped)
            .jump(var("$.plan.action").string_equals("blocked"), &blocked)
            .jump(var("$.plan.action").string_equals("cycle-only"), &cycle_only)
            .otherwise_jump(&apply),
    );
    g.start(&plan).then(&what_to_do);
    g.chain(&apply).then(&announce).then(&start_cycle);
    g.chain(&cycle_only).then(&announce);
    g.chain(&cycle).then(&patched);
    g.chain(&put_back).then(&cycle_failed);
    g
}

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("update").comment(
        "Point every target Auto Scaling group at a new AMI with a new launch template version, then cycle it.",
    );
    let rejected = m.add("Request Rejected", crate::dsl::Fail::from_paths("$.error.Error", "$.error.Cause"));
    let find = m.add(
        "Find Target Groups",
        activity(Activity::FindGroups)
            .payload(json!({
                "update.$": "$",
                "requestsAt": {
                    "Bucket": super::RESULTS_BUCKET,
                    "Key.$": "States.Format('update/{}/requests.json', $$.Execution.Name)",
                },
            }))
            .returns_as::<Targets>("$.targets")
            .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND, errors::BLOCKED], &rejected),
    );
    // A child execution per group, read from S3: an update may have thousands, and each group's
    // history is its own. Each group's work ends with its result, failed or not, so one group never
    // stops another; a child that fails anyway (stopped by hand) is told as its group failing.
    let every_group = m.add_map(
        "Update Every Group",
        MapState::distributed(
            ItemReader::s3_json(
                json!({ "Bucket.$": "$.targets.requestsAt.Bucket", "Key.$": "$.targets.requestsAt.Key" }),
            ),
            each_group(),
        )
        .item_selector(json!({ "request.$": "$$.Map.Item.Value" }))
        // As many at once as the vCPU quota leaves room to surge (Find Target Groups says).
        .max_concurrency_path("$.targets.maxConcurrency")
        .tolerated_failure_percentage(100)
        .result_writer(ResultWriter::s3(super::RESULTS_BUCKET, "update"))
        .result_path("$.mapRun"),
    );
    let summarize = m.add(
        "Summarize The Groups",
        activity(Activity::SummarizeGroups)
            .payload(json!({ "results.$": "$.mapRun.ResultWriterDetails" }))
            .returns_as::<Summary>("$.summary"),
    );
    let report = m.add(
        "Report",
        Pass::set(
            "$.report",
            json!({
                "imageId.$": "$.targets.imageId", "dryRun.$": "$.targets.dryRun", "surgeBudget.$": "$.targets.surgeBudget",
                "total.$": "$.summary.total", "replaced.$": "$.summary.replaced", "counts.$": "$.summary.counts", "listedAll.$": "$.summary.listedAll",
                "groups.$": "$.summary.groups", "results.$": "$.mapRun.ResultWriterDetails",
            }),
        )
        .output_path("$.report"),
    );
    m.start(&find).then(&every_group).then(&summarize).then(&report);
    m.build()
}
