//! What the builder renders: helpers, polls and conditions, pinned as JSON.

use contract::errors;
use insta::assert_json_snapshot;
use serde_json::{json, Value};
use workflow_gen::asl::{self, State};
use workflow_gen::dsl::{child_execution, lambda, var, Choice, Machine, Pass, Poll, Succeed};
use workflow_gen::example;

fn json_of(state: &State) -> Value {
    serde_json::to_value(state).unwrap()
}

#[test]
fn lambda_invokes_the_substituted_function_and_retries_transient_errors_and_throttling() {
    let task = lambda("ResolveSourceAmi").returns("$.ami", &["imageId", "name"]);
    assert_json_snapshot!(json_of(&State::Task(task)), @r#"
    {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {
        "FunctionName": "${ResolveSourceAmiFunctionArn}",
        "Payload.$": "$"
      },
      "ResultSelector": {
        "imageId.$": "$.Payload.imageId",
        "name.$": "$.Payload.name"
      },
      "ResultPath": "$.ami",
      "Retry": [
        {
          "ErrorEquals": [
            "Lambda.ClientExecutionTimeoutException",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException"
          ],
          "IntervalSeconds": 2,
          "MaxAttempts": 6,
          "BackoffRate": 2
        },
        {
          "ErrorEquals": [
            "Lambda.TooManyRequestsException"
          ],
          "IntervalSeconds": 5,
          "MaxAttempts": 4,
          "BackoffRate": 3,
          "JitterStrategy": "FULL"
        }
      ],
      "End": true
    }
    "#);
}

#[test]
fn a_lambda_without_returns_keeps_its_input() {
    let task = lambda("PublishNewAmi");
    assert_eq!(json_of(&State::Task(task))["ResultPath"], Value::Null);
}

#[test]
fn child_execution_waits_for_the_child_and_unwraps_its_output() {
    let task = child_execution("Cycle").result_path("$.cycle");
    let json = json_of(&State::Task(task));
    assert_eq!(json["Resource"], "arn:aws:states:::states:startExecution.sync:2");
    assert_eq!(json["Parameters"], json!({ "StateMachineArn": "${CycleStateMachineArn}", "Input.$": "$" }));
    assert_eq!(json["ResultSelector"], json!({ "output.$": "$.Output" }));
    assert_eq!(json["Retry"][0]["ErrorEquals"], json!(["StepFunctions.ExecutionLimitExceeded"]));
}

#[test]
fn states_render_type_first_and_keep_their_declared_order() {
    let machine = example::definition().unwrap().to_json();
    let names: Vec<&str> = machine.lines().filter(|l| l.starts_with("    \"") && l.ends_with('{')).collect();
    assert_eq!(names[0].trim(), "\"Remember The Request\": {");
    let copy = machine.find("\"Copy Image\": {").unwrap();
    assert!(machine[copy..].lines().nth(1).unwrap().contains("\"Type\": \"Task\""));
}

#[test]
fn a_poll_counts_attempts_goes_on_when_done_and_takes_its_timeout_leg() {
    let mut m = Machine::new("poll");
    m.flow()
        .poll(
            Poll::check("Image", lambda("DescribeImage").returns("$.image", &["state"]))
                .asking("Image Available?")
                .until(var("$.image.state").string_equals("available"))
                .at_most(3)
                .on_timeout(|gone| gone.step("Gone", Succeed::new())),
        )
        .step("Done", Succeed::new());
    let asl = m.build().unwrap();
    let names: Vec<&str> = asl.states.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "Start Polling Image",
            "Wait For Image",
            "Check Image",
            "Count Image Checks",
            "Image Available?",
            "Gone",
            "Done"
        ]
    );
    let question = serde_json::to_value(&asl.states["Image Available?"]).unwrap();
    assert_json_snapshot!(question, @r#"
    {
      "Type": "Choice",
      "Choices": [
        {
          "Variable": "$.image.state",
          "StringEquals": "available",
          "Next": "Done"
        },
        {
          "Variable": "$.polls.image.attempts",
          "NumericGreaterThanEquals": 3,
          "Next": "Gone"
        }
      ],
      "Default": "Wait For Image"
    }
    "#);
    let count = serde_json::to_value(&asl.states["Count Image Checks"]).unwrap();
    assert_eq!(count["Parameters"], json!({ "attempts.$": "States.MathAdd($.polls.image.attempts, 1)" }));
}

#[test]
fn every_comparison_operator_renders_with_its_variable() {
    let v = || var("$.x");
    let conditions = [
        v().string_equals("a"),
        v().string_equals_path("$.y"),
        v().string_less_than("a"),
        v().string_less_than_path("$.y"),
        v().string_greater_than("a"),
        v().string_greater_than_path("$.y"),
        v().string_less_than_equals("a"),
        v().string_less_than_equals_path("$.y"),
        v().string_greater_than_equals("a"),
        v().string_greater_than_equals_path("$.y"),
        v().string_matches("ami-*"),
        v().numeric_equals(1),
        v().numeric_equals_path("$.y"),
        v().numeric_less_than(1.5),
        v().numeric_less_than_path("$.y"),
        v().numeric_greater_than(1),
        v().numeric_greater_than_path("$.y"),
        v().numeric_less_than_equals(1),
        v().numeric_less_than_equals_path("$.y"),
        v().numeric_greater_than_equals(1),
        v().numeric_greater_than_equals_path("$.y"),
        v().boolean_equals(true),
        v().boolean_equals_path("$.y"),
        v().timestamp_equals("2026-11-10T00:00:00Z"),
        v().timestamp_equals_path("$.y"),
        v().timestamp_less_than("2026-11-10T00:00:00Z"),
        v().timestamp_less_than_path("$.y"),
        v().timestamp_greater_than("2026-11-10T00:00:00Z"),
        v().timestamp_greater_than_path("$.y"),
        v().timestamp_less_than_equals("2026-11-10T00:00:00Z"),
        v().timestamp_less_than_equals_path("$.y"),
        v().timestamp_greater_than_equals("2026-11-10T00:00:00Z"),
        v().timestamp_greater_than_equals_path("$.y"),
        v().is_null(false),
        v().is_present(true),
        v().is_numeric(true),
        v().is_string(true),
        v().is_boolean(true),
        v().is_timestamp(true),
    ];
    let operators: Vec<String> = conditions
        .iter()
        .map(|c| {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json["Variable"], "$.x");
            json.as_object().unwrap().keys().find(|k| *k != "Variable").unwrap().clone()
        })
        .collect();
    assert_eq!(operators.len(), 39);
    assert!(operators.iter().filter(|op| op.ends_with("Path")).count() == 16);
}

#[test]
fn and_or_not_nest() {
    let condition = var("$.state")
        .string_equals("available")
        .and(var("$.ready").boolean_equals(true))
        .or(workflow_gen::dsl::not(var("$.error").is_present(true)));
    let rule = asl::ChoiceRule { condition, next: "Done".into() };
    let choice = asl::Choice { choices: vec![rule], default: Some("Wait".into()), ..asl::Choice::default() };
    assert_json_snapshot!(json_of(&State::Choice(choice)), @r#"
    {
      "Type": "Choice",
      "Choices": [
        {
          "Or": [
            {
              "And": [
                {
                  "Variable": "$.state",
                  "StringEquals": "available"
                },
                {
                  "Variable": "$.ready",
                  "BooleanEquals": true
                }
              ]
            },
            {
              "Not": {
                "Variable": "$.error",
                "IsPresent": true
              }
            }
          ],
          "Next": "Done"
        }
      ],
      "Default": "Wait"
    }
    "#);
}

#[test]
fn catch_matches_tuesday_error_names() {
    let task = lambda("CopyImage").catch(&[errors::NOT_FOUND], "Skip");
    let json = json_of(&State::Task(task));
    assert_eq!(
        json["Catch"],
        json!([{ "ErrorEquals": ["Tuesday.NotFound"], "ResultPath": "$.error", "Next": "Skip" }])
    );
}

#[test]
fn legs_written_in_place_rejoin_afterwards_with_the_default() {
    let mut m = Machine::new("legs");
    m.flow()
        .step(
            "Which?",
            Choice::new()
                .when(var("$.a").boolean_equals(true), |a| a.step("A", Pass::new()))
                .when(var("$.b").boolean_equals(true), |b| b.step("B", Succeed::new()))
                .when(var("$.c").boolean_equals(true), |carry_on| carry_on),
        )
        .afterwards()
        .step("After", Succeed::new());
    let asl = serde_json::to_value(m.build().unwrap()).unwrap();
    let which = &asl["States"]["Which?"];
    assert_eq!(which["Choices"][0]["Next"], "A");
    assert_eq!(which["Choices"][1]["Next"], "B");
    assert_eq!(which["Choices"][2]["Next"], "After");
    assert_eq!(which["Default"], "After");
    assert_eq!(asl["States"]["A"]["Next"], "After");
}

#[test]
fn a_leg_left_open_is_reported() {
    let mut m = Machine::new("open");
    m.flow()
        .step("Which?", Choice::new().when(var("$.a").boolean_equals(true), |a| a.step("A", Pass::new())))
        .step("After", Succeed::new());
    let errors = m.build().unwrap_err();
    assert!(
        errors.contains(&workflow_gen::GraphError::OpenLeg { state: "Which?".into(), end: "A".into() }),
        "{errors:?}"
    );
}

#[test]
fn a_catching_scope_gives_every_task_its_catch_after_their_own() {
    let mut m = Machine::new("scoped");
    m.flow()
        .catching(&["States.ALL"], "Failed", |scope| {
            scope
                .step("Own First", lambda("A").catch(&[errors::NOT_FOUND], "Gone"))
                .step("Own Catch-All", lambda("B").catch(&["States.ALL"], "Elsewhere"))
                .step("Just A Pass", Pass::new())
                .catching(&["States.ALL"], "Inner", |inner| inner.step("Innermost", lambda("C")))
        })
        .step("Outside", lambda("D"))
        .step("Done", Succeed::new());
    for target in ["Gone", "Elsewhere", "Failed", "Inner"] {
        m.add(target, Succeed::new());
    }
    let asl = serde_json::to_value(m.build().unwrap()).unwrap();
    let targets = |state: &str| -> Vec<String> {
        let catch = asl["States"][state]["Catch"].as_array().cloned().unwrap_or_default();
        catch.iter().map(|c| c["Next"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(targets("Own First"), ["Gone", "Failed"]);
    assert_eq!(targets("Own Catch-All"), ["Elsewhere"]);
    assert_eq!(targets("Innermost"), ["Inner"]);
    assert!(targets("Outside").is_empty());
    assert!(asl["States"]["Just A Pass"].get("Catch").is_none());
}
