//! bake_recipe: one recipe of a bake, in its own execution so each recipe has its own history.
//!
//! Resolve the source → read the last one seen → skip if unchanged (unless forced) → bake by mode →
//! wait until the image is available → optional boot test → deprecation and protection as the recipe
//! asks → optional EC2 Fast Launch, waited for → share → record the source as seen → announce. The builder and the boot-test instance are
//! terminated on every path. Retention is the patch's, after its waves.

use contract::machines::bake_recipe::{BuildCheck, CommandCheck, InstanceCheck};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;

use crate::asl::{self, StateMachine};
use crate::dsl::{raise, var, Chain, Choice, Condition, Fail, Machine, Pass, Poll, Task, Wait};
use crate::GraphError;

// States only a Catch or a jump reaches.
const FAILED: &str = "Recipe Failed";
const END_BUILDER_AFTER_FAILURE: &str = "Terminate The Builder After Failure";
const END_BOOT_TEST_AFTER_FAILURE: &str = "End The Boot Test After Failure";
const RECIPE: &str = "$.recipe.name";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("bake_recipe")
        .comment("Bake one recipe: copy, SSM build or Packer; the builder is always terminated.");
    let all = [asl::errors::ALL];

    m.flow().catching(&all, FAILED, |bake| {
        bake.step(
            "Resolve The Source AMI",
            activity(Activity::ResolveSourceAmi)
                .payload(json!({ "source.$": "$.recipe.source" }))
                .returns("$.source", &["imageId", "name", "creationDate", "deprecationTime"]),
        )
        .step(
            "Read The Last Source Seen",
            activity(Activity::ReadLastSeen)
                .payload(json!({ "parameter.$": "$.lastSeenParameter" }))
                .returns("$.lastSeen", &["sourceImageId"]),
        )
        .step(
            "Source Changed?",
            Choice::new()
                .when(var("$.dryRun").boolean_equals(true), |dry_run| {
                    dry_run
                        .step(
                            "Report The Recipe Plan",
                            Pass::set("$", json!({ "recipe.$": RECIPE, "status": "planned", "mode.$": "$.recipe.mode", "source.$": "$.source", "lastSeen.$": "$.lastSeen" })),
                        )
                        .end()
                })
                .when(var("$.force").boolean_equals(true), |forced| forced)
                .when(var("$.lastSeen.sourceImageId").string_equals_path("$.source.imageId"), |unchanged| {
                    unchanged
                        .step(
                            "Source Unchanged",
                            Pass::set("$", json!({ "recipe.$": RECIPE, "status": "skipped", "reason": "the source AMI has not changed since the last bake", "sourceImageId.$": "$.source.imageId" })),
                        )
                        .end()
                }),
        )
        .afterwards()
        .step(
            "Which Mode?",
            Choice::new()
                .when(var("$.recipe.mode").string_equals("ssm-build"), ssm_build)
                .when(var("$.recipe.mode").string_equals("packer"), packer)
                .otherwise(|copy| {
                    copy.step(
                        "Copy The Image",
                        activity(Activity::CopyImage)
                            .payload(json!({ "recipe.$": RECIPE, "sourceImageId.$": "$.source.imageId", "sourceName.$": "$.source.name", "encryption.$": "$.recipe.encryption", "tags.$": "$.recipe.tags" }))
                            .returns("$.image", &["imageId"]),
                    )
                }),
        )
        .afterwards()
        // Every mode ends with an image that must become available.
        .poll(
            Poll::check(
                "Image",
                activity(Activity::DescribeImage)
                    .payload(json!({ "imageId.$": "$.image.imageId" }))
                    .returns("$.image", &["imageId", "state"]),
            )
            .asking("Image Available?")
            .every(Wait::seconds(60))
            .until(var("$.image.state").string_equals("available"))
            .unless(
                var("$.image.state").string_equals_any(["failed", "error", "invalid"]),
                raise(
                    "Image Failed",
                    Pass::error_from(errors::AWS, "States.Format('Image {} ended {}.', $.image.imageId, $.image.state)"),
                    FAILED,
                ),
            )
            .at_most(60)
            .on_timeout(raise(
                "Image Never Available",
                Pass::error(errors::UNHEALTHY, "The baked image was not available within an hour."),
                FAILED,
            )),
        )
        .step("Boot Test?", Choice::new().when(var("$.recipe.bootTest").is_null(false), boot_test))
        .afterwards()
        .step(
            "Set The Image's Lifecycle",
            activity(Activity::SetImageLifecycle)
                .payload(json!({ "imageId.$": "$.image.imageId", "deprecateAfterDays.$": "$.recipe.deprecateAfterDays", "deregistrationProtection.$": "$.recipe.deregistrationProtection" }))
                .returns("$.lifecycle", &["deprecationTime", "deregistrationProtection"]),
        )
        .step("Fast Launch?", Choice::new().when(var("$.recipe.fastLaunch").is_null(false), fast_launch))
        .afterwards()
        .step(
            "Share The Image",
            activity(Activity::ShareImage).payload(json!({ "imageId.$": "$.image.imageId", "accounts.$": "$.recipe.shareWith" })),
        )
        .step(
            "Record The Source As Seen",
            activity(Activity::RecordLastSeen)
                .payload(json!({ "parameter.$": "$.lastSeenParameter", "sourceImageId.$": "$.source.imageId", "imageId.$": "$.image.imageId" })),
        )
        .step(
            "Announce The New AMI",
            activity(Activity::AnnounceNewAmi)
                .payload(json!({ "topicArn.$": "$.topicArn", "recipe.$": RECIPE, "imageId.$": "$.image.imageId", "sourceImageId.$": "$.source.imageId", "mode.$": "$.recipe.mode" })),
        )
        .step(
            "Recipe Baked",
            Pass::set(
                "$",
                json!({ "recipe.$": RECIPE, "status": "baked", "mode.$": "$.recipe.mode", "imageId.$": "$.image.imageId", "sourceImageId.$": "$.source.imageId", "lifecycle.$": "$.lifecycle" }),
            ),
        )
    });

    terminate_after_failure(&mut m, END_BUILDER_AFTER_FAILURE, "$.builder.instanceId");
    terminate_after_failure(&mut m, END_BOOT_TEST_AFTER_FAILURE, "$.bootTest.instanceId");
    m.add(FAILED, Fail::from_paths("$.error.Error", "$.error.Cause"));
    m.build()
}

/// ssm-build: launch a builder from the source, run the provisioners over SSM, sysprep, image it.
/// The builder is terminated whatever happens.
fn ssm_build(build: Chain<'_>) -> Chain<'_> {
    let all = [asl::errors::ALL];
    let failed_status = ["Failed", "Cancelled", "TimedOut", "Undeliverable", "Terminated"];
    build
        .step(
            "Launch The Builder",
            activity(Activity::LaunchInstance)
                .payload(json!({
                    "imageId.$": "$.source.imageId",
                    "instanceType.$": "$.recipe.builder.instanceType",
                    "subnetId.$": "$.recipe.builder.subnetId",
                    "instanceProfile.$": "$.recipe.builder.instanceProfile",
                    "securityGroupIds.$": "$.recipe.builder.securityGroupIds",
                    "recipe.$": RECIPE,
                    "purpose": "builder",
                    "encryption.$": "$.recipe.encryption",
                }))
                .returns("$.builder", &["instanceId"]),
        )
        .catching(&all, END_BUILDER_AFTER_FAILURE, |builder| {
            builder
                .poll(instance_check(
                    "Builder",
                    "Builder Ready?",
                    ("$.builder.instanceId", "$.instance"),
                    var("$.instance.ready").boolean_equals(true),
                    60,
                    ("Builder Never Ready", "The builder did not pass its status checks within 30 minutes."),
                    END_BUILDER_AFTER_FAILURE,
                ))
                .step(
                    "Run The Provisioners",
                    activity(Activity::Provision)
                        .payload(json!({ "instanceId.$": "$.builder.instanceId", "provisioners.$": "$.recipe.provisioners" }))
                        .returns("$.command", &["commandId"]),
                )
                .poll(
                    Poll::check(
                        "Provisioners",
                        activity(Activity::CheckCommand)
                            .payload(json!({ "commandId.$": "$.command.commandId", "instanceId.$": "$.builder.instanceId" }))
                            .returns_as::<CommandCheck>("$.command"),
                    )
                    .asking("Provisioners Done?")
                    .every(Wait::seconds(60))
                    .until(var("$.command.status").string_equals("Success"))
                    .unless(
                        var("$.command.status").string_equals_any(failed_status),
                        raise(
                            "Provisioning Failed",
                            Pass::error_from(errors::AWS, "States.Format('The provisioners ended {} on the builder.', $.command.status)"),
                            END_BUILDER_AFTER_FAILURE,
                        ),
                    )
                    .at_most(60)
                    .on_timeout(raise(
                        "Provisioning Timed Out",
                        Pass::error(errors::UNHEALTHY, "The provisioners did not finish within an hour."),
                        END_BUILDER_AFTER_FAILURE,
                    )),
                )
                .step("Sysprep And Shut Down", activity(Activity::Sysprep).payload(json!({ "instanceId.$": "$.builder.instanceId" })))
                .poll(instance_check(
                    "Builder Shutdown",
                    "Builder Stopped?",
                    ("$.builder.instanceId", "$.instance"),
                    var("$.instance.state").string_equals("stopped"),
                    60,
                    ("Builder Never Stopped", "The builder did not shut down after sysprep within 30 minutes."),
                    END_BUILDER_AFTER_FAILURE,
                ))
                .step(
                    "Create The Image",
                    activity(Activity::CreateImage)
                        .payload(json!({ "recipe.$": RECIPE, "instanceId.$": "$.builder.instanceId", "sourceImageId.$": "$.source.imageId", "sourceName.$": "$.source.name", "tags.$": "$.recipe.tags" }))
                        .returns("$.image", &["imageId"]),
                )
        })
        .step("Terminate The Builder", terminate("$.builder.instanceId"))
}

/// packer: a CodeBuild project runs Packer; the AMI it exports is the image.
fn packer(build: Chain<'_>) -> Chain<'_> {
    build
        .step(
            "Start The Packer Build",
            activity(Activity::StartPackerBuild)
                .payload(json!({ "recipe.$": "$.recipe", "sourceImageId.$": "$.source.imageId" }))
                .returns("$.packer", &["buildId"]),
        )
        .poll(
            Poll::check(
                "Packer Build",
                activity(Activity::CheckPackerBuild)
                    .payload(json!({ "buildId.$": "$.packer.buildId" }))
                    .returns_as::<BuildCheck>("$.packer"),
            )
            .asking("Packer Build Done?")
            // Every four minutes, for three hours: within the recipe's history beside the rest.
            .every(Wait::seconds(240))
            .until(var("$.packer.status").string_equals("SUCCEEDED"))
            .unless(
                var("$.packer.status").string_equals_any(["FAILED", "FAULT", "STOPPED", "TIMED_OUT"]),
                raise(
                    "Packer Build Failed",
                    Pass::error_from(
                        errors::AWS,
                        "States.Format('The Packer build {} ended {}.', $.packer.buildId, $.packer.status)",
                    ),
                    FAILED,
                ),
            )
            .at_most(45)
            .on_timeout(raise(
                "Packer Build Timed Out",
                Pass::error(errors::UNHEALTHY, "The Packer build did not finish within three hours."),
                FAILED,
            )),
        )
        .step("Take The Packer Image", Pass::set("$.image", json!({ "imageId.$": "$.packer.imageId" })))
}

/// EC2 Fast Launch: enable it, and wait while EC2 pre-provisions the snapshots.
fn fast_launch(fast: Chain<'_>) -> Chain<'_> {
    fast.step(
        "Enable Fast Launch",
        activity(Activity::EnableFastLaunch)
            .payload(json!({ "imageId.$": "$.image.imageId", "fastLaunch.$": "$.recipe.fastLaunch" }))
            .returns("$.fastLaunch", &["state", "reason"]),
    )
    .poll(
        Poll::check(
            "Fast Launch",
            activity(Activity::DescribeFastLaunch)
                .payload(json!({ "imageId.$": "$.image.imageId" }))
                .returns("$.fastLaunch", &["state", "reason"]),
        )
        .asking("Fast Launch Enabled?")
        // Pre-provisioning takes tens of minutes: checked every five.
        .every(Wait::seconds(300))
        .until(var("$.fastLaunch.state").string_equals("enabled"))
        .unless(
            var("$.fastLaunch.state").string_equals_any(["enabling-failed", "enabled-failed"]),
            raise(
                "Fast Launch Failed",
                Pass::error_from(
                    errors::AWS,
                    "States.Format('EC2 Fast Launch ended {}: {}', $.fastLaunch.state, $.fastLaunch.reason)",
                ),
                FAILED,
            ),
        )
        .at_most(24)
        .on_timeout(raise(
            "Fast Launch Never Enabled",
            Pass::error(errors::UNHEALTHY, "EC2 Fast Launch was not enabled within two hours."),
            FAILED,
        )),
    )
}

/// Launch the image once, wait until its status checks pass, terminate it either way.
fn boot_test(boot: Chain<'_>) -> Chain<'_> {
    let all = [asl::errors::ALL];
    boot.step(
        "Launch The Boot Test",
        activity(Activity::LaunchInstance)
            .payload(json!({
                "imageId.$": "$.image.imageId",
                "instanceType.$": "$.recipe.bootTest.instanceType",
                "subnetId.$": "$.recipe.bootTest.subnetId",
                "recipe.$": RECIPE,
                "purpose": "boot-test",
            }))
            .returns("$.bootTest", &["instanceId"]),
    )
    .catching(&all, END_BOOT_TEST_AFTER_FAILURE, |launched| {
        launched.poll(instance_check(
            "Boot Test",
            "Boot Test Passed?",
            ("$.bootTest.instanceId", "$.bootTest"),
            var("$.bootTest.ready").boolean_equals(true),
            30,
            ("Boot Test Never Ready", "The baked image did not pass its status checks when launched."),
            END_BOOT_TEST_AFTER_FAILURE,
        ))
    })
    .step("End The Boot Test", terminate("$.bootTest.instanceId"))
}

/// Polls the instance at `instance` (a builder, a boot test) every `seconds`, thirty times at most,
/// writing each check at `at`, until `done`; out of checks, raises `timeout` and goes to `cleanup`.
fn instance_check<'a>(
    subject: &str,
    question: &str,
    (instance, at): (&str, &str),
    done: Condition,
    seconds: u64,
    (timeout, cause): (&'a str, &str),
    cleanup: &'a str,
) -> Poll<'a> {
    Poll::check(
        subject,
        activity(Activity::CheckInstance).payload(json!({ "instanceId.$": instance })).returns_as::<InstanceCheck>(at),
    )
    .asking(question)
    .every(Wait::seconds(seconds))
    .until(done)
    .at_most(30)
    .on_timeout(raise(timeout, Pass::error(errors::UNHEALTHY, cause), cleanup))
}

/// Terminates the instance at `path` (a builder, a boot test).
fn terminate(path: &str) -> Task {
    activity(Activity::TerminateInstances).payload(json!({ "instanceIds.$": format!("States.Array({path})") }))
}

/// `name` terminates the instance at `path` after a failure, and the recipe fails with the error it
/// had, whether the instance could be terminated or not.
fn terminate_after_failure(m: &mut Machine, name: &str, path: &str) {
    m.begin(name, terminate(path).catch_into(&[asl::errors::ALL], "$.cleanupError", FAILED)).join(FAILED);
}
