//! Named states, wired by handles: add states, then write the flow as one chain.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::states::catcher;
use crate::asl::{
    Choice, Fail, ItemProcessor, ItemReader, Map, Parallel, Pass, ProcessorConfig, ResultPath, ResultWriter, Retrier,
    State, StateMachine, Succeed, Task, Transition, Wait,
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

/// A state ready to be added, with the notes of any branches it carries.
pub struct Node {
    state: State,
    notes: Notes,
}

macro_rules! node_from {
    ($($kind:ident),*) => {
        $(impl From<$kind> for Node {
            fn from(state: $kind) -> Self { Node { state: State::$kind(state), notes: Notes::default() } }
        })*
    };
}
node_from!(Task, Pass, Choice, Wait, Succeed, Fail);

/// The states of a machine, or of one Parallel branch or Map item processor.
#[derive(Debug, Default)]
pub struct Graph {
    start: Option<String>,
    states: IndexMap<String, State>,
    notes: Notes,
}

impl Graph {
    pub fn new() -> Self {
        Graph::default()
    }

    /// Adds a state under `name`. A state without a successor ends its graph.
    pub fn add(&mut self, name: impl Into<String>, node: impl Into<Node>) -> StateId {
        let name = name.into();
        let Node { state, notes } = node.into();
        self.notes.absorb(notes);
        if self.states.contains_key(&name) {
            self.notes.errors.push(GraphError::DuplicateName { state: name.clone() });
        } else {
            self.states.insert(name.clone(), state);
        }
        StateId(name)
    }

    /// Makes `first` the start state and begins the chain of what follows it.
    pub fn start(&mut self, first: &StateId) -> Chain<'_> {
        self.start = Some(first.0.clone());
        self.chain(first)
    }

    /// Begins a chain at `from`, for a leg that does not start the graph (a Choice branch, a Catch).
    pub fn chain(&mut self, from: impl AsRef<str>) -> Chain<'_> {
        Chain { graph: self, tail: from.as_ref().to_owned() }
    }

    /// Declares that the loop through `guard` (a Choice) runs at most `max_iterations` times.
    pub fn bound_loop(&mut self, guard: &StateId, max_iterations: u32) {
        self.notes.loop_bounds.insert(guard.0.clone(), max_iterations);
    }

    pub(crate) fn note(&mut self, error: GraphError) {
        self.notes.errors.push(error);
    }

    pub(crate) fn into_parts(self) -> (StateMachine, Notes) {
        let start_at = self.start.or_else(|| self.states.keys().next().cloned()).unwrap_or_default();
        (StateMachine { comment: None, start_at, states: self.states, timeout_seconds: None }, self.notes)
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

/// The flow from one state to the next: `graph.start(&a).then(&b).then(&c)`.
pub struct Chain<'g> {
    graph: &'g mut Graph,
    tail: String,
}

impl<'g> Chain<'g> {
    /// `next` follows the chain's last state. Naming an earlier state makes a back-edge.
    pub fn then(self, next: impl AsRef<str>) -> Chain<'g> {
        let next = next.as_ref().to_owned();
        self.graph.link(&self.tail, &next);
        Chain { graph: self.graph, tail: next }
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

/// Map items need the state's name, which only `Graph::add` knows; it is filled in there.
impl Graph {
    pub fn add_map(&mut self, name: impl Into<String>, map: MapState) -> StateId {
        let name = name.into();
        let items = map.estimated_items.or(map.map.max_concurrency.filter(|n| *n > 0)).unwrap_or(DEFAULT_MAP_ITEMS);
        let id = self.add(name.clone(), Node { state: State::Map(Box::new(map.map)), notes: map.notes });
        self.notes.map_items.insert(name, items);
        id
    }

    pub fn add_parallel(&mut self, name: impl Into<String>, parallel: ParallelState) -> StateId {
        self.add(name, Node { state: State::Parallel(parallel.parallel), notes: parallel.notes })
    }
}
