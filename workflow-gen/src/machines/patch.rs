//! patch: the whole pipeline. Bake (a child execution; if AWS has not published a newer AMI yet, wait
//! and bake again, for up to a few days: Patch Tuesday images arrive over several days) → for each
//! wave in order, pre-prod first: wait for a person's approval if the wave asks for one, update and
//! cycle its groups (a child execution), stop if more groups failed than the wave tolerates (by
//! default none), validate the wave under load (a child execution) → retention, once every wave is
//! patched → one digest of everything (SNS). A wave that fails stops every later wave.

use contract::machines::patch::{
    Claim, Digest, PatchPlan, Progress, WavePlan, APPROVAL_TIMEOUT_SECONDS, MAX_NEW_AMI_CHECKS, MAX_WAVES,
};
use contract::{errors, notifications, Activity};
use serde_json::json;

use super::activity;
use crate::asl::{self, StateMachine};
use crate::dsl::{
    child_execution, var, Choice, Fail, Machine, Pass, Poll, Task, Wait, SNS_PUBLISH_WAIT_FOR_TASK_TOKEN,
};
use crate::GraphError;

/// The approval request as a person reads it first: the wave, its image, how to answer, and when
/// the patch stops unanswered.
fn approval_text() -> String {
    let hours = APPROVAL_TIMEOUT_SECONDS / 3600;
    format!(
        "States.Format('Wave {{}} is ready to roll out image {{}}. Approve it with: tuesday approve {{}} (or reject it \
         with: tuesday reject {{}} --reason ...). Unanswered, the patch stops in {hours} hours.', $.wave.name, \
         $.wave.imageId, $$.Task.Token, $$.Task.Token)"
    )
}

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("patch").comment(
        "Patch Tuesday, end to end: bake, then each wave in order (update and cycle, validate), then one digest.",
    );
    let all = [asl::errors::ALL];

    let rejected = m.add("Request Rejected", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let patch_failed = m.add("Patch Failed", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let patched = m.add("Patched", Pass::new().output_path("$.digest"));

    // The digest, then the claim let go, however the patch ends.
    let digest = |m: &mut Machine, name: &str, release: &str, next: &crate::dsl::StateId| {
        let release = m.add(
            release,
            activity(Activity::ReleasePatch)
                .payload(json!({ "parameter.$": "$.plan.claim", "execution.$": "$$.Execution.Id" }))
                .catch_into(&all, "$.releaseError", next),
        );
        m.chain(&release).then(next);
        let state = m.add(
            name,
            activity(Activity::PublishDigest)
                .payload(json!({ "topicArn.$": "$.plan.topics.digest", "bake.$": "$.bake", "waves.$": "$.waves.results", "retention.$": "$.retention", "error.$": "$.error" }))
                .returns_as::<Digest>("$.digest")
                .catch_into(&all, "$.digestError", &release),
        );
        m.chain(&state).then(&release);
        state
    };
    let failure_digest = digest(&mut m, "Send The Failure Digest", "Let Go After Failure", &patch_failed);
    let success_digest = digest(&mut m, "Send The Digest", "Let Go Of The Claim", &patched);

    // Retention once every wave is patched, not before: the image the groups left is now the
    // rollback target, and what nothing launches from can go. A retention that fails is told in the
    // digest; the groups are patched all the same.
    let retention = m.add(
        "Apply Retention",
        activity(Activity::ApplyRetention)
            .payload(json!({ "recipes.$": "$.plan.bakeInput.recipes" }))
            .returns("$.retention", &["recipes"])
            .catch_into(&all, "$.retention", &success_digest),
    );
    m.chain(&retention).then(&success_digest);

    // A wave that fails is recorded, and no later wave starts.
    let record_failure = m.add(
        "Record The Failed Wave",
        activity(Activity::RecordWave)
            .payload(json!({ "progress.$": "$.waves", "result": { "name.$": "$.wave.name", "status": "failed", "error.$": "$.error", "update.$": "$.update" } }))
            .returns_as::<Progress>("$.waves")
            .catch_into(&all, "$.recordError", &failure_digest),
    );
    m.chain(&record_failure).then(&failure_digest);

    let plan_wave = m.add(
        "Plan The Wave",
        activity(Activity::PlanWave)
            .payload(json!({ "plan.$": "$.plan", "index.$": "$.waves.index", "images.$": "$.images" }))
            .returns_as::<WavePlan>("$.wave")
            .catch(&all, &record_failure),
    );
    let next_wave = m.add("Start The Next Wave", Pass::result_at("$.update", serde_json::Value::Null));
    m.chain(&next_wave).then(&plan_wave);
    let more = m.add(
        "More Waves?",
        Choice::new()
            .jump(var("$.waves.index").numeric_less_than_path("$.plan.waveCount"), &next_wave)
            .otherwise_jump(&retention),
    );
    m.bound_loop(&more, MAX_WAVES);
    let record = m.add(
        "Record The Wave",
        activity(Activity::RecordWave)
            .payload(json!({
                "progress.$": "$.waves",
                "result": { "name.$": "$.wave.name", "status": "patched", "imageId.$": "$.wave.imageId", "update.$": "$.update", "judgement.$": "$.judgement", "validation.$": "$.validation" },
            }))
            .returns_as::<Progress>("$.waves")
            .catch(&all, &failure_digest),
    );
    m.chain(&record).then(&more);
    let validate = m.add(
        "Validate The Wave",
        child_execution("Validate")
            .input_path("$.wave.validateInput")
            .result_selector(json!({ "report.$": "$.Output" }))
            .result_path("$.validation")
            .catch(&all, &record_failure),
    );
    m.chain(&validate).then(&record);
    let no_validation = m.add("No Load Test", Pass::set("$.validation", json!({ "report": null })));
    m.chain(&no_validation).then(&record);
    let validate_or_not = m.add(
        "Load Test The Wave?",
        Choice::new().jump(var("$.wave.validateInput").is_null(false), &validate).otherwise_jump(&no_validation),
    );
    let judge = m.add(
        "Judge The Wave",
        activity(Activity::JudgeWave)
            .payload(json!({ "groups.$": "$.update.groups", "counts.$": "$.update.counts", "tolerated.$": "$.wave.toleratedFailures" }))
            .returns_as::<contract::activities::checks::judge_wave::Output>("$.judgement")
            .catch(&all, &record_failure),
    );
    m.chain(&judge).then(&validate_or_not);
    let update = m.add(
        "Update The Wave",
        child_execution("Update")
            .input_path("$.wave.updateInput")
            .result_selector(json!({
                "imageId.$": "$.Output.imageId", "total.$": "$.Output.total", "replaced.$": "$.Output.replaced",
                "counts.$": "$.Output.counts",
                "listedAll.$": "$.Output.listedAll", "groups.$": "$.Output.groups", "results.$": "$.Output.results",
            }))
            .result_path("$.update")
            .catch(&all, &record_failure),
    );
    // A wave with a manual approval waits for a person before it starts.
    let not_approved = m.add(
        "Wave Not Approved",
        Pass::set("$.error", json!({ "Error.$": "$.error.Error", "Cause.$": "States.Format('Wave {} was not approved: {}', $.wave.name, $.error.Cause)" })),
    );
    m.chain(&not_approved).then(&failure_digest);
    let ask = m.add(
        "Ask For Approval",
        Task::new(SNS_PUBLISH_WAIT_FOR_TASK_TOKEN)
            .parameters(json!({
                "TopicArn.$": "$.plan.topics.approval",
                "Subject.$": "States.Format('tuesday: approve wave {}?', $.wave.name)",
                "MessageAttributes": {
                    notifications::KIND_ATTRIBUTE: { "DataType": "String", "StringValue": notifications::APPROVAL },
                },
                "Message": {
                    "text.$": approval_text(),
                    "taskToken.$": "$$.Task.Token",
                    "wave.$": "$.wave.name",
                    "imageId.$": "$.wave.imageId",
                    "groups.$": "$.wave.updateInput.groups",
                    "recipe.$": "$.wave.updateInput.recipe",
                    "wavesSoFar.$": "$.waves.results",
                    "previousLoadTest.$": "$.validation",
                    "timeoutSeconds": APPROVAL_TIMEOUT_SECONDS,
                },
            }))
            .timeout_seconds(APPROVAL_TIMEOUT_SECONDS)
            .result_path("$.approval")
            .catch(&all, &not_approved),
    );
    m.chain(&ask).then(&update);
    let needs_approval = m.add(
        "Approval Needed?",
        Choice::new().jump(var("$.wave.approval").string_equals("manual"), &ask).otherwise_jump(&update),
    );
    m.chain(&plan_wave).then(&needs_approval);
    m.chain(&update).then(&judge);

    // Bake, and bake again later while AWS has published nothing newer.
    let images = m.add(
        "Find The Newest Images",
        activity(Activity::LatestBakedImages)
            .payload(json!({ "recipes.$": "$.plan.bakeInput.recipes", "baked.$": "$.bake.baked" }))
            .returns("$.images", &["byRecipe"])
            .catch(&all, &failure_digest),
    );
    m.chain(&images).then(&more);
    let bake_failed = m.add(
        "A Recipe Failed",
        Pass::set("$.error", json!({ "Error": errors::AWS, "Cause.$": "States.Format('The bake failed for {}: no wave started.', States.JsonToString($.bake.failed))" })),
    );
    m.chain(&bake_failed).then(&failure_digest);
    let plan = m.add(
        "Plan The Patch",
        activity(Activity::PlanPatch).returns_as::<PatchPlan>("$.plan").catch(&[errors::INVALID_INPUT], &rejected),
    );
    // Every field the digest reads exists from the start, whatever fails first.
    let start = m.add(
        "Start The Run",
        Pass::set(
            "$",
            json!({ "plan.$": "$.plan", "claim": null, "waves": { "index": 0, "results": [] }, "bake": null, "images": null, "update": null, "validation": null, "retention": null, "error": null }),
        ),
    );
    // One patch at a time: a second one started meanwhile ends here, having changed nothing.
    let already_running = m.add("Another Patch Is Running", Pass::new().output_path("$.claim"));
    let claimed = m.add(
        "Claimed?",
        Choice::new()
            .when(var("$.claim.claimed").boolean_equals(true), |claimed| {
                claimed
                    .poll(
                        Poll::check(
                            "New AMI",
                            child_execution("Bake")
                                .input_path("$.plan.bakeInput")
                                .result_selector(json!({ "baked.$": "$.Output.baked", "skipped.$": "$.Output.skipped", "failed.$": "$.Output.failed" }))
                                .result_path("$.bake")
                                .catch(&all, &failure_digest),
                        )
                        .asking("Newer AMI Baked?")
                        .first_wait(Wait::seconds(0))
                        .every(Wait::seconds_path("$.plan.checkEverySeconds"))
                        .until(var("$.bake.baked[0]").is_present(true))
                        .unless(var("$.bake.failed[0]").is_present(true), |failed| failed.join(&bake_failed))
                        .at_most(MAX_NEW_AMI_CHECKS)
                        .limit_path("$.plan.maxNewAmiChecks")
                        // Out of checks: go on with the newest images there are.
                        .on_timeout(|out_of_checks| out_of_checks.join(&images)),
                    )
                    .join(&images)
            })
            .otherwise_jump(&already_running),
    );
    let claim = m.add(
        "Claim The Patch",
        activity(Activity::ClaimPatch)
            .payload(json!({ "parameter.$": "$.plan.claim", "execution.$": "$$.Execution.Id", "seconds.$": "$.plan.claimSeconds" }))
            .returns_as::<Claim>("$.claim")
            .catch(&all, &patch_failed),
    );
    m.start(&plan).then(&start).then(&claim).then(&claimed);
    m.build()
}
