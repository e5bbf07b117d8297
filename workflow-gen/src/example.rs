//! An example machine that uses every kind of state the DSL offers. It is not deployed: tests build
//! it, snapshot it and run it through asl-validator, and the README points here when showing how a
//! machine is written.

use serde_json::json;

use crate::asl::{self, StateMachine};
use crate::dsl::{
    child_execution, lambda, var, Choice, Fail, Graph, Machine, MapState, ParallelState, Pass, Poll, Retrier, Succeed,
    Task, Wait,
};
use contract::errors;

use crate::GraphError;

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("example").comment("Copy an image, wait for it, tag and share it, then cycle its groups.");

    let failed = m.add("Copy Failed", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let never_available = m.add(
        "Image Never Available",
        Fail::with(errors::NOT_FOUND, "The copied image did not become available within an hour."),
    );
    let done = m.add("Done", Succeed::new());
    let dry_run_done = m.add("Report The Plan", Pass::new().output_path("$.plan"));

    let cycle_one = {
        let mut each = Graph::new();
        let cycle = each.add("Cycle Group", child_execution("Cycle").result_path("$.cycle"));
        each.start(&cycle);
        each
    };
    let cycle_all = m.add_map(
        "Cycle Every Group",
        MapState::over("$.groups", cycle_one)
            .item_selector(json!({ "group.$": "$$.Map.Item.Value", "imageId.$": "$.copy.imageId" }))
            .max_concurrency(5)
            .tolerated_failure_percentage(0)
            .at_most_items(20)
            .result_path("$.cycles"),
    );

    let tag = {
        let mut branch = Graph::new();
        let tag = branch.add("Tag Image", lambda("TagImage").payload(json!({ "imageId.$": "$.copy.imageId" })));
        branch.start(&tag);
        branch
    };
    let share = {
        let mut branch = Graph::new();
        let share = branch.add(
            "Share Image",
            lambda("ShareImage").retry(
                Retrier::on(&[errors::THROTTLED], 5, 4, 2.0).max_delay_seconds(60).jitter(asl::JitterStrategy::Full),
            ),
        );
        branch.start(&share);
        branch
    };
    let tag_and_share = m.add_parallel(
        "Tag And Share",
        ParallelState::branches([tag, share]).result_path("$.published").catch(&[asl::errors::ALL], &failed),
    );

    let wait_for_image = m.poll_until(
        Poll::check("Image", lambda("DescribeImage").returns("$.image", &["state"]))
            .asking("Image Available?")
            .first_wait(Wait::seconds_path("$.warmUpSeconds"))
            .every(Wait::seconds(60))
            .until(var("$.image.state").string_equals("available"), &tag_and_share)
            .unless(var("$.image.state").string_equals("failed"), &failed)
            .at_most(60)
            .on_timeout(&never_available),
    );

    let copy = m.add(
        "Copy Image",
        lambda("CopyImage")
            .returns("$.copy", &["imageId"])
            .timeout_seconds(120)
            .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND], &failed)
            .catch(&[asl::errors::ALL], &failed),
    );
    let plan = m.add(
        "Plan The Copy",
        Task::new("arn:aws:states:::aws-sdk:ec2:describeImages")
            .parameters(json!({ "ImageIds.$": "States.Array($.sourceImageId)" }))
            .result_selector(json!({ "images.$": "$.Images" }))
            .result_path("$.plan")
            .heartbeat_seconds(30)
            .timeout_seconds_path("$.planTimeoutSeconds"),
    );
    let not_before = m.add("Wait For The Window", Wait::timestamp_path("$.notBefore"));
    let dry_run = m.add(
        "Dry Run?",
        Choice::new()
            .when(var("$.dryRun").boolean_equals(true), &plan)
            .when(var("$.notBefore").is_present(true), &not_before)
            .otherwise(&copy),
    );
    let remember = m.add("Remember The Request", Pass::result_at("$.request", json!({ "source": "example" })));

    m.start(&remember).then(&dry_run);
    m.chain(&plan).then(&dry_run_done);
    m.chain(&not_before).then(&copy);
    m.chain(&copy).then(&wait_for_image);
    m.chain(&tag_and_share).then(&cycle_all).then(&done);
    m.build()
}
