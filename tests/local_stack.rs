//! Generated and DSL-built machines run end to end on the local stack: the seeded emulator, the ASL
//! engine (LocalStack's interpreter, in the emulator's process), and the real activities.

use contract::errors;
use serde_json::{json, Value};
use tuesday::local::{Fault, LocalRun, Scenario, Status};
use tuesday_tests::{create_group, emulator};
use workflow_gen::dsl::{lambda, var, Fail, Machine, Pass, Poll, Succeed, Wait};
use workflow_gen::GraphError;

fn definition(machine: Result<workflow_gen::asl::StateMachine, Vec<GraphError>>) -> Value {
    serde_json::to_value(machine.expect("the test machine is valid")).unwrap()
}

#[tokio::test]
async fn detect_resolves_the_seeded_windows_2022_parameter() {
    let clients = emulator().clients().await;
    let parameter = &emulator().seeded.parameters["2022"];
    let missing = "/aws/service/ami-windows-latest/Windows_Server-2099-English-Full-Base";

    let result = LocalRun::new(emulator(), clients.clone())
        .run("detect", json!({ "parameters": [parameter, missing] }))
        .await
        .unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let images = &result.output.as_ref().unwrap()["images"];
    let current = clients.ssm.get_parameter().name(parameter).send().await.unwrap();
    let current_id = current.parameter().unwrap().value().unwrap();
    assert_eq!(images[0]["found"], true);
    assert_eq!(images[0]["ami"]["imageId"], current_id);
    assert!(images[0]["ami"]["name"].as_str().unwrap().starts_with("Windows_Server-2022-English-Full-Base-"));
    assert_eq!(images[1]["found"], false);
    assert!(images[1]["cause"].as_str().unwrap().contains("ParameterNotFound"));
}

#[tokio::test]
async fn detect_fails_on_a_malformed_parameter_and_names_the_field() {
    let clients = emulator().clients().await;
    let result =
        LocalRun::new(emulator(), clients).run("detect", json!({ "parameters": ["not-a-parameter"] })).await.unwrap();
    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::INVALID_INPUT));
    assert!(result.message().unwrap().contains("source.parameter"), "{:?}", result.cause);
}

/// Describe an image; route each error name to its own state.
fn catching_machine() -> Value {
    let mut m = Machine::new("catching");
    let missing = m.add("Image Missing", Succeed::new());
    let conflict = m.add("Image Conflict", Succeed::new());
    let other = m.add("Something Else", Fail::from_paths("$.error.Error", "$.error.Cause"));
    let found = m.add("Image Found", Succeed::new());
    let describe = m.add(
        "Describe Image",
        lambda("DescribeImage")
            .payload(json!({ "imageId.$": "$.imageId" }))
            .returns("$.image", &["state"])
            .catch(&[errors::NOT_FOUND], &missing)
            .catch(&[errors::CONFLICT], &conflict)
            .catch(&[workflow_gen::asl::errors::ALL], &other),
    );
    m.start(&describe).then(&found);
    definition(m.build())
}

#[tokio::test]
async fn a_task_failing_with_not_found_takes_the_catch_that_names_it() {
    let clients = emulator().clients().await;
    let result = LocalRun::new(emulator(), clients)
        .machine("catching", catching_machine())
        .run("catching", json!({ "imageId": "ami-00000000000000000" }))
        .await
        .unwrap();
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Image Missing").len(), 1);
    assert!(result.events_of("StateEntered", "Something Else").is_empty());
    assert_eq!(result.output.unwrap()["error"]["Error"], errors::NOT_FOUND);
}

#[tokio::test]
async fn an_injected_activity_failure_takes_the_catch_that_names_it() {
    let clients = emulator().clients().await;
    let image = emulator().seeded.parameters["2022"].clone();
    let current = clients.ssm.get_parameter().name(&image).send().await.unwrap();
    let image_id = current.parameter().unwrap().value().unwrap().to_owned();

    let scenario = Scenario::new().at(0.0, Fault::fail_activity_once("DescribeImage", errors::CONFLICT, "busy"));
    let result = LocalRun::new(emulator(), clients.clone())
        .machine("catching", catching_machine())
        .scenario(scenario)
        .run("catching", json!({ "imageId": image_id }))
        .await
        .unwrap();
    assert_eq!(result.events_of("StateEntered", "Image Conflict").len(), 1, "{:#?}", result.events);
    assert!(result.events.iter().any(|e| e.kind == "FaultInjected"));

    // The fault fired once: the same machine now finds the image.
    let again = LocalRun::new(emulator(), clients)
        .machine("catching", catching_machine())
        .run("catching", json!({ "imageId": image_id }))
        .await
        .unwrap();
    assert_eq!(again.events_of("StateEntered", "Image Found").len(), 1);
}

/// Poll a group every `every` seconds until fewer than `size` instances serve, `attempts` at most.
fn watch_group_machine(every: u64, attempts: u32, size: u32) -> Value {
    let mut m = Machine::new("watch");
    m.flow()
        .poll(
            Poll::check(
                "Group",
                lambda("DescribeGroup")
                    .payload(json!({ "groupName.$": "$.groupName" }))
                    .returns("$.group", &["inService", "desiredCapacity"]),
            )
            .asking("Group Degraded?")
            .every(Wait::seconds(every))
            .until(var("$.group.inService").numeric_less_than(size))
            .at_most(attempts)
            .on_timeout(|steady| steady.step("Group Steady", Succeed::new())),
        )
        .step("Group Degraded", Pass::new());
    definition(m.build())
}

#[tokio::test]
async fn a_bounded_poll_of_hour_long_waits_runs_out_in_virtual_time() {
    let clients = emulator().clients().await;
    create_group(&clients, "poll-hours", 2).await.unwrap();

    let started = std::time::Instant::now();
    let result = LocalRun::new(emulator(), clients)
        .machine("watch", watch_group_machine(3600, 5, 2))
        .run("watch", json!({ "groupName": "poll-hours" }))
        .await
        .unwrap();
    eprintln!("5 polls of 3600 s: {:?} real, {} s virtual", started.elapsed(), result.virtual_seconds);

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Check Group").len(), 5);
    assert_eq!(result.events_of("StateEntered", "Group Steady").len(), 1);
    assert!(result.virtual_seconds >= 5.0 * 3600.0, "virtual time {}", result.virtual_seconds);
    assert!(result.virtual_seconds < 6.0 * 3600.0, "virtual time {}", result.virtual_seconds);
}

#[tokio::test]
async fn a_fault_at_a_virtual_time_is_seen_by_the_next_poll() {
    let clients = emulator().clients().await;
    create_group(&clients, "fault-at-time", 2).await.unwrap();

    let scenario =
        Scenario::new().at(1800.0, Fault::mark_group_unhealthy("fault-at-time")).sample_in_service("fault-at-time");
    let result = LocalRun::new(emulator(), clients)
        .machine("watch", watch_group_machine(600, 20, 2))
        .scenario(scenario)
        .run("watch", json!({ "groupName": "fault-at-time" }))
        .await
        .unwrap();

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Group Degraded").len(), 1);
    let checks: Vec<f64> = result.events_of("StateEntered", "Check Group").iter().map(|e| e.virtual_time).collect();
    let fault = result.events.iter().find(|e| e.kind == "FaultInjected").expect("the fault fired");
    // The fault fired before the first check at or after 1800 s, and that check was the last.
    assert!(fault.virtual_time >= 1800.0);
    assert!(checks[checks.len() - 2] < 1800.0 && checks[checks.len() - 1] >= 1800.0, "{checks:?}");
    let in_service = result.samples_of("inService:fault-at-time");
    assert_eq!(in_service.first(), Some(&&json!(2)));
    assert_eq!(in_service.last(), Some(&&json!(0)));
}

#[tokio::test]
async fn a_child_execution_runs_the_child_machine_and_returns_its_output() {
    let mut child = Machine::new("child");
    let answer = child.add("Answer", Pass::set("$.answer", json!({ "from.$": "$.asked" })));
    child.start(&answer);

    let mut parent = Machine::new("parent");
    let ask = parent.add("Ask Child", workflow_gen::dsl::child_execution("Child").result_path("$.child"));
    parent.start(&ask);

    let clients = emulator().clients().await;
    let result = LocalRun::new(emulator(), clients)
        .machine("child", definition(child.build()))
        .machine("parent", definition(parent.build()))
        .run("parent", json!({ "asked": "parent" }))
        .await
        .unwrap();
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output.unwrap()["child"]["output"]["answer"]["from"], "parent");
    assert!(result.events.iter().any(|e| e.execution == "parent/child#2" && e.kind.ends_with("StateEntered")));
}

#[tokio::test]
async fn a_group_deleted_after_a_named_state_fails_the_next_check_as_not_found() {
    let clients = emulator().clients().await;
    create_group(&clients, "deleted-mid-run", 1).await.unwrap();

    let scenario = Scenario::new().after("Count Group Checks", Fault::delete_group("deleted-mid-run"));
    let result = LocalRun::new(emulator(), clients)
        .machine("watch", watch_group_machine(60, 10, 1))
        .scenario(scenario)
        .run("watch", json!({ "groupName": "deleted-mid-run" }))
        .await
        .unwrap();

    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.error.as_deref(), Some(errors::NOT_FOUND), "{}", result.outcome());
    assert_eq!(result.events_of("StateEntered", "Check Group").len(), 2);
    assert_eq!(result.events_of("TaskFailed", "Check Group").len(), 1);
}
