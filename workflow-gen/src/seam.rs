//! The seam between machines and activities, checked against the contract when a machine is
//! generated: every Lambda task names an activity and sends exactly fields of its input (every
//! required one, none unknown), every field a task keeps exists in the activity's output, and every
//! child execution is given what its machine's input takes.
//!
//! What a path holds is traced back through the state data: to the machine's (or Map item's) input,
//! to the activity output a `.returns(...)` kept, or to the fields a Pass or an ItemSelector built.
//! A state that passes on its whole state data after other states wrote to it is refused: by then the
//! data holds more than any one input takes, so the payload must name its fields.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use contract::activities::function_stem;
use contract::Activity;
use schemars::Schema;
use serde_json::{Map, Value};

use crate::asl::StateMachine;
use crate::dsl::{LAMBDA_INVOKE, START_EXECUTION_SYNC};
use crate::machines::MachineDef;

/// Every way `machine` breaks the contract, each naming its state; empty when it keeps it.
pub fn check(name: &str, machine: &StateMachine, input_schema: Schema, machines: &[MachineDef]) -> Vec<String> {
    let definition = serde_json::to_value(machine).expect("an ASL model always serialises");
    let top = Scope::of(&definition, Shape::schema(input_schema));
    let mut problems = Vec::new();
    top.check(machines, &mut problems);
    problems.into_iter().map(|problem| format!("{name}: {problem}")).collect()
}

/// What the state data holds at some path, as far as the contract tells.
#[derive(Debug, Clone)]
enum Shape {
    /// A part of a JSON Schema, with the root its `$ref`s point into.
    Schema { root: Rc<Value>, node: Value },
    /// An object a Pass or an ItemSelector builds, field by field.
    Object(BTreeMap<String, Shape>),
    /// A literal, or something no contract types (a child machine's output).
    Unknown,
}

impl Shape {
    fn schema(schema: Schema) -> Shape {
        let schema = schema.to_value();
        Shape::Schema { node: schema.clone(), root: Rc::new(schema) }
    }

    /// The schema itself, through `$ref`s and the `null` alternative of an `Option`.
    fn resolved(&self) -> Shape {
        let Shape::Schema { root, node } = self else { return self.clone() };
        let mut node = node.clone();
        loop {
            if let Some(name) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
                node = root["$defs"][name].clone();
                continue;
            }
            let alternatives = node.get("anyOf").or_else(|| node.get("oneOf")).and_then(Value::as_array);
            let not_null: Vec<&Value> =
                alternatives.into_iter().flatten().filter(|alt| alt.get("type") != Some(&"null".into())).collect();
            if let [only] = not_null.as_slice() {
                node = (*only).clone();
                continue;
            }
            return Shape::Schema { root: root.clone(), node };
        }
    }

    fn field(&self, name: &str) -> Option<Shape> {
        match self.resolved() {
            Shape::Schema { root, node } => {
                node["properties"].get(name).map(|node| Shape::Schema { root, node: node.clone() })
            }
            Shape::Object(fields) => fields.get(name).cloned(),
            Shape::Unknown => Some(Shape::Unknown),
        }
    }

    fn items(&self) -> Shape {
        match self.resolved() {
            Shape::Schema { root, node } if node.get("items").is_some() => {
                Shape::Schema { node: node["items"].clone(), root }
            }
            _ => Shape::Unknown,
        }
    }

    /// Its fields and the required ones, when it is an object the contract describes.
    fn fields(&self) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
        match self.resolved() {
            Shape::Schema { node, .. } => {
                let all: BTreeSet<String> = node.get("properties")?.as_object()?.keys().cloned().collect();
                let required = node["required"].as_array().into_iter().flatten();
                Some((all, required.filter_map(Value::as_str).map(str::to_owned).collect()))
            }
            Shape::Object(fields) => {
                let all: BTreeSet<String> = fields.keys().cloned().collect();
                Some((all.clone(), all))
            }
            Shape::Unknown => None,
        }
    }
}

/// The states of a machine, a Parallel branch or a Map's item processor, and what their input holds.
struct Scope<'a> {
    states: &'a Map<String, Value>,
    start_at: &'a str,
    input: Shape,
}

impl<'a> Scope<'a> {
    fn of(definition: &'a Value, input: Shape) -> Scope<'a> {
        Scope {
            states: definition["States"].as_object().expect("every machine, branch and processor has States"),
            start_at: definition["StartAt"].as_str().unwrap_or_default(),
            input,
        }
    }

    fn check(&self, machines: &[MachineDef], problems: &mut Vec<String>) {
        for (name, state) in self.states {
            let mut report = |problem: String| problems.push(format!("state '{name}' {problem}"));
            match (state["Type"].as_str(), state["Resource"].as_str()) {
                (Some("Task"), Some(LAMBDA_INVOKE)) => self.check_lambda(name, state, &mut report),
                (Some("Task"), Some(START_EXECUTION_SYNC)) => self.check_child(name, state, machines, &mut report),
                _ => {}
            }
            match state["Type"].as_str() {
                Some("Map") => {
                    let processor = &state["ItemProcessor"];
                    Scope::of(processor, self.item_input(state)).check(machines, problems);
                }
                Some("Parallel") => {
                    for branch in state["Branches"].as_array().into_iter().flatten() {
                        Scope::of(branch, self.state_data()).check(machines, problems);
                    }
                }
                _ => {}
            }
        }
    }

    fn check_lambda(&self, name: &str, state: &Value, report: &mut impl FnMut(String)) {
        let function = state["Parameters"]["FunctionName"].as_str().unwrap_or_default();
        let Some(activity) = Activity::invoked_by(function) else {
            return report(format!("invokes '{}', which is no activity", function_stem(function)));
        };
        let input = Shape::schema(activity.input_schema());
        let sent = match &state["Parameters"]["Payload"] {
            Value::Object(payload) => Ok(vec![payload_fields(payload)]),
            _ => {
                let path = state["Parameters"]["Payload.$"].as_str().unwrap_or("$");
                self.fields_sent(name, state, path)
            }
        };
        match sent {
            Ok(sent) => sent.iter().for_each(|sent| compare(sent, &input, &format!("sends {activity}"), report)),
            Err(problem) => report(format!("sends {activity} {problem}")),
        }

        let output = Shape::schema(activity.output_schema());
        for kept in selected_fields(state, "$.Payload.") {
            if output.field(&kept).is_none() {
                report(format!("keeps '{kept}', which {activity}'s output does not have"));
            }
        }
    }

    fn check_child(&self, name: &str, state: &Value, machines: &[MachineDef], report: &mut impl FnMut(String)) {
        let arn = state["Parameters"]["StateMachineArn"].as_str().unwrap_or_default();
        let named = arn.strip_prefix("${").and_then(|a| a.strip_suffix("StateMachineArn}")).unwrap_or(arn);
        let Some(child) = machines.iter().find(|m| pascal_case(m.name) == named) else {
            return report(format!("starts '{named}', which is no machine"));
        };
        let input = Shape::schema((child.input_schema)());
        let path = state["Parameters"]["Input.$"].as_str().unwrap_or("$");
        let sent = match &state["Parameters"]["Input"] {
            Value::Object(fields) => Ok(vec![payload_fields(fields)]),
            _ => self.fields_sent(name, state, path),
        };
        match sent {
            Ok(sent) => sent.iter().for_each(|sent| compare(sent, &input, &format!("starts {}", child.name), report)),
            Err(problem) => report(format!("starts {} {problem}", child.name)),
        }
    }

    /// The fields of what a task sends when it passes on `path` of its (InputPath-filtered) input:
    /// one set for each state that may have written it.
    fn fields_sent(&self, name: &str, state: &Value, path: &str) -> Result<Vec<BTreeSet<String>>, String> {
        let path = match (state["InputPath"].as_str(), path) {
            (Some(input_path), "$") => input_path.to_owned(),
            (None, path) => path.to_owned(),
            (Some(input_path), path) => format!("{input_path}{}", &path[1..]),
        };
        // The execution's input, as it started: the machine's input type, whatever the state holds now.
        if path == "$$.Execution.Input" {
            let fields = self.input.fields().map(|(fields, _)| fields);
            return fields
                .map(|fields| vec![fields])
                .ok_or_else(|| "the execution's input, which is untyped".to_owned());
        }
        if path == "$" && name != self.start_at {
            return Err("its whole state data, which by then holds more than the input: name the fields".into());
        }
        let shapes = self.shapes_at(&path);
        if shapes.is_empty() {
            return Err(format!("'{path}', which nothing before it writes"));
        }
        let fields = shapes.iter().map(|shape| shape.fields().map(|(fields, _)| fields));
        fields.collect::<Option<_>>().ok_or_else(|| format!("'{path}', which no contract types: name the fields"))
    }

    /// What `path` may hold: one shape per state that writes it, or the input's.
    fn shapes_at(&self, path: &str) -> Vec<Shape> {
        let segments: Vec<&str> = path.trim_start_matches('$').split('.').filter(|s| !s.is_empty()).collect();
        let Some((first, rest)) = segments.split_first() else { return vec![self.input.clone()] };
        let written = format!("$.{first}");
        let mut producers: Vec<Shape> = self
            .states
            .values()
            .filter(|state| state["ResultPath"].as_str() == Some(written.as_str()))
            .map(|state| self.result_of(state))
            .collect();
        // A task's result with no ResultPath (or "$") replaces the whole state data: every field of it.
        let replacing = self.states.values().filter(|state| {
            state["Type"] == "Task" && state.get("ResultPath").is_none_or(|path| path.as_str() == Some("$"))
        });
        let typed = replacing.map(|state| self.result_of(state)).filter(|shape| !matches!(shape, Shape::Unknown));
        producers.extend(typed.filter_map(|shape| shape.field(first)));
        // A Catch writes the error it caught.
        let catchers = self.states.values().flat_map(|state| state["Catch"].as_array().into_iter().flatten());
        if catchers.into_iter().any(|catcher| catcher["ResultPath"].as_str() == Some(written.as_str())) {
            let caught = ["Error", "Cause"].map(|field| (field.to_owned(), Shape::Unknown));
            producers.push(Shape::Object(caught.into_iter().collect()));
        }
        let roots =
            if producers.is_empty() { vec![self.input.field(first).unwrap_or(Shape::Unknown)] } else { producers };
        roots.into_iter().filter_map(|root| rest.iter().try_fold(root, |shape, segment| shape.field(segment))).collect()
    }

    /// What the state data may hold by a state of this scope (where a Parallel's branches start):
    /// the input's fields and every field a state writes.
    fn state_data(&self) -> Shape {
        let mut names = self.input.fields().map(|(all, _)| all).unwrap_or_default();
        let written = self.states.values().filter_map(|state| state["ResultPath"].as_str()?.strip_prefix("$."));
        names.extend(written.map(|path| path.split('.').next().unwrap_or(path).to_owned()));
        let shape = |name: &String| self.shapes_at(&format!("$.{name}")).into_iter().next().unwrap_or(Shape::Unknown);
        Shape::Object(names.iter().map(|name| (name.clone(), shape(name))).collect())
    }

    /// What a state writes at its ResultPath.
    fn result_of(&self, state: &Value) -> Shape {
        match (state["Type"].as_str(), state["Resource"].as_str()) {
            (Some("Task"), Some(LAMBDA_INVOKE)) => {
                let function = state["Parameters"]["FunctionName"].as_str().unwrap_or_default();
                let Some(activity) = Activity::invoked_by(function) else { return Shape::Unknown };
                let output = Shape::schema(activity.output_schema());
                let kept = selected_fields(state, "$.Payload.");
                Shape::Object(
                    kept.into_iter().map(|f| (f.clone(), output.field(&f).unwrap_or(Shape::Unknown))).collect(),
                )
            }
            (Some("Pass"), _) => match &state["Parameters"] {
                Value::Object(parameters) => self.built(parameters, &Shape::Unknown),
                _ => Shape::Unknown,
            },
            _ => Shape::Unknown,
        }
    }

    /// The object a Pass's Parameters or an ItemSelector builds; `item` is a Map item's value.
    fn built(&self, template: &Map<String, Value>, item: &Shape) -> Shape {
        let fields = template.iter().map(|(key, value)| match (key.strip_suffix(".$"), value.as_str()) {
            (Some(field), Some("$$.Map.Item.Value")) => (field.to_owned(), item.clone()),
            (Some(field), Some(path)) if path.starts_with("$.") || path == "$" => {
                (field.to_owned(), self.shapes_at(path).into_iter().next().unwrap_or(Shape::Unknown))
            }
            (Some(field), _) => (field.to_owned(), Shape::Unknown),
            (None, _) => (key.clone(), Shape::Unknown),
        });
        Shape::Object(fields.collect())
    }

    /// What each item of a Map's processor starts with: the item, or what the ItemSelector builds.
    fn item_input(&self, state: &Value) -> Shape {
        let item = match state["ItemsPath"].as_str() {
            Some(path) => self.shapes_at(path).into_iter().next().map(|s| s.items()).unwrap_or(Shape::Unknown),
            None if state.get("ItemReader").is_some() => Shape::Unknown,
            None => self.input.items(),
        };
        match &state["ItemSelector"] {
            Value::Object(selector) => self.built(selector, &item),
            _ => item,
        }
    }
}

/// `sent` against `input`: every required field, and no field the input lacks.
fn compare(sent: &BTreeSet<String>, input: &Shape, what: &str, report: &mut impl FnMut(String)) {
    let Some((fields, required)) = input.fields() else { return };
    let unknown: Vec<&str> = sent.difference(&fields).map(String::as_str).collect();
    let missing: Vec<&str> = required.difference(sent).map(String::as_str).collect();
    if !unknown.is_empty() {
        report(format!("{what} {}, which its input does not have", unknown.join(", ")));
    }
    if !missing.is_empty() {
        report(format!("{what} no {}, which its input requires", missing.join(", ")));
    }
}

/// A payload's field names, `.$` stripped.
fn payload_fields(payload: &Map<String, Value>) -> BTreeSet<String> {
    payload.keys().map(|key| key.strip_suffix(".$").unwrap_or(key).to_owned()).collect()
}

/// The fields a ResultSelector keeps from under `prefix` (`$.Payload.` for a Lambda's output).
fn selected_fields(state: &Value, prefix: &str) -> Vec<String> {
    let selector = state["ResultSelector"].as_object().into_iter().flatten();
    selector
        .filter_map(|(_, value)| value.as_str()?.strip_prefix(prefix))
        .map(|rest| rest.split(['.', '[']).next().unwrap_or(rest).to_owned())
        .collect()
}

/// `bake_recipe` → `BakeRecipe`, as machines name their children.
fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}
