//! Checks on a built machine. Every problem is collected, not thrown, and names its state.

use std::collections::{BTreeMap, BTreeSet};

use crate::asl::{errors, State, StateMachine, Transition};
use crate::dsl::{Notes, DEFAULT_MAP_ITEMS};

/// AWS's hard limit is 25,000 events; stay well below it.
pub const MAX_HISTORY_EVENTS: u64 = 20_000;
pub const MAX_NAME_LEN: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("state '{state}' is defined twice: state names must be unique in a machine")]
    DuplicateName { state: String },
    #[error("state '{state}' has a name of {len} characters: the limit is 80")]
    NameTooLong { state: String, len: usize },
    #[error("state '{state}' goes to '{target}', which does not exist")]
    DanglingNext { state: String, target: String },
    #[error("state '{state}' is used in the flow but was never added")]
    UnknownState { state: String },
    #[error("state '{state}' can never be reached from '{start}'")]
    Unreachable { state: String, start: String },
    #[error("{scope} has no terminal state: no state ends it, succeeds or fails")]
    NoTerminalState { scope: String },
    #[error(
        "state '{state}' goes to '{target}', outside its {container} branch: a branch can only move within itself"
    )]
    NextLeavesBranch { state: String, target: String, container: String },
    #[error("Choice state '{state}' has no rules")]
    EmptyChoice { state: String },
    #[error(
        "Choice state '{state}' has no Default: when no rule matches the execution fails with States.NoChoiceMatched"
    )]
    ChoiceWithoutDefault { state: String },
    #[error("Wait state '{state}' sets {count} durations: set exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")]
    WaitDurations { state: String, count: usize },
    #[error("{kind} state '{state}' cannot have a Next")]
    NextFromTerminal { state: String, kind: &'static str },
    #[error("state '{state}' already goes to '{next}'; it cannot also go to '{new}'")]
    AlreadyHasNext { state: String, next: String, new: String },
    #[error("state '{state}' lists States.ALL in {field} other than alone in the last rule")]
    CatchAllNotLast { state: String, field: &'static str },
    #[error("the loop through {} has no bound: build it with a poll (chain.poll) or declare it with bound_loop", quoted(.states))]
    UnboundedLoop { states: Vec<String> },
    #[error("a leg of Choice '{state}' ends at {end} without going anywhere: rejoin it with afterwards(), join a state, or end() it")]
    OpenLeg { state: String, end: String },
    #[error("inline Map '{state}' asks for {max} at once; an inline Map runs at most {MAX_INLINE_CONCURRENCY}: use a Distributed Map")]
    InlineMapTooWide { state: String, max: u32 },
    #[error("poll '{state}' is missing {missing}")]
    IncompletePoll { state: String, missing: &'static str },
    #[error("the worst-case history is about {events} events, above {MAX_HISTORY_EVENTS}; state '{state}' alone accounts for {share}: lower its bound or move the work into a child execution")]
    HistoryTooLong { state: String, events: u64, share: u64 },
}

fn quoted(states: &[String]) -> String {
    states.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" → ")
}

pub(crate) fn validate(machine: &StateMachine, notes: &Notes) -> Vec<GraphError> {
    let mut errors = Vec::new();
    let mut owner = BTreeMap::new();
    collect_owners(machine, "the machine", &mut owner, &mut errors);
    check_scope(machine, "the machine", &owner, notes, &mut errors);
    let history = History::of(machine, notes);
    if history.total > MAX_HISTORY_EVENTS {
        let (state, share) = history.heaviest;
        errors.push(GraphError::HistoryTooLong { state, events: history.total, share });
    }
    errors
}

/// Maps every state name to the scope holding it, reporting names used in two scopes.
fn collect_owners(
    scope: &StateMachine,
    label: &str,
    owner: &mut BTreeMap<String, String>,
    errors: &mut Vec<GraphError>,
) {
    for (name, state) in &scope.states {
        if owner.insert(name.clone(), label.to_owned()).is_some() {
            errors.push(GraphError::DuplicateName { state: name.clone() });
        }
        for branch in state.branches() {
            collect_owners(branch, &format!("'{name}'"), owner, errors);
        }
    }
}

fn check_scope(
    scope: &StateMachine,
    label: &str,
    owner: &BTreeMap<String, String>,
    notes: &Notes,
    errors: &mut Vec<GraphError>,
) {
    if !scope.states.contains_key(&scope.start_at) {
        errors.push(GraphError::DanglingNext { state: format!("StartAt of {label}"), target: scope.start_at.clone() });
    }
    for (name, state) in &scope.states {
        check_state(name, state, errors);
        for target in state.successors() {
            if scope.states.contains_key(target) {
                continue;
            }
            let (state, target) = (name.clone(), target.to_owned());
            errors.push(match owner.get(&target) {
                Some(_) => GraphError::NextLeavesBranch { state, target, container: label.to_owned() },
                None => GraphError::DanglingNext { state, target },
            });
        }
        for branch in state.branches() {
            check_scope(branch, &format!("'{name}'"), owner, notes, errors);
        }
    }
    let terminal = scope.states.values().any(|state| {
        matches!(state, State::Succeed(_) | State::Fail(_)) || state.transition() == Some(&Transition::End)
    });
    if !terminal && !scope.states.is_empty() {
        errors.push(GraphError::NoTerminalState { scope: label.to_owned() });
    }
    let reached = reachable(scope);
    for name in scope.states.keys().filter(|name| !reached.contains(name.as_str())) {
        errors.push(GraphError::Unreachable { state: name.clone(), start: scope.start_at.clone() });
    }
    for cycle in cycles(scope) {
        if !cycle.iter().any(|name| notes.loop_bounds.contains_key(name)) {
            errors.push(GraphError::UnboundedLoop { states: cycle });
        }
    }
}

/// The most iterations an inline Map runs at once
/// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html).
pub const MAX_INLINE_CONCURRENCY: u32 = 40;

fn check_state(name: &str, state: &State, errors: &mut Vec<GraphError>) {
    let state_name = || name.to_owned();
    if name.chars().count() > MAX_NAME_LEN {
        errors.push(GraphError::NameTooLong { state: state_name(), len: name.chars().count() });
    }
    match state {
        State::Map(map) if map.item_processor.processor_config.mode == "INLINE" => {
            if let Some(max) = map.max_concurrency.filter(|max| *max > MAX_INLINE_CONCURRENCY) {
                errors.push(GraphError::InlineMapTooWide { state: state_name(), max });
            }
        }
        State::Choice(choice) => {
            if choice.choices.is_empty() {
                errors.push(GraphError::EmptyChoice { state: state_name() });
            }
            if choice.default.is_none() {
                errors.push(GraphError::ChoiceWithoutDefault { state: state_name() });
            }
        }
        State::Wait(wait) if wait.durations_set() != 1 => {
            errors.push(GraphError::WaitDurations { state: state_name(), count: wait.durations_set() });
        }
        _ => {}
    }
    let retry_lists = state.retry().iter().map(|r| &r.error_equals);
    if !catch_all_last(retry_lists) {
        errors.push(GraphError::CatchAllNotLast { state: state_name(), field: "Retry" });
    }
    if !catch_all_last(state.catch().iter().map(|c| &c.error_equals)) {
        errors.push(GraphError::CatchAllNotLast { state: state_name(), field: "Catch" });
    }
}

/// `States.ALL` may only appear alone, in the last rule.
fn catch_all_last<'a>(rules: impl ExactSizeIterator<Item = &'a Vec<String>>) -> bool {
    let last = rules.len().saturating_sub(1);
    rules.enumerate().all(|(i, errors_equal)| {
        !errors_equal.iter().any(|e| e == errors::ALL) || (i == last && errors_equal.len() == 1)
    })
}

fn reachable(scope: &StateMachine) -> BTreeSet<&str> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![scope.start_at.as_str()];
    while let Some(name) = todo.pop() {
        if let Some(state) = scope.states.get(name) {
            if seen.insert(name) {
                todo.extend(state.successors());
            }
        }
    }
    seen
}

/// The loops of a scope: its strongly connected components with a cycle (Tarjan's algorithm).
fn cycles(scope: &StateMachine) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        scope: &'a StateMachine,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, name: &'a str) {
            let i = self.index.len();
            self.index.insert(name, i);
            self.low.insert(name, i);
            self.stack.push(name);
            self.on_stack.insert(name);
            let successors: Vec<&'a str> = self.scope.states[name]
                .successors()
                .into_iter()
                .filter(|next| self.scope.states.contains_key(*next))
                .collect();
            for next in &successors {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[name].min(self.low[next]);
                    self.low.insert(name, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[name].min(self.index[next]);
                    self.low.insert(name, low);
                }
            }
            if self.low[name] == self.index[name] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member);
                    if member == name {
                        break;
                    }
                }
                if component.len() > 1 || successors.contains(&name) {
                    component.reverse();
                    self.found.push(component.into_iter().map(str::to_owned).collect());
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        scope,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for name in scope.states.keys() {
        if !tarjan.index.contains_key(name.as_str()) {
            tarjan.visit(name);
        }
    }
    tarjan.found
}

/// A worst-case estimate of the execution history: every state counted on every path (a Choice's
/// branches are added, not compared), loops at their bound, Maps at their expected items, every
/// Retry exhausted. It errs high, which is the safe side of a hard quota.
pub(crate) struct History {
    pub total: u64,
    heaviest: (String, u64),
}

impl History {
    pub(crate) fn of(machine: &StateMachine, notes: &Notes) -> History {
        let mut history = History { total: 0, heaviest: (String::new(), 0) };
        let execution_started_and_ended = 2;
        history.total = execution_started_and_ended + history.scope(machine, notes, 1);
        history
    }

    fn scope(&mut self, scope: &StateMachine, notes: &Notes, repeat: u64) -> u64 {
        let loop_factor = loop_factors(scope, notes);
        let mut total = 0;
        for (name, state) in &scope.states {
            let times = repeat * loop_factor.get(name.as_str()).copied().unwrap_or(1);
            total += self.state(name, state, notes, times);
        }
        total
    }

    /// Events for `times` runs of one state, its branches included. The heaviest state is judged by
    /// its own events, so a Map is not blamed for the work of its items.
    fn state(&mut self, name: &str, state: &State, notes: &Notes, times: u64) -> u64 {
        let retries: u64 = state.retry().iter().map(|r| u64::from(r.attempts())).sum();
        let per_run = match state {
            // Entered, Scheduled, Started, (Submitted for .sync), Succeeded, Exited; 3 per failed attempt.
            State::Task(task) => 5 + u64::from(task.resource.contains(".sync")) + 3 * retries,
            State::Parallel(_) | State::Map(_) => 4 + 3 * retries,
            _ => 2,
        };
        if per_run * times > self.heaviest.1 {
            self.heaviest = (name.to_owned(), per_run * times);
        }
        let inner = match state {
            State::Parallel(parallel) => parallel.branches.iter().map(|b| self.scope(b, notes, times)).sum(),
            State::Map(map) => {
                let items = u64::from(notes.map_items.get(name).copied().unwrap_or(DEFAULT_MAP_ITEMS));
                let iteration_started_and_succeeded = 2 * items * times;
                iteration_started_and_succeeded + self.scope(&map.item_processor.machine, notes, times * items)
            }
            _ => 0,
        };
        per_run * times + inner
    }
}

/// How many times each state in a bounded loop can run: the product of the bounds in its loop.
fn loop_factors<'a>(scope: &'a StateMachine, notes: &Notes) -> BTreeMap<&'a str, u64> {
    let mut factors = BTreeMap::new();
    for cycle in cycles(scope) {
        let bound: u64 =
            cycle.iter().filter_map(|name| notes.loop_bounds.get(name)).map(|b| u64::from(*b).max(1)).product();
        for name in cycle {
            if let Some((key, _)) = scope.states.get_key_value(name.as_str()) {
                factors.insert(key.as_str(), bound);
            }
        }
    }
    factors
}
