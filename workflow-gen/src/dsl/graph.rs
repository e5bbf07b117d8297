//! Named states and the flow between them. A chain adds states one after another and reads like the
//! design's prose; a Choice's legs are written in place and rejoin the chain with `afterwards()`; a
//! scope (`catching`) gives every task inside it one catch. States that other states only jump to
//! (a shared failure path) are added by name and joined by name.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::states::catcher;
use crate::asl::{
    errors, Catcher, Fail, ItemProcessor, ItemReader, Map, Parallel, Pass, ProcessorConfig, ResultPath, ResultWriter,
    Retrier, State, StateMachine, Succeed, Task, Transition, Wait,
};
use crate::validate::{self, GraphError};

/// A handle on a state of a graph: its name. Forward and back edges may also name a state directly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateId(String);

impl StateId {
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for StateId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Facts about a graph that the ASL itself does not carry but validation needs.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// Choice states that end a loop, with the most times the loop can run.
    pub loop_bounds: BTreeMap<String, u32>,
    /// Map states, with the most items they are expected to process.
    pub map_items: BTreeMap<String, u32>,
    /// Wiring mistakes, reported when the machine is built.
    pub errors: Vec<GraphError>,
}

impl Notes {
    fn absorb(&mut self, other: Notes) {
        self.loop_bounds.extend(other.loop_bounds);
        self.map_items.extend(other.map_items);
        self.errors.extend(other.errors);
    }
}

/// A state ready to be added, with the notes of any branches it carries and the legs of a Choice.
pub struct Node<'a> {
    pub(crate) state: State,
    pub(crate) notes: Notes,
    pub(crate) legs: Vec<(Slot, Leg<'a>)>,
    /// For a Map: the most items it is expected to see.
    pub(crate) map_items: Option<u32>,
}

impl Node<'_> {
    pub(crate) fn of(state: State) -> Self {
        Node { state, notes: Notes::default(), legs: Vec::new(), map_items: None }
    }
}

macro_rules! node_from {
    ($($kind:ident),*) => {
        $(impl From<$kind> for Node<'_> {
            fn from(state: $kind) -> Self { Node::of(State::$kind(state)) }
        })*
    };
}
node_from!(Task, Pass, Wait, Succeed, Fail);

/// Which transition of a Choice a leg fills.
pub(crate) enum Slot {
    Rule(usize),
    Default,
}

/// A leg of a Choice, written in place: a chain that starts from the Choice's rule.
pub(crate) type Leg<'a> = Box<dyn for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a>;

/// A transition still to be made: what the next state of a chain is linked from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tail {
    /// The graph's start.
    Start,
    /// A state's `Next`.
    Next(String),
    /// A Choice's `Default`.
    Default(String),
    /// The target of a Choice's rule.
    Rule(String, usize),
    /// A Succeed or Fail: nothing can follow it, and a leg that reaches one is finished.
    Ended(String),
}

/// The states of a machine, or of one Parallel branch or Map item processor.
#[derive(Default)]
pub struct Graph {
    start: Option<String>,
    states: IndexMap<String, State>,
    notes: Notes,
    /// The legs of each Choice that end without going anywhere, until `afterwards()` rejoins them.
    open_legs: BTreeMap<String, Vec<Tail>>,
    /// The catch every task added in a `catching` scope gets, innermost last.
    catch_scopes: Vec<Catcher>,
}

impl Graph {
    pub fn new() -> Self {
        Graph::default()
    }

    /// Adds a state under `name`, with the legs of a Choice. A state without a successor ends its
    /// graph; in a `catching` scope, a task that does not already catch everything gets its catch.
    pub fn add<'a>(&mut self, name: impl Into<String>, node: impl Into<Node<'a>>) -> StateId {
        let name = name.into();
        let Node { mut state, notes, legs, map_items } = node.into();
        self.notes.absorb(notes);
        if let Some(items) = map_items {
            self.notes.map_items.insert(name.clone(), items);
        }
        if let Some(scope) = self.catch_scopes.last() {
            give_catch(&mut state, scope);
        }
        if self.states.contains_key(&name) {
            self.notes.errors.push(GraphError::DuplicateName { state: name.clone() });
        } else {
            self.states.insert(name.clone(), state);
        }
        let mut open = Vec::new();
        for (slot, leg) in legs {
            let tail = match slot {
                Slot::Rule(index) => Tail::Rule(name.clone(), index),
                Slot::Default => Tail::Default(name.clone()),
            };
            let ends = leg(Chain { graph: self, tails: vec![tail], last: None }).tails;
            open.extend(ends.into_iter().filter(|end| !matches!(end, Tail::Ended(_))));
        }
        if !open.is_empty() {
            self.open_legs.insert(name.clone(), open);
        }
        StateId(name)
    }

    /// The chain that starts the graph: its first state is the start state.
    pub fn flow(&mut self) -> Chain<'_> {
        Chain { graph: self, tails: vec![Tail::Start], last: None }
    }

    /// Makes `first` the start state and begins the chain of what follows it.
    pub fn start(&mut self, first: &StateId) -> Chain<'_> {
        self.start = Some(first.0.clone());
        self.chain(first)
    }

    /// Adds `name` and begins a chain at it, for states only a Catch or a jump reaches (a rollback).
    pub fn begin<'a>(&mut self, name: impl Into<String>, node: impl Into<Node<'a>>) -> Chain<'_> {
        let id = self.add(name, node);
        self.chain(&id)
    }

    /// Begins a chain at `from`, for a leg that does not start the graph (a Choice branch, a Catch).
    pub fn chain(&mut self, from: impl AsRef<str>) -> Chain<'_> {
        let tails = self.tails_of(from.as_ref());
        Chain { graph: self, tails, last: Some(from.as_ref().to_owned()) }
    }

    /// Declares that the loop through `guard` (a Choice) runs at most `max_iterations` times.
    pub fn bound_loop(&mut self, guard: &StateId, max_iterations: u32) {
        self.notes.loop_bounds.insert(guard.0.clone(), max_iterations);
    }

    pub(crate) fn note(&mut self, error: GraphError) {
        self.notes.errors.push(error);
    }

    pub(crate) fn into_parts(mut self) -> (StateMachine, Notes) {
        for (choice, tails) in std::mem::take(&mut self.open_legs) {
            for tail in tails {
                self.notes.errors.push(GraphError::OpenLeg { state: choice.clone(), end: tail.describe() });
            }
        }
        let start_at = self.start.or_else(|| self.states.keys().next().cloned()).unwrap_or_default();
        (StateMachine { comment: None, start_at, states: self.states, timeout_seconds: None }, self.notes)
    }

    /// What a chain continues from after `name`: nothing after a Succeed or Fail, a Choice's Default
    /// when it has none (its open legs wait for `afterwards()`), the `Next` of anything else.
    fn tails_of(&self, name: &str) -> Vec<Tail> {
        match self.states.get(name) {
            Some(State::Succeed(_) | State::Fail(_)) => vec![Tail::Ended(name.to_owned())],
            Some(State::Choice(choice)) if choice.default.is_some() => Vec::new(),
            Some(State::Choice(_)) => vec![Tail::Default(name.to_owned())],
            _ => vec![Tail::Next(name.to_owned())],
        }
    }

    fn link_tail(&mut self, tail: &Tail, to: &str) {
        let (choice, slot) = match tail {
            Tail::Start => return self.start = Some(to.to_owned()),
            Tail::Next(from) | Tail::Ended(from) => return self.link(from, to),
            Tail::Default(choice) => (choice, None),
            Tail::Rule(choice, index) => (choice, Some(*index)),
        };
        let Some(State::Choice(state)) = self.states.get_mut(choice) else {
            return self.notes.errors.push(GraphError::UnknownState { state: choice.clone() });
        };
        let target = match slot {
            None => state.default.get_or_insert_with(String::new),
            Some(index) => &mut state.choices[index].next,
        };
        if target.is_empty() {
            *target = to.to_owned();
        } else {
            let error = GraphError::AlreadyHasNext { state: choice.clone(), next: target.clone(), new: to.to_owned() };
            self.notes.errors.push(error);
        }
    }

    fn link(&mut self, from: &str, to: &str) {
        let error = match self.states.get_mut(from).map(|state| (state.kind(), state.transition_mut())) {
            None => Some(GraphError::UnknownState { state: from.to_owned() }),
            Some((kind, None)) => Some(GraphError::NextFromTerminal { state: from.to_owned(), kind }),
            Some((_, Some(Transition::Next(existing)))) => {
                Some(GraphError::AlreadyHasNext { state: from.to_owned(), next: existing.clone(), new: to.to_owned() })
            }
            Some((_, Some(transition))) => {
                *transition = Transition::Next(to.to_owned());
                None
            }
        };
        self.notes.errors.extend(error);
    }
}

/// The flow from one state to the next: `graph.flow().step("A", a).step("B", b)`. A chain may have
/// several ends at once (a Choice's legs rejoining); the next state follows every one of them.
pub struct Chain<'g> {
    graph: &'g mut Graph,
    tails: Vec<Tail>,
    /// The state the chain last reached, whose open legs `afterwards()` rejoins.
    last: Option<String>,
}

impl<'g> Chain<'g> {
    /// Adds `name` and makes it follow the chain.
    pub fn step<'a>(self, name: impl Into<String>, node: impl Into<Node<'a>>) -> Chain<'g> {
        let id = self.graph.add(name, node);
        self.then(&id)
    }

    /// `next`, a state already added, follows the chain; the chain goes on from it. Naming an
    /// earlier state makes a back-edge.
    pub fn then(self, next: impl AsRef<str>) -> Chain<'g> {
        let next = next.as_ref().to_owned();
        for tail in &self.tails {
            self.graph.link_tail(tail, &next);
        }
        let tails = self.graph.tails_of(&next);
        Chain { graph: self.graph, tails, last: Some(next) }
    }

    /// Goes to `target` (a shared failure path, a later state) and ends this leg.
    pub fn join(self, target: impl AsRef<str>) -> Chain<'g> {
        for tail in &self.tails {
            self.graph.link_tail(tail, target.as_ref());
        }
        Chain { graph: self.graph, tails: Vec::new(), last: None }
    }

    /// Ends this leg where it is: its last state ends the machine (or the branch).
    pub fn end(self) -> Chain<'g> {
        Chain { graph: self.graph, tails: Vec::new(), last: None }
    }

    /// After a Choice (or a poll's exits): its legs that did not end or jump rejoin here, so the next
    /// state follows each of them as well as the Choice's Default.
    pub fn afterwards(mut self) -> Chain<'g> {
        if let Some(open) = self.last.as_ref().and_then(|last| self.graph.open_legs.remove(last)) {
            self.tails.extend(open);
        }
        self
    }

    /// Every task `part` adds catches `errors` (with the error at `$.error`) and goes to `target`,
    /// unless it already catches everything itself.
    pub fn catching<S: AsRef<str>>(
        self,
        errors: &[S],
        target: impl AsRef<str>,
        part: impl FnOnce(Chain<'g>) -> Chain<'g>,
    ) -> Chain<'g> {
        self.graph.catch_scopes.push(catcher(errors, "$.error", target));
        let chain = part(self);
        chain.graph.catch_scopes.pop();
        chain
    }

    pub(crate) fn graph(&mut self) -> &mut Graph {
        self.graph
    }

    /// Goes on from a poll's question: from its first rule (the poll's `until`), when it has one.
    /// Its other legs stay open for `afterwards()`.
    pub(crate) fn on_from_poll(self, question: &StateId, has_until: bool) -> Chain<'g> {
        let mut open = self.graph.open_legs.remove(question.name()).unwrap_or_default();
        let on = Tail::Rule(question.name().to_owned(), 0);
        let tails: Vec<Tail> = match open.iter().position(|tail| has_until && *tail == on) {
            Some(at) => vec![open.remove(at)],
            None => Vec::new(),
        };
        if !open.is_empty() {
            self.graph.open_legs.insert(question.name().to_owned(), open);
        }
        Chain { graph: self.graph, tails, last: Some(question.name().to_owned()) }
    }
}

/// A task, Map or Parallel in a `catching` scope gets the scope's catch, after its own.
fn give_catch(state: &mut State, scope: &Catcher) {
    let catch = match state {
        State::Task(task) => &mut task.catch,
        State::Map(map) => &mut map.catch,
        State::Parallel(parallel) => &mut parallel.catch,
        _ => return,
    };
    if !catch.iter().any(|c| c.error_equals.iter().any(|e| e == errors::ALL)) {
        catch.push(scope.clone());
    }
}

impl Tail {
    fn describe(&self) -> String {
        match self {
            Tail::Start => "the start".into(),
            Tail::Next(state) | Tail::Ended(state) => state.clone(),
            Tail::Default(choice) => format!("{choice} (its Default)"),
            Tail::Rule(choice, index) => format!("{choice} (rule {})", index + 1),
        }
    }
}

/// A whole state machine: a graph with a name, built and validated in one step.
pub struct Machine {
    name: String,
    comment: Option<String>,
    timeout_seconds: Option<u64>,
    graph: Graph,
}

impl Machine {
    pub fn new(name: impl Into<String>) -> Self {
        Machine { name: name.into(), comment: None, timeout_seconds: None, graph: Graph::new() }
    }

    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    pub fn timeout_seconds(mut self, seconds: u64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The finished ASL, or every problem found, each naming its state.
    pub fn build(self) -> Result<StateMachine, Vec<GraphError>> {
        let (mut machine, notes) = self.graph.into_parts();
        machine.comment = self.comment;
        machine.timeout_seconds = self.timeout_seconds;
        let mut errors = notes.errors.clone();
        errors.extend(validate::validate(&machine, &notes));
        if errors.is_empty() {
            Ok(machine)
        } else {
            Err(errors)
        }
    }
}

impl std::ops::Deref for Machine {
    type Target = Graph;
    fn deref(&self) -> &Graph {
        &self.graph
    }
}

impl std::ops::DerefMut for Machine {
    fn deref_mut(&mut self) -> &mut Graph {
        &mut self.graph
    }
}

/// A Map: runs `processor` for every item, inline or as a Distributed Map's map run.
pub struct MapState {
    map: Map,
    notes: Notes,
    estimated_items: Option<u32>,
}

impl MapState {
    /// An inline Map over the array at `items_path`.
    pub fn over(items_path: impl Into<String>, processor: Graph) -> Self {
        Self::with_config(Some(items_path.into()), None, ProcessorConfig::INLINE, processor)
    }

    /// A Distributed Map over the items `reader` reads: each item is a child execution of
    /// `processor`, with a history of its own, so the parent's history holds only the map run.
    pub fn distributed(reader: ItemReader, processor: Graph) -> Self {
        let mut map = Self::with_config(None, Some(reader), ProcessorConfig::DISTRIBUTED, processor);
        map.estimated_items = Some(1);
        map
    }

    /// A Distributed Map over the array at `items_path` in the state: for items few enough to carry
    /// (256 KiB in all) whose results are not, or that must all run at once (an inline Map runs 40).
    pub fn distributed_over(items_path: impl Into<String>, processor: Graph) -> Self {
        let mut map = Self::with_config(Some(items_path.into()), None, ProcessorConfig::DISTRIBUTED, processor);
        map.estimated_items = Some(1);
        map
    }

    fn with_config(
        items_path: Option<String>,
        item_reader: Option<ItemReader>,
        processor_config: ProcessorConfig,
        processor: Graph,
    ) -> Self {
        let (machine, notes) = processor.into_parts();
        MapState {
            map: Map {
                comment: None,
                input_path: None,
                items_path,
                item_reader,
                item_selector: None,
                max_concurrency: None,
                max_concurrency_path: None,
                item_processor: ItemProcessor { processor_config, machine },
                tolerated_failure_percentage: None,
                result_writer: None,
                label: None,
                result_selector: None,
                result_path: None,
                output_path: None,
                retry: Vec::new(),
                catch: Vec::new(),
                transition: Transition::End,
            },
            notes,
            estimated_items: None,
        }
    }

    pub fn item_selector(mut self, selector: serde_json::Value) -> Self {
        self.map.item_selector = Some(selector);
        self
    }

    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.map.max_concurrency = Some(n);
        self
    }

    /// Iterations at once, read from the state's input when it runs.
    pub fn max_concurrency_path(mut self, path: impl Into<String>) -> Self {
        self.map.max_concurrency_path = Some(path.into());
        self
    }

    pub fn tolerated_failure_percentage(mut self, percent: u8) -> Self {
        self.map.tolerated_failure_percentage = Some(percent);
        self
    }

    /// A Distributed Map's results, written to S3 instead of returned.
    pub fn result_writer(mut self, writer: ResultWriter) -> Self {
        self.map.result_writer = Some(writer);
        self
    }

    pub fn result_path(mut self, path: impl Into<String>) -> Self {
        self.map.result_path = ResultPath::at(path);
        self
    }

    pub fn retry(mut self, retrier: Retrier) -> Self {
        self.map.retry.push(retrier);
        self
    }

    pub fn catch<S: AsRef<str>>(mut self, errors: &[S], next: impl AsRef<str>) -> Self {
        self.map.catch.push(catcher(errors, "$.error", next));
        self
    }

    /// The most items this Map is expected to see, for the history estimate (default: 40).
    pub fn at_most_items(mut self, n: u32) -> Self {
        self.estimated_items = Some(n);
        self
    }
}

/// Used when a Map does not say how many items it expects.
pub const DEFAULT_MAP_ITEMS: u32 = 40;

/// Parallel branches; the state's output is the array of their outputs.
pub struct ParallelState {
    parallel: Parallel,
    notes: Notes,
}

impl ParallelState {
    pub fn branches(branches: impl IntoIterator<Item = Graph>) -> Self {
        let mut notes = Notes::default();
        let branches = branches
            .into_iter()
            .map(|branch| {
                let (machine, branch_notes) = branch.into_parts();
                notes.absorb(branch_notes);
                machine
            })
            .collect();
        ParallelState {
            parallel: Parallel {
                comment: None,
                input_path: None,
                parameters: None,
                branches,
                result_selector: None,
                result_path: None,
                output_path: None,
                retry: Vec::new(),
                catch: Vec::new(),
                transition: Transition::End,
            },
            notes,
        }
    }

    pub fn result_path(mut self, path: impl Into<String>) -> Self {
        self.parallel.result_path = ResultPath::at(path);
        self
    }

    pub fn catch<S: AsRef<str>>(mut self, errors: &[S], next: impl AsRef<str>) -> Self {
        self.parallel.catch.push(catcher(errors, "$.error", next));
        self
    }
}

impl From<MapState> for Node<'_> {
    fn from(map: MapState) -> Self {
        let items = map.estimated_items.or(map.map.max_concurrency.filter(|n| *n > 0)).unwrap_or(DEFAULT_MAP_ITEMS);
        Node { state: State::Map(Box::new(map.map)), notes: map.notes, legs: Vec::new(), map_items: Some(items) }
    }
}

impl From<ParallelState> for Node<'_> {
    fn from(parallel: ParallelState) -> Self {
        Node { state: State::Parallel(parallel.parallel), notes: parallel.notes, legs: Vec::new(), map_items: None }
    }
}

impl Graph {
    pub fn add_map(&mut self, name: impl Into<String>, map: MapState) -> StateId {
        self.add(name, map)
    }

    pub fn add_parallel(&mut self, name: impl Into<String>, parallel: ParallelState) -> StateId {
        self.add(name, parallel)
    }
}
