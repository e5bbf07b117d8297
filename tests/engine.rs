//! The ASL engine holds to what AWS does and enforces, one test per behaviour: machines built in the
//! test, run on the local stack (LocalStack's interpreter, moto, the real activities).

use serde_json::{json, Value};
use tuesday::local::{LocalRun, RunResult, Scenario, Status};
use tuesday_tests::{emulator, S3};
use workflow_gen::asl::{ItemReader, ResultWriter};
use workflow_gen::dsl::{child_execution, lambda, Fail, Graph, Machine, MapState, ParallelState, Pass, Wait};
use workflow_gen::GraphError;

fn definition(machine: Result<workflow_gen::asl::StateMachine, Vec<GraphError>>) -> Value {
    serde_json::to_value(machine.expect("the test machine is valid")).unwrap()
}

async fn run(machine: Value, input: Value) -> RunResult {
    run_with(machine, input, Scenario::new()).await
}

async fn run_with(machine: Value, input: Value, scenario: Scenario) -> RunResult {
    let clients = emulator().clients().await;
    LocalRun::new(emulator(), clients).machine("test", machine).scenario(scenario).run("test", input).await.unwrap()
}

/// Runs `parent`, which starts `child` as a child execution (`${ChildStateMachineArn}`).
async fn run_parent_of(child: Machine, parent: Machine) -> RunResult {
    let clients = emulator().clients().await;
    LocalRun::new(emulator(), clients)
        .machine("child", definition(child.build()))
        .machine("test", definition(parent.build()))
        .run("test", json!({}))
        .await
        .unwrap()
}

/// The most Map iterations running at once, read off the history.
fn most_iterations_at_once(result: &RunResult) -> usize {
    let (mut running, mut most) = (0usize, 0usize);
    for event in &result.events {
        match event.kind.as_str() {
            "MapIterationStarted" => running += 1,
            "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted" => running -= 1,
            _ => {}
        }
        most = most.max(running);
    }
    most
}

#[tokio::test]
async fn a_state_output_over_256_kib_fails_the_execution_and_states_all_does_not_catch_it() {
    let mut branch = Graph::new();
    let big = branch.add("Make 300 KiB", Pass::result_at("$.big", json!("x".repeat(300 * 1024))));
    branch.start(&big);
    let mut m = Machine::new("test");
    let caught = m.add("Caught", Pass::new());
    let parallel = m.add_parallel("Carry It", ParallelState::branches([branch]).catch(&["States.ALL"], &caught));
    m.start(&parallel);

    let result = run(definition(m.build()), json!({})).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some("States.DataLimitExceeded"), "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Caught").is_empty(), "States.ALL caught it");
}

#[tokio::test]
async fn a_pass_with_a_null_result_gives_null() {
    let mut m = Machine::new("test");
    let pass = m.add("Nothing", Pass::result_at("$.nothing", Value::Null));
    m.start(&pass);

    let result = run(definition(m.build()), json!({ "kept": 1 })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(result.output, Some(json!({ "kept": 1, "nothing": null })));
}

#[tokio::test]
async fn a_state_entered_time_is_utc_to_the_millisecond_with_a_z() {
    let mut m = Machine::new("test");
    let pass = m.add("When", Pass::set("$", json!({ "at.$": "$$.State.EnteredTime" })));
    m.start(&pass);

    let result = run(definition(m.build()), json!({})).await;

    let at = result.output.as_ref().and_then(|o| o["at"].as_str()).unwrap_or_default().to_owned();
    // "2019-03-26T20:14:13.192Z", as AWS's context object shows it.
    let shape: String = at.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }).collect();
    assert_eq!(shape, "0000-00-00T00:00:00.000Z", "{at}");
}

#[tokio::test]
async fn an_inline_map_runs_at_most_40_iterations_at_once_whatever_its_max_concurrency() {
    let mut item = Graph::new();
    let wait = item.add("Take A Minute", Wait::seconds(60));
    item.start(&wait);
    let mut m = Machine::new("test");
    let map = m.add_map("Every Item", MapState::over("$.items", item).max_concurrency(40));
    m.start(&map);
    // The DSL refuses more than 40 (InlineMapTooWide); a hand-written definition can ask for 100.
    let mut machine = definition(m.build());
    machine["States"]["Every Item"]["MaxConcurrency"] = json!(100);

    let items: Vec<u32> = (0..100).collect();
    let result = run(machine, json!({ "items": items })).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert_eq!(most_iterations_at_once(&result), 40);
    // 100 one-minute items, 40 at a time: three minutes, as on AWS (100 at once would take one).
    assert!((180.0..240.0).contains(&result.virtual_seconds), "{} s", result.virtual_seconds);
}

#[tokio::test]
async fn waits_in_parallel_branches_and_child_executions_overlap() {
    let mut child = Machine::new("child");
    let nap = child.add("Ten Minutes", Wait::seconds(600));
    child.start(&nap);
    let branch = |name: &str| {
        let mut branch = Graph::new();
        let start = branch.add(name, child_execution("Child"));
        branch.start(&start);
        branch
    };
    let mut m = Machine::new("test");
    let both = m.add_parallel("Two Children", ParallelState::branches([branch("Child A"), branch("Child B")]));
    m.start(&both);

    let result = run_parent_of(child, m).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    assert!(
        (600.0..660.0).contains(&result.virtual_seconds),
        "two ten-minute children took {} s",
        result.virtual_seconds
    );
    let children: Vec<&str> =
        result.events.iter().filter(|e| e.kind == "ExecutionStarted").map(|e| e.execution.as_str()).collect();
    assert_eq!(children.len(), 3, "{children:?}");
}

#[tokio::test]
async fn a_lambda_error_reaches_the_machine_as_aws_hands_it() {
    let mut m = Machine::new("test");
    let caught = m.add("Caught", Pass::new());
    let describe = m.add(
        "Describe A Missing Group",
        lambda("DescribeGroup").payload(json!({ "groupName": "no-such-group" })).catch(&["States.ALL"], &caught),
    );
    m.start(&describe);

    let result = run(definition(m.build()), json!({})).await;

    let error = &result.output.as_ref().expect("caught")["error"];
    assert_eq!(error["Error"], activities::errors::NOT_FOUND);
    let cause: Value = serde_json::from_str(error["Cause"].as_str().unwrap()).expect("the cause is JSON");
    assert_eq!(cause["errorType"], activities::errors::NOT_FOUND);
    assert!(cause["errorMessage"].as_str().unwrap().contains("no-such-group"), "{cause}");
}

#[tokio::test]
async fn a_failed_child_gives_its_parent_the_childs_describe_execution() {
    let mut child = Machine::new("child");
    let fail = child.add("Give Up", Fail::with("Child.Failed", "the child gave up"));
    child.start(&fail);
    let mut m = Machine::new("test");
    let caught = m.add("Caught", Pass::new());
    let start = m.add("Start The Child", child_execution("Child").catch(&["States.ALL"], &caught));
    m.start(&start);

    let result = run_parent_of(child, m).await;

    let error = &result.output.as_ref().expect("caught")["error"];
    assert_eq!(error["Error"], "States.TaskFailed");
    let described: Value = serde_json::from_str(error["Cause"].as_str().unwrap()).expect("the cause is JSON");
    assert_eq!(described["Status"], "FAILED");
    assert_eq!(described["Error"], "Child.Failed");
    assert_eq!(described["Cause"], "the child gave up");
    let child_arn = described["ExecutionArn"].as_str().unwrap();
    assert!(child_arn.contains(":execution:child-"), "{child_arn}");
    assert_ne!(child_arn, result.execution_arn);
}

#[tokio::test]
async fn two_runs_of_one_machine_are_two_executions() {
    let mut m = Machine::new("test");
    let pass = m.add("Pass", Pass::new());
    m.start(&pass);
    let machine = definition(m.build());

    let first = run(machine.clone(), json!({})).await;
    let second = run(machine, json!({})).await;

    assert!(first.execution_arn.starts_with("arn:aws:states:us-east-1:123456789012:execution:test-"));
    assert_ne!(first.execution_arn, second.execution_arn);
}

#[tokio::test]
async fn a_stopped_execution_is_aborted_where_it_stood() {
    let mut m = Machine::new("test");
    let second = m.add("Second", Pass::new());
    let first = m.add("First", Pass::new());
    m.start(&first).then(&second);

    let result = run_with(definition(m.build()), json!({}), Scenario::new().stop_after("First")).await;

    assert_eq!(result.status, Status::Aborted, "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Second").is_empty());
    assert!(result.events.iter().any(|e| e.kind == "ExecutionAborted"));
}

#[tokio::test]
async fn a_distributed_map_reads_1000_items_from_s3_and_writes_its_results() {
    let s3 = S3::new(emulator());
    s3.create_bucket("tuesday-items").await.unwrap();
    let items: Vec<Value> = (0..1000).map(|n| json!({ "group": format!("g-{n}") })).collect();
    s3.put("tuesday-items", "groups.json", &serde_json::to_vec(&items).unwrap()).await.unwrap();

    let mut item = Graph::new();
    let seen = item.add("Seen", Pass::set("$", json!({ "seen.$": "$.group" })));
    item.start(&seen);
    let mut m = Machine::new("test");
    let map =
        MapState::distributed(ItemReader::s3_json(json!({ "Bucket": "tuesday-items", "Key": "groups.json" })), item)
            .max_concurrency(100)
            .result_writer(ResultWriter::s3("tuesday-items", "results"));
    let every = m.add_map("Every Group", map);
    m.start(&every);

    let result = run(definition(m.build()), json!({})).await;

    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let written = &result.output.as_ref().unwrap()["ResultWriterDetails"];
    assert_eq!(written["Bucket"], "tuesday-items", "{:?}", result.output);
    let manifest: Value =
        serde_json::from_slice(&s3.get("tuesday-items", written["Key"].as_str().unwrap()).await.unwrap()).unwrap();
    let mut seen = Vec::new();
    let files = manifest["ResultFiles"]["SUCCEEDED"].as_array().unwrap();
    assert!(!files.is_empty(), "{manifest}");
    for file in files {
        let results: Value =
            serde_json::from_slice(&s3.get("tuesday-items", file["Key"].as_str().unwrap()).await.unwrap()).unwrap();
        for entry in results.as_array().unwrap() {
            let output: Value = serde_json::from_str(entry["Output"].as_str().unwrap()).unwrap();
            seen.push(output["seen"].as_str().unwrap().to_owned());
        }
    }
    seen.sort();
    let mut expected: Vec<String> = (0..1000).map(|n| format!("g-{n}")).collect();
    expected.sort();
    assert!(seen == expected, "{} results of 1000", seen.len());
}

#[tokio::test]
async fn an_execution_fails_at_25000_history_events() {
    let mut item = Graph::new();
    let pass = item.add("Touch", Pass::new());
    item.start(&pass);
    let mut m = Machine::new("test");
    let done = m.add("Done", Pass::new());
    let map = m.add_map("Every Item", MapState::over("$.items", item).at_most_items(10));
    m.start(&map).then(&done);

    // Four events an item (iteration started, state entered and exited, iteration succeeded).
    let items: Vec<u32> = (0..6500).collect();
    let result = run(definition(m.build()), json!({ "items": items })).await;

    assert_eq!(result.status, Status::Failed, "{}", result.outcome());
    assert_eq!(result.error.as_deref(), Some("States.Runtime"), "{}", result.outcome());
    assert!(result.message().unwrap().contains("25000"), "{}", result.outcome());
    assert!(result.events_of("StateEntered", "Done").is_empty());
}

#[tokio::test]
async fn a_distributed_map_reads_csv_and_tolerates_the_failures_it_is_told_to() {
    let s3 = S3::new(emulator());
    s3.create_bucket("tuesday-csv").await.unwrap();
    let rows: String = std::iter::once("group,healthy\n".to_owned())
        .chain((0..10).map(|n| format!("g-{n},{}\n", if n < 3 { "no" } else { "yes" })))
        .collect();
    s3.put("tuesday-csv", "groups.csv", rows.as_bytes()).await.unwrap();
    let machine = |tolerated: u8| {
        let mut item = Graph::new();
        let broken = item.add("Broken", Fail::with("Group.Broken", "not healthy"));
        let fine = item.add("Fine", Pass::new());
        let healthy = item.add(
            "Healthy?",
            workflow_gen::dsl::Choice::new()
                .jump(workflow_gen::dsl::var("$.healthy").string_equals("yes"), &fine)
                .otherwise_jump(&broken),
        );
        item.start(&healthy);
        let mut m = Machine::new("test");
        let reader = ItemReader::s3_csv(json!({ "Bucket": "tuesday-csv", "Key": "groups.csv" }));
        let every =
            m.add_map("Every Group", MapState::distributed(reader, item).tolerated_failure_percentage(tolerated));
        m.start(&every);
        definition(m.build())
    };

    let tolerant = run(machine(50), json!({})).await;
    let strict = run(machine(10), json!({})).await;

    assert_eq!(tolerant.status, Status::Succeeded, "3 of 10 failed, 50% tolerated: {}", tolerant.outcome());
    assert_eq!(tolerant.output.as_ref().map(|o| o.as_array().map(Vec::len)), Some(Some(10)), "{:?}", tolerant.output);
    assert_eq!(strict.status, Status::Failed, "3 of 10 failed, 10% tolerated: {}", strict.outcome());
    assert_eq!(strict.error.as_deref(), Some("States.ExceedToleratedFailureThreshold"), "{}", strict.outcome());
}
