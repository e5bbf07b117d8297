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

/// Where every failure of the copy goes; a state added by name and joined by name.
const COPY_FAILED: &str = "Copy Failed";

pub fn definition() -> Result<StateMachine, Vec<GraphError>> {
    let mut m = Machine::new("example").comment("Copy an image, wait for it, tag and share it, then cycle its groups.");
    let all = [asl::errors::ALL];

    m.flow()
        .step("Remember The Request", Pass::result_at("$.request", json!({ "source": "example" })))
        .step(
            "Dry Run?",
            Choice::new()
                .when(var("$.dryRun").boolean_equals(true), |plan| {
                    plan.step(
                        "Plan The Copy",
                        Task::new("arn:aws:states:::aws-sdk:ec2:describeImages")
                            .parameters(json!({ "ImageIds.$": "States.Array($.sourceImageId)" }))
                            .result_selector(json!({ "images.$": "$.Images" }))
                            .result_path("$.plan")
                            .heartbeat_seconds(30)
                            .timeout_seconds_path("$.planTimeoutSeconds"),
                    )
                    .step("Report The Plan", Pass::new().output_path("$.plan"))
                    .end()
                })
                .when(var("$.notBefore").is_present(true), |later| {
                    later.step("Wait For The Window", Wait::timestamp_path("$.notBefore"))
                }),
        )
        .afterwards()
        .catching(&all, COPY_FAILED, |copy| {
            copy.step(
                "Copy Image",
                lambda("CopyImage")
                    .returns("$.copy", &["imageId"])
                    .timeout_seconds(120)
                    .catch(&[errors::INVALID_INPUT, errors::NOT_FOUND], COPY_FAILED),
            )
            .poll(
                Poll::check("Image", lambda("DescribeImage").returns("$.image", &["state"]))
                    .asking("Image Available?")
                    .first_wait(Wait::seconds_path("$.warmUpSeconds"))
                    .every(Wait::seconds(60))
                    .until(var("$.image.state").string_equals("available"))
                    .unless(var("$.image.state").string_equals("failed"), |failed| failed.join(COPY_FAILED))
                    .at_most(60)
                    .on_timeout(|late| {
                        late.step(
                            "Image Never Available",
                            Fail::with(errors::NOT_FOUND, "The copied image did not become available within an hour."),
                        )
                    }),
            )
            .step("Tag And Share", ParallelState::branches([tag(), share()]).result_path("$.published"))
        })
        .step(
            "Cycle Every Group",
            MapState::over("$.groups", cycle_one())
                .item_selector(json!({ "group.$": "$$.Map.Item.Value", "imageId.$": "$.copy.imageId" }))
                .max_concurrency(5)
                .tolerated_failure_percentage(0)
                .at_most_items(20)
                .result_path("$.cycles"),
        )
        .step("Done", Succeed::new());
    m.add(COPY_FAILED, Fail::from_paths("$.error.Error", "$.error.Cause"));
    m.build()
}

fn tag() -> Graph {
    let mut branch = Graph::new();
    branch.flow().step("Tag Image", lambda("TagImage").payload(json!({ "imageId.$": "$.copy.imageId" })));
    branch
}

fn share() -> Graph {
    let mut branch = Graph::new();
    let throttled = Retrier::on(&[errors::THROTTLED], 5, 4, 2.0).max_delay_seconds(60);
    branch.flow().step("Share Image", lambda("ShareImage").retry(throttled.jitter(asl::JitterStrategy::Full)));
    branch
}

fn cycle_one() -> Graph {
    let mut each = Graph::new();
    each.flow().step("Cycle Group", child_execution("Cycle").result_path("$.cycle"));
    each
}
