//! Every rule `Machine::build` enforces, each with a machine that breaks it.

use contract::errors;
use serde_json::json;
use workflow_gen::asl::{errors as states, Wait as WaitState};
use workflow_gen::dsl::{lambda, var, Choice, Fail, Graph, Machine, MapState, Pass, Poll, Succeed, Wait};
use workflow_gen::GraphError;

fn errors_of(machine: Machine) -> Vec<GraphError> {
    machine.build().expect_err("the machine should be rejected")
}

#[test]
fn accepts_a_small_machine() {
    let mut m = Machine::new("ok");
    let a = m.add("A", Pass::new());
    let b = m.add("B", Succeed::new());
    m.start(&a).then(&b);
    let asl = m.build().unwrap();
    assert_eq!(asl.start_at, "A");
    assert_eq!(asl.states.len(), 2);
}

#[test]
fn rejects_duplicate_state_names() {
    let mut m = Machine::new("dup");
    let a = m.add("Copy Image", Pass::new());
    m.add("Copy Image", Succeed::new());
    m.start(&a);
    assert!(errors_of(m).contains(&GraphError::DuplicateName { state: "Copy Image".into() }));
}

#[test]
fn rejects_duplicate_names_across_a_map_branch() {
    let mut each = Graph::new();
    let inner = each.add("Same", Pass::new());
    each.start(&inner);
    let mut m = Machine::new("dup");
    let map = m.add_map("Each", MapState::over("$.items", each));
    let outer = m.add("Same", Succeed::new());
    m.start(&map).then(&outer);
    assert!(errors_of(m).contains(&GraphError::DuplicateName { state: "Same".into() }));
}

#[test]
fn rejects_names_over_80_characters() {
    let long = "A".repeat(81);
    let mut m = Machine::new("long");
    let a = m.add(long.clone(), Succeed::new());
    m.start(&a);
    assert_eq!(errors_of(m), vec![GraphError::NameTooLong { state: long, len: 81 }]);
}

#[test]
fn rejects_dangling_next() {
    let mut m = Machine::new("dangling");
    let a = m.add("Copy Image", Pass::new());
    m.start(&a).then("Wait For Imgae");
    let errors = errors_of(m);
    assert!(errors.contains(&GraphError::DanglingNext { state: "Copy Image".into(), target: "Wait For Imgae".into() }));
    assert_eq!(errors[0].to_string(), "state 'Copy Image' goes to 'Wait For Imgae', which does not exist");
}

#[test]
fn rejects_dangling_choice_and_catch_targets() {
    let mut m = Machine::new("dangling");
    let done = m.add("Done", Succeed::new());
    let task = m.add("Copy", lambda("CopyImage").catch(&[errors::NOT_FOUND], "Handle It"));
    let choice = m.add("Which?", Choice::new().jump(var("$.x").is_present(true), "Elsewhere").otherwise_jump(&task));
    m.start(&choice);
    m.chain(&task).then(&done);
    let errors = errors_of(m);
    assert!(errors.contains(&GraphError::DanglingNext { state: "Which?".into(), target: "Elsewhere".into() }));
    assert!(errors.contains(&GraphError::DanglingNext { state: "Copy".into(), target: "Handle It".into() }));
}

#[test]
fn rejects_unreachable_states() {
    let mut m = Machine::new("unreachable");
    let a = m.add("Start", Succeed::new());
    m.add("Forgotten", Succeed::new());
    m.start(&a);
    assert_eq!(errors_of(m), vec![GraphError::Unreachable { state: "Forgotten".into(), start: "Start".into() }]);
}

#[test]
fn rejects_a_machine_without_a_terminal_state() {
    let mut m = Machine::new("endless");
    let a = m.add("Ping", Pass::new());
    let b = m.add("Pong", Pass::new());
    m.start(&a).then(&b).then(&a);
    let errors = errors_of(m);
    assert!(errors.contains(&GraphError::NoTerminalState { scope: "the machine".into() }), "{errors:?}");
}

#[test]
fn rejects_next_leaving_a_map_branch() {
    let mut m = Machine::new("leaky");
    let outer = m.add("Outside", Succeed::new());
    let mut each = Graph::new();
    let inner = each.add("Inside", Pass::new());
    each.start(&inner).then(&outer);
    let map = m.add_map("Each Item", MapState::over("$.items", each));
    m.start(&map).then(&outer);
    let errors = errors_of(m);
    assert!(errors.contains(&GraphError::NextLeavesBranch {
        state: "Inside".into(),
        target: "Outside".into(),
        container: "'Each Item'".into()
    }));
}

#[test]
fn rejects_an_empty_choice() {
    let mut m = Machine::new("empty");
    let done = m.add("Done", Succeed::new());
    let choice = m.add("Anything?", Choice::new().otherwise_jump(&done));
    m.start(&choice);
    assert_eq!(errors_of(m), vec![GraphError::EmptyChoice { state: "Anything?".into() }]);
}

#[test]
fn rejects_a_choice_without_default() {
    let mut m = Machine::new("no-default");
    let done = m.add("Done", Succeed::new());
    let choice = m.add("Ready?", Choice::new().jump(var("$.ready").boolean_equals(true), &done));
    m.start(&choice);
    assert_eq!(errors_of(m), vec![GraphError::ChoiceWithoutDefault { state: "Ready?".into() }]);
}

#[test]
fn rejects_a_wait_with_two_durations() {
    let mut m = Machine::new("wait");
    let wait = m.add("Wait", WaitState { timestamp_path: Some("$.at".into()), ..Wait::seconds(5) });
    m.start(&wait);
    assert_eq!(errors_of(m), vec![GraphError::WaitDurations { state: "Wait".into(), count: 2 }]);
}

#[test]
fn rejects_a_wait_without_a_duration() {
    let mut m = Machine::new("wait");
    let wait = m.add("Wait", WaitState::default());
    m.start(&wait);
    assert_eq!(errors_of(m), vec![GraphError::WaitDurations { state: "Wait".into(), count: 0 }]);
}

#[test]
fn rejects_a_fail_with_next() {
    let mut m = Machine::new("fail-next");
    let fail = m.add("Give Up", Fail::with(errors::NOT_FOUND, "gone"));
    let after = m.add("After", Succeed::new());
    m.start(&fail).then(&after);
    assert!(errors_of(m).contains(&GraphError::NextFromTerminal { state: "Give Up".into(), kind: "Fail" }));
}

#[test]
fn rejects_a_second_next() {
    let mut m = Machine::new("twice");
    let a = m.add("A", Pass::new());
    let b = m.add("B", Succeed::new());
    let c = m.add("C", Succeed::new());
    m.start(&a).then(&b);
    m.chain(&a).then(&c);
    assert!(errors_of(m).contains(&GraphError::AlreadyHasNext {
        state: "A".into(),
        next: "B".into(),
        new: "C".into()
    }));
}

#[test]
fn rejects_states_all_before_other_catchers() {
    let mut m = Machine::new("catch-all");
    let failed = m.add("Failed", Fail::with(errors::AWS, "failed"));
    let task =
        m.add("Copy Image", lambda("CopyImage").catch(&[states::ALL], &failed).catch(&[errors::NOT_FOUND], &failed));
    m.start(&task);
    assert_eq!(errors_of(m), vec![GraphError::CatchAllNotLast { state: "Copy Image".into(), field: "Catch" }]);
}

#[test]
fn rejects_states_all_beside_other_errors_in_retry() {
    use workflow_gen::dsl::Retrier;
    let mut m = Machine::new("retry-all");
    let task =
        m.add("Copy Image", lambda("CopyImage").retry(Retrier::on(&[errors::THROTTLED, states::ALL], 1, 2, 2.0)));
    m.start(&task);
    assert_eq!(errors_of(m), vec![GraphError::CatchAllNotLast { state: "Copy Image".into(), field: "Retry" }]);
}

#[test]
fn rejects_a_loop_without_a_bound() {
    let mut m = Machine::new("unbounded");
    let done = m.add("Done", Succeed::new());
    let wait = m.add("Wait", Wait::seconds(60));
    let check = m.add("Check", lambda("DescribeImage").returns("$.image", &["state"]));
    let ready = m.add(
        "Ready?",
        Choice::new().jump(var("$.image.state").string_equals("available"), &done).otherwise_jump(&wait),
    );
    m.start(&wait).then(&check).then(&ready);
    assert_eq!(
        errors_of(m),
        vec![GraphError::UnboundedLoop { states: vec!["Wait".into(), "Check".into(), "Ready?".into()] }]
    );
}

#[test]
fn accepts_a_loop_declared_bounded() {
    let mut m = Machine::new("bounded");
    let done = m.add("Done", Succeed::new());
    let wait = m.add("Wait", Wait::seconds(60));
    let ready = m.add("Ready?", Choice::new().jump(var("$.ready").boolean_equals(true), &done).otherwise_jump(&wait));
    m.bound_loop(&ready, 10);
    m.start(&wait).then(&ready);
    m.build().unwrap();
}

fn poll_machine(max_attempts: u32) -> Machine {
    let mut m = Machine::new("poll");
    m.flow()
        .poll(
            Poll::check("Image", lambda("DescribeImage").returns("$.image", &["state"]))
                .until(var("$.image.state").string_equals("available"))
                .at_most(max_attempts)
                .on_timeout(|late| late.step("Timed Out", Fail::with(errors::NOT_FOUND, "never"))),
        )
        .step("Done", Succeed::new());
    m
}

#[test]
fn accepts_a_poll_well_within_the_history_quota() {
    poll_machine(100).build().unwrap();
}

#[test]
fn rejects_a_poll_whose_worst_case_history_is_above_20000_events() {
    let errors = errors_of(poll_machine(3000));
    let [GraphError::HistoryTooLong { state, events, .. }] = errors.as_slice() else {
        panic!("expected only a history error, got {errors:?}");
    };
    assert_eq!(state, "Check Image");
    assert!(*events > 20_000);
}

#[test]
fn counts_map_items_in_the_history_estimate() {
    let each = || {
        let mut each = Graph::new();
        let task = each.add("Bake", lambda("CopyImage"));
        each.start(&task);
        each
    };
    let machine = |items: u32| {
        let mut m = Machine::new("map");
        let map = m.add_map("Each Recipe", MapState::over("$.recipes", each()).at_most_items(items));
        m.start(&map);
        m
    };
    machine(100).build().unwrap();
    let errors = errors_of(machine(2_000));
    assert!(matches!(&errors[..], [GraphError::HistoryTooLong { state, .. }] if state == "Bake"), "{errors:?}");
}

#[test]
fn rejects_a_poll_without_a_maximum() {
    let mut m = Machine::new("poll");
    m.flow()
        .poll(
            Poll::check("Image", lambda("DescribeImage"))
                .until(var("$.image.state").string_equals("available"))
                .on_timeout(|late| late.step("Timed Out", Fail::with(errors::NOT_FOUND, "never"))),
        )
        .step("Done", Succeed::new());
    assert!(errors_of(m).contains(&GraphError::IncompletePoll { state: "Image Ready?".into(), missing: "at_most" }));
}

#[test]
fn reports_every_problem_at_once() {
    let mut m = Machine::new("many");
    let a = m.add("A", Pass::set("$.x", json!({})));
    m.add("A", Pass::new());
    let c = m.add("Which?", Choice::new());
    m.start(&a).then(&c);
    let errors = errors_of(m);
    assert!(errors.len() >= 3, "{errors:?}");
}

#[test]
fn rejects_an_inline_map_wider_than_forty() {
    let wide = |concurrency: u32| {
        let mut item = Graph::new();
        item.flow().step("Work", Pass::new());
        let mut m = Machine::new("wide");
        m.flow().step("Every Item", MapState::over("$.items", item).max_concurrency(concurrency));
        m.build()
    };
    assert!(wide(40).is_ok());
    let errors = wide(100).unwrap_err();
    assert!(errors.contains(&GraphError::InlineMapTooWide { state: "Every Item".into(), max: 100 }), "{errors:?}");
}
