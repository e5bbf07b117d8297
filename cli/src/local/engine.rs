//! Runs a generated machine on the emulator's ASL engine (LocalStack's Step Functions interpreter,
//! in the emulator's process: `tools/emulator/engine.py`), handing every Lambda task to the real
//! activity in this process. The two sides speak JSON lines over one TCP connection per run (see
//! `tools/emulator/bridge.py`); the engine waits for an answer to every event and task, so faults
//! and samples land exactly between states. Tasks, and approvals waited for, run at once, as on AWS.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use activities::{registry, ActivityError, Clients};
use anyhow::{anyhow, bail, Context, Result};
use contract::Activity;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::approvals;
use super::events::Event;
use super::paths;
use super::scenario::{Fault, Sample, Scenario, Trigger};
use super::Emulator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    /// Stopped, as the console's Stop does.
    Aborted,
    TimedOut,
}

#[derive(Debug)]
pub struct RunResult {
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The top-level execution's ARN (every run and child has its own).
    pub execution_arn: String,
    pub events: Vec<Event>,
    pub samples: Vec<Sample>,
    /// Virtual seconds the top-level execution took: real time plus every skipped wait.
    pub virtual_seconds: f64,
    /// States entered, in every execution: what Step Functions would bill.
    pub transitions: usize,
}

impl RunResult {
    /// The events about one state whose type ends with `kind` (`StateEntered` matches
    /// `TaskStateEntered`, `PassStateEntered`, ...), in order.
    pub fn events_of(&self, kind: &str, state: &str) -> Vec<&Event> {
        self.events.iter().filter(|e| e.kind.ends_with(kind) && e.state.as_deref() == Some(state)).collect()
    }

    /// The states entered, in order (of every execution of the run).
    pub fn states_entered(&self) -> Vec<&str> {
        self.events.iter().filter(|e| e.kind.ends_with("StateEntered")).filter_map(|e| e.state.as_deref()).collect()
    }

    /// What a person reads of the cause: the message inside AWS's JSON (see `message_of`).
    pub fn message(&self) -> Option<String> {
        self.cause.as_deref().map(activities::error::message_of)
    }

    /// Status, error and cause, for a failed assertion's message.
    pub fn outcome(&self) -> String {
        format!("{:?} {:?} {:?}", self.status, self.error, self.cause)
    }

    /// Every value a sampler read, in order.
    pub fn samples_of(&self, name: &str) -> Vec<&Value> {
        self.samples.iter().filter(|s| s.name == name).map(|s| &s.value).collect()
    }

    /// The largest input or output (or task result) of any state in any execution of the run, in
    /// bytes, with the execution and state it was in: AWS fails a state past 256 KiB.
    pub fn largest_state(&self) -> (usize, String) {
        let mut largest = (0, String::new());
        for event in &self.events {
            let details =
                event.detail.as_object().into_iter().flatten().filter(|(key, _)| key.ends_with("EventDetails"));
            for (_, details) in details {
                for text in ["input", "output"].iter().filter_map(|field| details[*field].as_str()) {
                    if text.len() > largest.0 {
                        let state = event.state.as_deref().unwrap_or("(the execution)");
                        largest = (text.len(), format!("{} {state}", event.execution));
                    }
                }
            }
        }
        largest
    }

    /// The history events of every execution of the run, largest first: AWS fails an execution at
    /// 25,000. A Distributed Map's items are in histories of their own, as on AWS.
    pub fn history_lengths(&self) -> Vec<(String, u64)> {
        let mut lengths: HashMap<String, u64> = HashMap::new();
        for event in self.events.iter().filter(|e| e.kind.starts_with("Execution")) {
            let id = event.detail["id"].as_u64().unwrap_or(0);
            let length = lengths.entry(event.execution.clone()).or_default();
            *length = (*length).max(id);
        }
        let mut lengths: Vec<_> = lengths.into_iter().collect();
        lengths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        lengths
    }
}

/// Virtual seconds between the samples taken while no state ends.
const SAMPLE_EVERY_SECONDS: u64 = 60;
/// The `after_state` of a sample taken on the minute rather than after a state.
pub const TICK: &str = "(a virtual minute)";

/// What the engine says, one JSON line at a time (see `tools/emulator/bridge.py`).
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum FromEngine {
    Started {
        execution: String,
        parent: Option<String>,
        machine: String,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Event {
        id: u64,
        execution: String,
        state: Option<String>,
        index: Option<u64>,
        event: Value,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Invoke {
        id: u64,
        state: Option<String>,
        function: String,
        payload: Value,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Token {
        id: u64,
        token: String,
        #[serde(default)]
        execution: String,
        #[serde(default)]
        state: String,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    /// A virtual minute passed (asked for when the scenario samples).
    Tick {
        id: u64,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Done {
        execution: String,
        status: String,
        output: Option<Value>,
        error: Option<String>,
        cause: Option<String>,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Refused {
        message: String,
    },
}

type EventSink = Box<dyn FnMut(&Event) + Send>;

/// A local execution of a machine, with its options.
pub struct LocalRun {
    engine: String,
    clients: Clients,
    time_scale: f64,
    scenario: Scenario,
    machines: BTreeMap<String, Value>,
    on_event: Option<EventSink>,
}

impl LocalRun {
    /// A run on `emulator`'s engine, whose tasks call AWS with `clients` (the emulator's, or real AWS).
    pub fn new(emulator: &Emulator, clients: Clients) -> Self {
        LocalRun {
            engine: emulator.seeded.engine.clone(),
            clients,
            time_scale: 0.0,
            scenario: Scenario::new(),
            machines: BTreeMap::new(),
            on_event: None,
        }
    }

    /// Real seconds per virtual second of waiting: 0 skips every wait, 1 waits for real.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }

    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// A machine by name (snake_case, as in `statemachines/`), in place of its generated file.
    pub fn machine(mut self, name: &str, definition: Value) -> Self {
        self.machines.insert(name.to_owned(), definition);
        self
    }

    /// Called with every event as it happens: progress lines, `--json` streams.
    pub fn on_event(mut self, f: impl FnMut(&Event) + Send + 'static) -> Self {
        self.on_event = Some(Box::new(f));
        self
    }

    /// Runs `machine` on `input` until it ends.
    pub async fn run(mut self, machine: &str, input: Value) -> Result<RunResult> {
        let machines = self.machines_reachable_from(machine)?;
        let stream = TcpStream::connect(&self.engine)
            .await
            .with_context(|| format!("connecting to the ASL engine at {}", self.engine))?;
        let (from_engine, to_engine) = stream.into_split();
        let mut to_engine = BufWriter::new(to_engine);
        let mut lines = BufReader::new(from_engine).lines();
        // Sampled after every state, and every virtual minute between (inside a Wait, say).
        let tick = (!self.scenario.probes.is_empty()).then_some(SAMPLE_EVERY_SECONDS);
        let start = json!({
            "op": "start", "machine": machine, "machines": machines, "input": input,
            "timeScale": self.time_scale, "tickSeconds": tick,
        });
        send(&mut to_engine, &start).await?;

        let mut bridge = Bridge::new(self.scenario.clone());
        let mut top_level: Option<String> = None;
        // Virtual time is reported from the start of this run.
        let mut origin = None;

        // Activities run at once, as Lambda runs them: each answered when it ends.
        let mut invoking: JoinSet<(u64, Result<Value, LambdaError>)> = JoinSet::new();
        let result = loop {
            let line = tokio::select! {
                line = lines.next_line() => line?.ok_or_else(|| anyhow!("the ASL engine closed the run"))?,
                Some(ended) = invoking.join_next() => {
                    let (id, outcome) = ended?;
                    reply(&mut to_engine, id, outcome).await?;
                    continue;
                }
            };
            let message: FromEngine =
                serde_json::from_str(&line).with_context(|| format!("the ASL engine said: {line}"))?;
            match message {
                FromEngine::Started { execution, parent, machine: registered, virtual_time } => {
                    origin.get_or_insert(virtual_time);
                    let name = registered.rsplit_once('-').map_or(registered.as_str(), |(name, _)| name).to_owned();
                    let label = match parent.as_ref().and_then(|p| bridge.executions.get(p)).cloned() {
                        Some(parent) => format!("{parent}/{name}#{}", bridge.next_run()),
                        None => name,
                    };
                    top_level.get_or_insert_with(|| execution.clone());
                    bridge.executions.insert(execution, label);
                }
                FromEngine::Event { id, execution, state, index, event, virtual_time } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    let label = bridge.executions.get(&execution).cloned().unwrap_or_default();
                    let event = Event::from_engine(&label, virtual_time, state, index, event);
                    let exited = event.kind.ends_with("StateExited").then(|| event.state.clone()).flatten();
                    self.record(&mut bridge, event);
                    if let Some(state) = exited {
                        for fault in bridge.due_after_state(&state) {
                            self.apply(&mut bridge, &mut to_engine, &fault, virtual_time).await?;
                        }
                        bridge.sample(&self.clients, &state, virtual_time).await?;
                    }
                    self.apply_due(&mut bridge, &mut to_engine, virtual_time).await?;
                    send(&mut to_engine, &json!({ "op": "reply", "id": id })).await?;
                }
                FromEngine::Invoke { id, state, function, payload, virtual_time } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    self.apply_due(&mut bridge, &mut to_engine, virtual_time).await?;
                    let state = state.unwrap_or_default();
                    match bridge.invocation(&state, &function, payload) {
                        Invocation::Answered(outcome) => reply(&mut to_engine, id, outcome).await?,
                        Invocation::Run(activity, payload) => {
                            let clients = self.clients.clone();
                            invoking.spawn(async move {
                                (id, registry::invoke(&clients, activity, payload).await.map_err(LambdaError::from))
                            });
                        }
                    }
                }
                FromEngine::Token { id, token, execution, state, virtual_time } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    self.record(
                        &mut bridge,
                        Event::note("ApprovalRequested", virtual_time, approvals::waiting(&token)),
                    );
                    let what =
                        bridge.approval_text(&execution, &state).unwrap_or_else(|| format!("{execution}: {state}"));
                    // A person answers in their own time; the run's other work goes on meanwhile.
                    let given = bridge.scenario.approvals.clone();
                    invoking.spawn(async move { (id, answer(given, &token, &what).await) });
                }
                FromEngine::Tick { id, virtual_time } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    bridge.sample(&self.clients, TICK, virtual_time).await?;
                    send(&mut to_engine, &json!({ "op": "reply", "id": id })).await?;
                }
                FromEngine::Done { execution, status, output, error, cause, virtual_time } => {
                    if top_level.as_deref() != Some(execution.as_str()) {
                        continue;
                    }
                    let status = match status.as_str() {
                        "SUCCEEDED" => Status::Succeeded,
                        "ABORTED" => Status::Aborted,
                        "TIMED_OUT" => Status::TimedOut,
                        _ => Status::Failed,
                    };
                    break RunResult {
                        status,
                        output,
                        error,
                        cause,
                        execution_arn: execution,
                        transitions: bridge.events.iter().filter(|e| e.kind.ends_with("StateEntered")).count(),
                        events: std::mem::take(&mut bridge.events),
                        samples: std::mem::take(&mut bridge.samples),
                        virtual_seconds: virtual_time - origin.unwrap_or(virtual_time),
                    };
                }
                FromEngine::Refused { message } => bail!("the ASL engine refused to run {machine}: {message}"),
            }
        };
        Ok(result)
    }

    fn record(&mut self, bridge: &mut Bridge, event: Event) {
        if let Some(on_event) = self.on_event.as_mut() {
            on_event(&event);
        }
        bridge.events.push(event);
    }

    /// Applies the faults due by `virtual_time` (seconds into the run).
    async fn apply_due(&mut self, bridge: &mut Bridge, to_engine: &mut Writer, virtual_time: f64) -> Result<()> {
        for fault in bridge.due_at(virtual_time) {
            self.apply(bridge, to_engine, &fault, virtual_time).await?;
        }
        Ok(())
    }

    async fn apply(
        &mut self,
        bridge: &mut Bridge,
        to_engine: &mut Writer,
        fault: &Fault,
        virtual_time: f64,
    ) -> Result<()> {
        match fault {
            Fault::StopExecution { error, cause } => {
                send(to_engine, &json!({ "op": "stop", "error": error, "cause": cause })).await?;
            }
            Fault::StopChild { machine } => {
                let child = bridge.executions.iter().find(|(_, label)| label.contains(&format!("/{machine}#")));
                let arn = child.map(|(arn, _)| arn.clone()).with_context(|| format!("no {machine} child to stop"))?;
                send(to_engine, &json!({ "op": "stop", "execution": arn, "cause": "stopped by the scenario" })).await?;
            }
            _ => {}
        }
        let injected = bridge.inject(&self.clients, fault, virtual_time).await?;
        self.record(bridge, injected);
        Ok(())
    }

    /// The machine and every machine it starts as a child (`${<Name>StateMachineArn}`), by name.
    fn machines_reachable_from(&self, machine: &str) -> Result<BTreeMap<String, Value>> {
        let mut found = BTreeMap::new();
        let mut todo = vec![machine.to_owned()];
        while let Some(name) = todo.pop() {
            if found.contains_key(&name) {
                continue;
            }
            let definition = self.definition(&name)?;
            let text = definition.to_string();
            for (at, _) in text.match_indices("StateMachineArn}") {
                let Some(open) = text[..at].rfind("${") else { continue };
                todo.push(snake_case(&text[open + 2..at]));
            }
            found.insert(name, definition);
        }
        Ok(found)
    }

    /// A registered machine, or the generated one.
    fn definition(&self, name: &str) -> Result<Value> {
        match self.machines.get(name) {
            Some(definition) => Ok(definition.clone()),
            None => generated_machine(name),
        }
    }
}

type Writer = BufWriter<OwnedWriteHalf>;

/// `statemachines/<name>.asl.json`.
pub fn generated_machine(name: &str) -> Result<Value> {
    let path: PathBuf = paths::statemachines().join(format!("{name}.asl.json"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("no machine '{name}' ({})", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The Rust side of the engine: runs tasks, injects faults, takes samples, keeps the log.
struct Bridge {
    faults: Vec<(Trigger, Fault)>,
    /// The samplers and approval answers; its faults are copied into `faults` and used up there.
    scenario: Scenario,
    fail_once: Vec<(String, String, String)>,
    fail_always: Vec<(String, String, String)>,
    /// Execution ARN -> how the log names it: `patch`, `patch/update#2`, ...
    executions: HashMap<String, String>,
    events: Vec<Event>,
    samples: Vec<Sample>,
    runs: u64,
}

impl Bridge {
    fn new(scenario: Scenario) -> Self {
        Bridge {
            faults: scenario.faults.clone(),
            scenario,
            fail_once: Vec::new(),
            fail_always: Vec::new(),
            executions: HashMap::new(),
            events: Vec::new(),
            samples: Vec::new(),
            runs: 1,
        }
    }

    fn next_run(&mut self) -> u64 {
        self.runs += 1;
        self.runs
    }

    fn due_at(&mut self, run_seconds: f64) -> Vec<Fault> {
        self.take_faults(|trigger| matches!(trigger, Trigger::AtVirtualTime(at) if *at <= run_seconds))
    }

    fn due_after_state(&mut self, state: &str) -> Vec<Fault> {
        let mut due = self.take_faults(|trigger| matches!(trigger, Trigger::AfterState(name) if name == state));
        due.extend(
            self.faults
                .iter()
                .filter(|(trigger, _)| matches!(trigger, Trigger::EveryTimeAfter(name) if name == state))
                .map(|(_, fault)| fault.clone()),
        );
        due
    }

    fn take_faults(&mut self, due: impl Fn(&Trigger) -> bool) -> Vec<Fault> {
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.faults).into_iter().partition(|(t, _)| due(t));
        self.faults = later;
        now.into_iter().map(|(_, fault)| fault).collect()
    }

    async fn inject(&mut self, clients: &Clients, fault: &Fault, virtual_time: f64) -> Result<Event> {
        match fault {
            Fault::Emulator { action, description } => {
                action(clients.clone()).await.with_context(|| format!("injecting fault: {description}"))?
            }
            Fault::FailActivityOnce { activity, error, cause } => {
                self.fail_once.push((activity.clone(), error.clone(), cause.clone()));
            }
            Fault::FailActivityAlways { activity, error, cause } => {
                self.fail_always.push((activity.clone(), error.clone(), cause.clone()));
            }
            Fault::StopExecution { .. } | Fault::StopChild { .. } => {}
        }
        Ok(Event::note("FaultInjected", virtual_time, fault.description()))
    }

    async fn sample(&mut self, clients: &Clients, state: &str, virtual_time: f64) -> Result<()> {
        for (name, probe) in &self.scenario.probes {
            let value = probe(clients.clone()).await.with_context(|| format!("sampling {name} after {state}"))?;
            self.samples.push(Sample { name: name.clone(), after_state: state.to_owned(), virtual_time, value });
        }
        Ok(())
    }

    /// The answer to a task-token request: the scenario's, or a person's.
    /// What a task waiting for a token asks, as its message's text says it (`Message.text` of the
    /// parameters its TaskScheduled event recorded), after the execution and state.
    fn approval_text(&self, execution: &str, state: &str) -> Option<String> {
        let label = self.executions.get(execution)?;
        let scheduled = self
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "TaskScheduled" && e.execution == *label && e.state.as_deref() == Some(state))?;
        let parameters = scheduled.detail["taskScheduledEventDetails"]["parameters"].as_str()?;
        let parameters: Value = serde_json::from_str(parameters).ok()?;
        let text = parameters["Message"]["text"].as_str()?;
        Some(format!("{label}: {state}: {text}"))
    }

    /// Lambda's Invoke of the activity `function` names: answered here (a fault, a stand-in), or
    /// the activity to run.
    fn invocation(&mut self, state: &str, function: &str, payload: Value) -> Invocation {
        let Some(activity) = Activity::invoked_by(function) else {
            let cause = format!("state '{state}': '{function}' names no activity");
            return Invocation::Answered(Err(ActivityError::invalid_input("FunctionName", cause).into()));
        };
        if let Some(at) = self.fail_once.iter().position(|(name, _, _)| name == activity.name()) {
            let (_, error_type, error_message) = self.fail_once.remove(at);
            return Invocation::Answered(Err(LambdaError { error_type, error_message }));
        }
        if let Some((_, error_type, error_message)) =
            self.fail_always.iter().find(|(name, _, _)| name == activity.name())
        {
            let error = LambdaError { error_type: error_type.clone(), error_message: error_message.clone() };
            return Invocation::Answered(Err(error));
        }
        if let Some((_, answer)) = self.scenario.stand_ins.iter().find(|(stood_in, _)| *stood_in == activity) {
            return Invocation::Answered(Ok(answer(payload)));
        }
        Invocation::Run(activity, payload)
    }
}

/// A task token's answer: the scenario's, or a person's (`tuesday approve|reject`), as the task's result.
async fn answer(given: Option<approvals::Answer>, token: &str, what: &str) -> Result<Value, LambdaError> {
    let answer = match given {
        Some(answer) => answer,
        None => approvals::wait_for(token, what).await,
    };
    match answer {
        approvals::Answer::Approve => Ok(json!({ "approved": true })),
        approvals::Answer::Reject(reason) => {
            Err(LambdaError { error_type: activities::errors::REJECTED.to_owned(), error_message: reason })
        }
    }
}

enum Invocation {
    Answered(Result<Value, LambdaError>),
    Run(Activity, Value),
}

/// How a function failed, as the Lambda runtime reports it: Step Functions makes `errorType` the
/// error, and the whole of it (as JSON) the cause.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LambdaError {
    error_type: String,
    error_message: String,
}

impl From<ActivityError> for LambdaError {
    fn from(error: ActivityError) -> Self {
        LambdaError { error_type: error.name.to_owned(), error_message: error.cause }
    }
}

/// `CycleGroup` → `cycle_group`.
fn snake_case(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

async fn reply(to_engine: &mut Writer, id: u64, outcome: Result<Value, LambdaError>) -> Result<()> {
    let message = match outcome {
        Ok(value) => json!({ "op": "reply", "id": id, "ok": value }),
        Err(error) => json!({ "op": "reply", "id": id, "error": error }),
    };
    send(to_engine, &message).await
}

async fn send(to_engine: &mut Writer, message: &Value) -> Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    to_engine.write_all(&line).await?;
    to_engine.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_machines_are_named_in_snake_case() {
        assert_eq!(snake_case("CycleGroup"), "cycle_group");
        assert_eq!(snake_case("Update"), "update");
    }
}
