//! The Amazon States Language, JSONPath flavour, as plain data.
//!
//! Each state renders only itself; fields are declared in the order the specification lists them so
//! the JSON reads like the AWS documentation. Maps are `IndexMap`: the order states are added is the
//! order they render, which keeps the output deterministic and close to the definition's prose.

mod choice;
mod flow;
mod task;

pub use choice::{all, any, not, var, Choice, ChoiceRule, Condition, Num, Test, Var};
pub use flow::{Fail, ItemProcessor, ItemReader, Map, Parallel, Pass, ProcessorConfig, ResultWriter, Succeed, Wait};
pub use task::{Catcher, JitterStrategy, Retrier, Task};

use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// A whole machine, or one branch of a Parallel, or the processor of a Map.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateMachine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub start_at: String,
    pub states: IndexMap<String, State>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

impl StateMachine {
    /// Pretty, deterministic JSON with a trailing newline, as written to `statemachines/`.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("an ASL model always serialises");
        json.push('\n');
        json
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "Type")]
pub enum State {
    Task(Task),
    Pass(Pass),
    Choice(Choice),
    Wait(Wait),
    Succeed(Succeed),
    Fail(Fail),
    Parallel(Parallel),
    Map(Box<Map>),
}

impl State {
    pub fn kind(&self) -> &'static str {
        match self {
            State::Task(_) => "Task",
            State::Pass(_) => "Pass",
            State::Choice(_) => "Choice",
            State::Wait(_) => "Wait",
            State::Succeed(_) => "Succeed",
            State::Fail(_) => "Fail",
            State::Parallel(_) => "Parallel",
            State::Map(_) => "Map",
        }
    }

    /// The transition of states that have one (everything but Choice, Succeed and Fail).
    pub fn transition(&self) -> Option<&Transition> {
        match self {
            State::Task(s) => Some(&s.transition),
            State::Pass(s) => Some(&s.transition),
            State::Wait(s) => Some(&s.transition),
            State::Parallel(s) => Some(&s.transition),
            State::Map(s) => Some(&s.transition),
            State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
        }
    }

    pub fn transition_mut(&mut self) -> Option<&mut Transition> {
        match self {
            State::Task(s) => Some(&mut s.transition),
            State::Pass(s) => Some(&mut s.transition),
            State::Wait(s) => Some(&mut s.transition),
            State::Parallel(s) => Some(&mut s.transition),
            State::Map(s) => Some(&mut s.transition),
            State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
        }
    }

    /// Every state this one can move to: Next, Choice targets and Default, Catch targets.
    pub fn successors(&self) -> Vec<&str> {
        let mut next = Vec::new();
        if let Some(Transition::Next(name)) = self.transition() {
            next.push(name.as_str());
        }
        match self {
            State::Choice(choice) => {
                next.extend(choice.choices.iter().map(|rule| rule.next.as_str()));
                next.extend(choice.default.as_deref());
            }
            State::Task(s) => next.extend(s.catch.iter().map(|c| c.next.as_str())),
            State::Parallel(s) => next.extend(s.catch.iter().map(|c| c.next.as_str())),
            State::Map(s) => next.extend(s.catch.iter().map(|c| c.next.as_str())),
            _ => {}
        }
        next
    }

    /// The sub-machines a state runs: Parallel branches and the Map item processor.
    pub fn branches(&self) -> Vec<&StateMachine> {
        match self {
            State::Parallel(p) => p.branches.iter().collect(),
            State::Map(m) => vec![&m.item_processor.machine],
            _ => Vec::new(),
        }
    }

    pub fn retry(&self) -> &[Retrier] {
        match self {
            State::Task(s) => &s.retry,
            State::Parallel(s) => &s.retry,
            State::Map(s) => &s.retry,
            _ => &[],
        }
    }

    pub fn catch(&self) -> &[Catcher] {
        match self {
            State::Task(s) => &s.catch,
            State::Parallel(s) => &s.catch,
            State::Map(s) => &s.catch,
            _ => &[],
        }
    }
}

/// Where a state goes when it is done: `"Next": "..."` or `"End": true`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Transition {
    Next(String),
    #[default]
    End,
}

impl Serialize for Transition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Transition::Next(name) => map.serialize_entry("Next", name)?,
            Transition::End => map.serialize_entry("End", &true)?,
        }
        map.end()
    }
}

/// `ResultPath`: a reference path, or `null` to discard the result and keep the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultPath {
    At(String),
    Discard,
}

impl Serialize for ResultPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ResultPath::At(path) => serializer.serialize_str(path),
            ResultPath::Discard => serializer.serialize_none(),
        }
    }
}

impl ResultPath {
    /// `path`, or nothing for `$`: replacing the whole input is the default, and leaving it out
    /// keeps the JSON short and every engine agreeing on what it means.
    pub fn at(path: impl Into<String>) -> Option<ResultPath> {
        let path = path.into();
        (path != "$").then_some(ResultPath::At(path))
    }
}

/// Error names the ASL runtime itself raises.
pub mod errors {
    pub const ALL: &str = "States.ALL";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
}
