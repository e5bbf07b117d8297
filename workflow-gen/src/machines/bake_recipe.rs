//! bake_recipe: one recipe of a bake, in its own execution so each recipe has its own history.
//!
//! Resolve the source → read the last one seen → skip if unchanged (unless forced) → bake by mode →
//! wait until the image is available → optional boot test → share → record the source as seen →
//! announce → retention. The builder and the boot-test instance are terminated on every path.

use contract::machines::bake_recipe::{BuildCheck, CommandCheck, InstanceCheck};
use contract::{errors, Activity};
use serde_json::json;

use super::activity;

use crate::asl::{self, StateMachine};
use crate::dsl::{any, var, Choice, Fail, Machine, Pass, Poll, Wait};
use crate::GraphError;

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("bake_recipe")
        .comment("Bake one recipe: copy, SSM build or Packer; the builder is always terminated.");
    let all = [asl::errors::ALL];
    let recipe = "$.recipe.name";

    // How it ends.
    let failed = m.add("Recipe Failed", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let skipped = m.add(
        "Source Unchanged",
        Pass::set("$", json!({ "recipe.$": recipe, "status": "skipped", "reason": "the source AMI has not changed since the last bake", "sourceImageId.$": "$.source.imageId" })),
    );
    let planned = m.add(
        "Report The Recipe Plan",
        Pass::set("$", json!({ "recipe.$": recipe, "status": "planned", "mode.$": "$.recipe.mode", "source.$": "$.source", "lastSeen.$": "$.lastSeen" })),
    );
    let baked = m.add(
        "Recipe Baked",
        Pass::set(
            "$",
            json!({ "recipe.$": recipe, "status": "baked", "mode.$": "$.recipe.mode", "imageId.$": "$.image.imageId", "sourceImageId.$": "$.source.imageId", "retention.$": "$.retention" }),
        ),
    );

    // The end of every bake: share, record, announce, retention.
    let retention = m.add(
        "Apply Retention",
        activity(Activity::ApplyRetention)
            .payload(json!({ "recipe.$": recipe, "keep.$": "$.recipe.keep" }))
            .returns("$.retention", &["kept", "deregistered", "deletedSnapshots"])
            .catch(&all, &failed),
    );
    let announce = m.add(
        "Announce The New AMI",
        activity(Activity::AnnounceNewAmi)
            .payload(json!({ "topicArn.$": "$.topicArn", "recipe.$": recipe, "imageId.$": "$.image.imageId", "sourceImageId.$": "$.source.imageId", "mode.$": "$.recipe.mode" }))
            .catch(&all, &failed),
    );
    let record = m.add(
        "Record The Source As Seen",
        activity(Activity::RecordLastSeen)
            .payload(json!({ "parameter.$": "$.lastSeenParameter", "sourceImageId.$": "$.source.imageId", "imageId.$": "$.image.imageId" }))
            .catch(&all, &failed),
    );
    let share = m.add(
        "Share The Image",
        activity(Activity::ShareImage)
            .payload(json!({ "imageId.$": "$.image.imageId", "accounts.$": "$.recipe.shareWith" }))
            .catch(&all, &failed),
    );
    m.chain(&share).then(&record).then(&announce).then(&retention).then(&baked);

    // Boot test: launch the image once, wait until its status checks pass, terminate it either way.
    let end_boot_test_after_failure = m.add(
        "End The Boot Test After Failure",
        activity(Activity::TerminateInstances)
            .payload(json!({ "instanceIds.$": "States.Array($.bootTest.instanceId)" }))
            .catch_into(&all, "$.cleanupError", &failed),
    );
    m.chain(&end_boot_test_after_failure).then(&failed);
    let end_boot_test = m.add(
        "End The Boot Test",
        activity(Activity::TerminateInstances)
            .payload(json!({ "instanceIds.$": "States.Array($.bootTest.instanceId)" }))
            .catch(&all, &failed),
    );
    m.chain(&end_boot_test).then(&share);
    let boot_never_ready = m.add(
        "Boot Test Never Ready",
        Pass::set("$.error", json!({ "Error": errors::UNHEALTHY, "Cause": "The baked image did not pass its status checks when launched." })),
    );
    m.chain(&boot_never_ready).then(&end_boot_test_after_failure);
    let boot_wait = m.poll_until(
        Poll::check(
            "Boot Test",
            activity(Activity::CheckInstance)
                .payload(json!({ "instanceId.$": "$.bootTest.instanceId" }))
                .returns_as::<InstanceCheck>("$.bootTest")
                .catch(&all, &end_boot_test_after_failure),
        )
        .asking("Boot Test Passed?")
        .every(Wait::seconds(30))
        .until(var("$.bootTest.ready").boolean_equals(true), &end_boot_test)
        .at_most(30)
        .on_timeout(&boot_never_ready),
    );
    let boot = m.add(
        "Launch The Boot Test",
        activity(Activity::LaunchInstance)
            .payload(json!({
                "imageId.$": "$.image.imageId",
                "instanceType.$": "$.recipe.bootTest.instanceType",
                "subnetId.$": "$.recipe.bootTest.subnetId",
                "recipe.$": recipe,
                "purpose": "boot-test",
            }))
            .returns("$.bootTest", &["instanceId"])
            .catch(&all, &failed),
    );
    m.chain(&boot).then(&boot_wait);
    let boot_test = m.add(
        "Boot Test?",
        // No boot test asked for: share the image straight away.
        Choice::new().when(var("$.recipe.bootTest").is_null(true), &share).otherwise(&boot),
    );

    // Every mode ends with an image that must become available.
    let image_failed = m.add(
        "Image Failed",
        Pass::set("$.error", json!({ "Error": errors::AWS, "Cause.$": "States.Format('Image {} ended {}.', $.image.imageId, $.image.state)" })),
    );
    m.chain(&image_failed).then(&failed);
    let image_never_available = m.add(
        "Image Never Available",
        Pass::set(
            "$.error",
            json!({ "Error": errors::UNHEALTHY, "Cause": "The baked image was not available within an hour." }),
        ),
    );
    m.chain(&image_never_available).then(&failed);
    let wait_image = m.poll_until(
        Poll::check(
            "Image",
            activity(Activity::DescribeImage)
                .payload(json!({ "imageId.$": "$.image.imageId" }))
                .returns("$.image", &["imageId", "state"])
                .catch(&all, &failed),
        )
        .asking("Image Available?")
        .every(Wait::seconds(60))
        .until(var("$.image.state").string_equals("available"), &boot_test)
        .unless(any(["failed", "error", "invalid"].map(|s| var("$.image.state").string_equals(s))), &image_failed)
        .at_most(60)
        .on_timeout(&image_never_available),
    );

    // copy
    let copy = m.add(
        "Copy The Image",
        activity(Activity::CopyImage)
            .payload(json!({ "recipe.$": recipe, "sourceImageId.$": "$.source.imageId", "sourceName.$": "$.source.name", "encryption.$": "$.recipe.encryption", "tags.$": "$.recipe.tags" }))
            .returns("$.image", &["imageId"])
            .catch(&all, &failed),
    );
    m.chain(&copy).then(&wait_image);

    // ssm-build: the builder is terminated whatever happens.
    let end_builder_after_failure = m.add(
        "Terminate The Builder After Failure",
        activity(Activity::TerminateInstances)
            .payload(json!({ "instanceIds.$": "States.Array($.builder.instanceId)" }))
            .catch_into(&all, "$.cleanupError", &failed),
    );
    m.chain(&end_builder_after_failure).then(&failed);
    let builder_timed_out = |m: &mut Machine, name: &str, cause: &str| {
        let state = m.add(name, Pass::set("$.error", json!({ "Error": errors::UNHEALTHY, "Cause": cause })));
        m.chain(&state).then(&end_builder_after_failure);
        state
    };
    let end_builder = m.add(
        "Terminate The Builder",
        activity(Activity::TerminateInstances)
            .payload(json!({ "instanceIds.$": "States.Array($.builder.instanceId)" }))
            .catch(&all, &failed),
    );
    m.chain(&end_builder).then(&wait_image);
    let create_image = m.add(
        "Create The Image",
        activity(Activity::CreateImage)
            .payload(json!({ "recipe.$": recipe, "instanceId.$": "$.builder.instanceId", "sourceImageId.$": "$.source.imageId", "sourceName.$": "$.source.name", "tags.$": "$.recipe.tags" }))
            .returns("$.image", &["imageId"])
            .catch(&all, &end_builder_after_failure),
    );
    m.chain(&create_image).then(&end_builder);
    let never_stopped = builder_timed_out(
        &mut m,
        "Builder Never Stopped",
        "The builder did not shut down after sysprep within 30 minutes.",
    );
    let wait_stopped = m.poll_until(
        Poll::check(
            "Builder Shutdown",
            activity(Activity::CheckInstance)
                .payload(json!({ "instanceId.$": "$.builder.instanceId" }))
                .returns_as::<InstanceCheck>("$.instance")
                .catch(&all, &end_builder_after_failure),
        )
        .asking("Builder Stopped?")
        .every(Wait::seconds(60))
        .until(var("$.instance.state").string_equals("stopped"), &create_image)
        .at_most(30)
        .on_timeout(&never_stopped),
    );
    let sysprep = m.add(
        "Sysprep And Shut Down",
        activity(Activity::Sysprep)
            .payload(json!({ "instanceId.$": "$.builder.instanceId" }))
            .catch(&all, &end_builder_after_failure),
    );
    m.chain(&sysprep).then(&wait_stopped);
    let provisioning_failed = m.add(
        "Provisioning Failed",
        Pass::set("$.error", json!({ "Error": errors::AWS, "Cause.$": "States.Format('The provisioners ended {} on the builder.', $.command.status)" })),
    );
    m.chain(&provisioning_failed).then(&end_builder_after_failure);
    let provisioning_timed_out =
        builder_timed_out(&mut m, "Provisioning Timed Out", "The provisioners did not finish within an hour.");
    let wait_provisioned = m.poll_until(
        Poll::check(
            "Provisioners",
            activity(Activity::CheckCommand)
                .payload(json!({ "commandId.$": "$.command.commandId", "instanceId.$": "$.builder.instanceId" }))
                .returns_as::<CommandCheck>("$.command")
                .catch(&all, &end_builder_after_failure),
        )
        .asking("Provisioners Done?")
        .every(Wait::seconds(60))
        .until(var("$.command.status").string_equals("Success"), &sysprep)
        .unless(
            any(["Failed", "Cancelled", "TimedOut", "Undeliverable", "Terminated"]
                .map(|s| var("$.command.status").string_equals(s))),
            &provisioning_failed,
        )
        .at_most(60)
        .on_timeout(&provisioning_timed_out),
    );
    let provision = m.add(
        "Run The Provisioners",
        activity(Activity::SendCommand)
            .payload(
                json!({ "instanceIds.$": "States.Array($.builder.instanceId)", "commands.$": "$.provisionScript" }),
            )
            .returns("$.command", &["commandId"])
            .catch(&all, &end_builder_after_failure),
    );
    m.chain(&provision).then(&wait_provisioned);
    let never_ready = builder_timed_out(
        &mut m,
        "Builder Never Ready",
        "The builder did not pass its status checks within 30 minutes.",
    );
    let wait_builder = m.poll_until(
        Poll::check(
            "Builder",
            activity(Activity::CheckInstance)
                .payload(json!({ "instanceId.$": "$.builder.instanceId" }))
                .returns_as::<InstanceCheck>("$.instance")
                .catch(&all, &end_builder_after_failure),
        )
        .asking("Builder Ready?")
        .every(Wait::seconds(60))
        .until(var("$.instance.ready").boolean_equals(true), &provision)
        .at_most(30)
        .on_timeout(&never_ready),
    );
    let launch_builder = m.add(
        "Launch The Builder",
        activity(Activity::LaunchInstance)
            .payload(json!({
                "imageId.$": "$.source.imageId",
                "instanceType.$": "$.recipe.builder.instanceType",
                "subnetId.$": "$.recipe.builder.subnetId",
                "instanceProfile.$": "$.recipe.builder.instanceProfile",
                "securityGroupIds.$": "$.recipe.builder.securityGroupIds",
                "recipe.$": recipe,
                "purpose": "builder",
            }))
            .returns("$.builder", &["instanceId"])
            .catch(&all, &failed),
    );
    m.chain(&launch_builder).then(&wait_builder);

    // packer
    let build_failed = m.add(
        "Packer Build Failed",
        Pass::set("$.error", json!({ "Error": errors::AWS, "Cause.$": "States.Format('The Packer build {} ended {}.', $.packer.buildId, $.packer.status)" })),
    );
    m.chain(&build_failed).then(&failed);
    let build_timed_out = m.add(
        "Packer Build Timed Out",
        Pass::set(
            "$.error",
            json!({ "Error": errors::UNHEALTHY, "Cause": "The Packer build did not finish within three hours." }),
        ),
    );
    m.chain(&build_timed_out).then(&failed);
    let packer_image = m.add("Take The Packer Image", Pass::set("$.image", json!({ "imageId.$": "$.packer.imageId" })));
    m.chain(&packer_image).then(&wait_image);
    let wait_build = m.poll_until(
        Poll::check(
            "Packer Build",
            activity(Activity::CheckPackerBuild)
                .payload(json!({ "buildId.$": "$.packer.buildId" }))
                .returns_as::<BuildCheck>("$.packer")
                .catch(&all, &failed),
        )
        .asking("Packer Build Done?")
        .every(Wait::seconds(120))
        .until(var("$.packer.status").string_equals("SUCCEEDED"), &packer_image)
        .unless(
            any(["FAILED", "FAULT", "STOPPED", "TIMED_OUT"].map(|s| var("$.packer.status").string_equals(s))),
            &build_failed,
        )
        .at_most(90)
        .on_timeout(&build_timed_out),
    );
    let start_build = m.add(
        "Start The Packer Build",
        activity(Activity::StartPackerBuild)
            .payload(json!({ "recipe.$": "$.recipe", "sourceImageId.$": "$.source.imageId", "provisionScript.$": "$.provisionScript" }))
            .returns("$.packer", &["buildId"])
            .catch(&all, &failed),
    );
    m.chain(&start_build).then(&wait_build);

    // Whether and how to bake.
    let which_mode = m.add(
        "Which Mode?",
        Choice::new()
            .when(var("$.recipe.mode").string_equals("ssm-build"), &launch_builder)
            .when(var("$.recipe.mode").string_equals("packer"), &start_build)
            .otherwise(&copy),
    );
    let changed = m.add(
        "Source Changed?",
        Choice::new()
            .when(var("$.dryRun").boolean_equals(true), &planned)
            .when(var("$.force").boolean_equals(true), &which_mode)
            .when(var("$.lastSeen.sourceImageId").string_equals_path("$.source.imageId"), &skipped)
            .otherwise(&which_mode),
    );
    let last_seen = m.add(
        "Read The Last Source Seen",
        activity(Activity::ReadLastSeen)
            .payload(json!({ "parameter.$": "$.lastSeenParameter" }))
            .returns("$.lastSeen", &["sourceImageId"])
            .catch(&all, &failed),
    );
    let resolve = m.add(
        "Resolve The Source AMI",
        activity(Activity::ResolveSourceAmi)
            .payload(json!({ "source.$": "$.recipe.source" }))
            .returns("$.source", &["imageId", "name", "creationDate", "deprecationTime"])
            .catch(&all, &failed),
    );
    m.start(&resolve).then(&last_seen).then(&changed);
    m.build()
}
