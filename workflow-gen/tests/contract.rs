//! The contract between machines and activities (`workflow_gen::seam`): every generated machine keeps
//! it, and each way of breaking it is named, on the real machines with one thing spoiled.

use serde_json::{json, Value};
use workflow_gen::asl::{State, StateMachine};
use workflow_gen::machines::{self, MachineDef};
use workflow_gen::seam;

fn def(name: &str) -> MachineDef {
    machines::all().into_iter().find(|m| m.name == name).unwrap()
}

fn problems(name: &str, spoil: impl FnOnce(&mut StateMachine)) -> Vec<String> {
    let def = def(name);
    let mut machine = (def.definition)().unwrap();
    spoil(&mut machine);
    seam::check(def.name, &machine, (def.input_schema)(), &machines::all())
}

/// The Parameters of a top-level task, to spoil.
fn parameters<'m>(machine: &'m mut StateMachine, state: &str) -> &'m mut Value {
    match machine.states.get_mut(state) {
        Some(State::Task(task)) => task.parameters.as_mut().unwrap(),
        _ => panic!("no task '{state}'"),
    }
}

#[test]
fn every_machine_keeps_the_contract() {
    for def in machines::all() {
        let machine = (def.definition)().unwrap();
        let problems = seam::check(def.name, &machine, (def.input_schema)(), &machines::all());
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn a_misspelled_field_is_named() {
    let found = problems("cycle", |m| {
        let payload = parameters(m, "Release The Lock")["Payload"].as_object_mut().unwrap();
        let value = payload.remove("groupName.$").unwrap();
        payload.insert("groupNme.$".into(), value);
    });
    assert_eq!(
        found,
        [
            "cycle: state 'Release The Lock' sends UnlockGroup groupNme, which its input does not have",
            "cycle: state 'Release The Lock' sends UnlockGroup no groupName, which its input requires",
        ]
    );
}

#[test]
fn a_missing_required_field_is_named() {
    let found = problems("cycle_batch", |m| {
        parameters(m, "Surge The Group")["Payload"].as_object_mut().unwrap().remove("maxSize.$");
    });
    assert_eq!(found, ["cycle_batch: state 'Surge The Group' sends SurgeGroup no maxSize, which its input requires"]);
}

#[test]
fn a_wrong_activity_is_named() {
    let no_such = problems("cycle", |m| {
        parameters(m, "Release The Lock")["FunctionName"] = json!("${UnlockGroupsFunctionArn}");
    });
    assert_eq!(no_such, ["cycle: state 'Release The Lock' invokes 'UnlockGroups', which is no activity"]);

    let another = problems("cycle", |m| {
        parameters(m, "Release The Lock")["FunctionName"] = json!("${SurgeGroupFunctionArn}");
    });
    assert_eq!(
        another,
        [
            "cycle: state 'Release The Lock' sends SurgeGroup owner, table, which its input does not have",
            "cycle: state 'Release The Lock' sends SurgeGroup no desiredCapacity, maxSize, which its input requires",
        ]
    );
}

#[test]
fn a_kept_field_the_output_lacks_is_named() {
    let found = problems("cycle_batch", |m| {
        let Some(State::Task(task)) = m.states.get_mut("Deregister Old Instances") else { panic!() };
        task.result_selector = Some(json!({ "delay.$": "$.Payload.delay" }));
    });
    assert!(
        found.contains(
            &"cycle_batch: state 'Deregister Old Instances' keeps 'delay', which DeregisterInstances's output does not have"
                .to_owned()
        ),
        "{found:#?}"
    );
}

#[test]
fn a_child_given_the_wrong_input_is_named() {
    let found = problems("patch", |m| {
        let Some(State::Task(task)) = m.states.get_mut("Update The Wave") else { panic!() };
        task.input_path = Some("$.wave".into());
    });
    assert_eq!(
        found,
        ["patch: state 'Update The Wave' starts update approval, name, toleratedFailures, updateInput, validateInput, \
          which its input does not have"]
    );
}

#[test]
fn a_whole_state_passed_on_midway_is_refused() {
    let found = problems("cycle", |m| {
        parameters(m, "Release The Lock").as_object_mut().unwrap().remove("Payload");
        parameters(m, "Release The Lock")["Payload.$"] = json!("$");
    });
    assert_eq!(
        found,
        ["cycle: state 'Release The Lock' sends UnlockGroup its whole state data, which by then holds more than the \
          input: name the fields"]
    );
}

#[test]
fn a_map_item_and_a_pass_are_traced_to_what_wrote_them() {
    // Each group's item is a GroupRequest; a Pass that builds the cycle's input from the wrong field
    // hands the cycle a GroupPlan.
    let found = problems("update", |m| {
        let Some(State::Map(map)) = m.states.get_mut("Update Every Group") else { panic!() };
        let Some(State::Pass(pass)) = map.item_processor.machine.states.get_mut("Cycle Without A Change") else {
            panic!()
        };
        pass.parameters.as_mut().unwrap()["cycleInput.$"] = json!("$.plan");
    });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("update: state 'Cycle The Group' starts cycle action, blockers, "), "{found:#?}");

    let untyped = problems("bake", |m| {
        let Some(State::Map(map)) = m.states.get_mut("Bake Every Recipe") else { panic!() };
        map.items_path = Some("$.checked".into());
    });
    assert_eq!(
        untyped,
        ["bake: state 'Bake The Recipe' starts bake_recipe '$', which no contract types: name the fields"]
    );

    // The recipes' jobs are typed by the task whose result replaced the state data; kept beside the
    // input instead, nothing types what the Map reads.
    let kept_aside = problems("bake", |m| {
        let Some(State::Task(check)) = m.states.get_mut("Check The Recipes") else { panic!() };
        check.result_path = workflow_gen::asl::ResultPath::at("$.checked");
    });
    assert_eq!(
        kept_aside,
        ["bake: state 'Bake The Recipe' starts bake_recipe '$', which no contract types: name the fields"]
    );
}
