//! Runs a generated machine with aws-local-stepfunctions under Node 22, handing every Task to the
//! real activity in this process. One engine process per run serves the machine and every child
//! execution it starts; the two sides speak JSON lines (see `tools/node/engine.mjs`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;

use activities::{registry, ActivityError, Clients};
use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_sns::types::MessageAttributeValue;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};

use super::approvals;
use super::events::Event;
use super::paths;
use super::scenario::{Fault, Sample, Scenario, Trigger};
use workflow_gen::dsl::{LAMBDA_INVOKE, SNS_PUBLISH_WAIT_FOR_TASK_TOKEN, START_EXECUTION_SYNC};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
}

#[derive(Debug)]
pub struct RunResult {
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub events: Vec<Event>,
    pub samples: Vec<Sample>,
    /// Virtual seconds the top-level execution took: real time plus every skipped wait.
    pub virtual_seconds: f64,
    /// States entered, in every execution: what Step Functions would bill.
    pub transitions: usize,
}

impl RunResult {
    /// The events of one kind about one state, in order.
    pub fn events_of(&self, kind: &str, state: &str) -> Vec<&Event> {
        self.events.iter().filter(|e| e.kind == kind && e.state.as_deref() == Some(state)).collect()
    }

    /// Status, error and cause, for a failed assertion's message.
    pub fn outcome(&self) -> String {
        format!("{:?} {:?} {:?}", self.status, self.error, self.cause)
    }

    /// Every value a sampler read, in order.
    pub fn samples_of(&self, name: &str) -> Vec<&Value> {
        self.samples.iter().filter(|s| s.name == name).map(|s| &s.value).collect()
    }
}

/// What the engine says, one JSON line at a time.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum FromEngine {
    Event {
        run: u64,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
        event: Value,
    },
    Task {
        run: u64,
        call: u64,
        state: String,
        resource: String,
        input: Value,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
    },
    Done {
        run: u64,
        #[serde(rename = "virtualTime")]
        virtual_time: f64,
        status: String,
        output: Option<Value>,
        error: Option<String>,
        cause: Option<String>,
    },
}

type EventSink = Box<dyn FnMut(&Event) + Send>;

/// A local execution of a machine, with its options.
pub struct LocalRun {
    clients: Clients,
    time_scale: f64,
    scenario: Scenario,
    machines: BTreeMap<String, Value>,
    on_event: Option<EventSink>,
}

impl LocalRun {
    pub fn new(clients: Clients) -> Self {
        LocalRun { clients, time_scale: 0.0, scenario: Scenario::new(), machines: BTreeMap::new(), on_event: None }
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
        let definition = self.definition(machine)?;
        let mut engine = Command::new(paths::node()?)
            .arg(paths::engine_script()?)
            .current_dir(paths::root().join("tools/node"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting the ASL engine (Node 22)")?;
        let mut to_engine = engine.stdin.take().expect("piped");
        let mut lines = BufReader::new(engine.stdout.take().expect("piped")).lines();

        let mut bridge = Bridge::new(self.scenario.clone());
        bridge.start(&mut to_engine, 1, machine, definition, input, self.time_scale).await?;
        let mut executions: HashMap<u64, String> = HashMap::from([(1, machine.to_owned())]);
        // Child run -> the parent's waiting task call.
        let mut children: HashMap<u64, u64> = HashMap::new();
        // Virtual time is reported from the start of this run.
        let mut origin = None;

        let result = loop {
            let line = lines.next_line().await?.ok_or_else(|| anyhow!("the ASL engine exited mid-run"))?;
            let message: FromEngine =
                serde_json::from_str(&line).with_context(|| format!("the ASL engine said: {line}"))?;
            match message {
                FromEngine::Event { run, virtual_time, event } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    let execution = executions.get(&run).cloned().unwrap_or_default();
                    let event = Event::from_engine(&execution, virtual_time, event);
                    let exited = (event.kind == "StateExited").then(|| event.state.clone()).flatten();
                    self.record(&mut bridge, event);
                    if let Some(state) = exited {
                        for fault in bridge.due_after_state(&state) {
                            let injected = bridge.inject(&self.clients, &fault, virtual_time).await?;
                            self.record(&mut bridge, injected);
                        }
                        bridge.sample(&self.clients, &state, virtual_time).await?;
                    }
                }
                FromEngine::Task { run, call, state, resource, input, virtual_time } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    for fault in bridge.due_at(virtual_time) {
                        let injected = bridge.inject(&self.clients, &fault, virtual_time).await?;
                        self.record(&mut bridge, injected);
                    }
                    if resource.starts_with(START_EXECUTION_SYNC.trim_end_matches(":2")) {
                        let child = bridge.next_run();
                        let (name, child_input) = child_execution(&input)?;
                        let child_definition = self.definition(&name)?;
                        let parent = executions.get(&run).cloned().unwrap_or_default();
                        executions.insert(child, format!("{parent}/{name}#{child}"));
                        children.insert(child, call);
                        bridge
                            .start(&mut to_engine, child, &name, child_definition, child_input, self.time_scale)
                            .await?;
                    } else if resource == SNS_PUBLISH_WAIT_FOR_TASK_TOKEN {
                        let token = format!("{}{run}-{call}-{}", approvals::LOCAL_PREFIX, std::process::id());
                        let asked = bridge.ask(&self.clients, &token, input, virtual_time).await;
                        if let Ok(event) = &asked {
                            self.record(&mut bridge, event.clone());
                        }
                        let outcome = match asked {
                            Ok(_) => bridge.answer(&token).await,
                            Err(failure) => Err(failure),
                        };
                        reply(&mut to_engine, call, outcome).await?;
                    } else {
                        let outcome = bridge.task(&self.clients, &state, &resource, input).await;
                        reply(&mut to_engine, call, outcome).await?;
                    }
                }
                FromEngine::Done { run, virtual_time, status, output, error, cause } => {
                    let virtual_time = virtual_time - *origin.get_or_insert(virtual_time);
                    if let Some(call) = children.remove(&run) {
                        let outcome = match status.as_str() {
                            "SUCCEEDED" => {
                                Ok(json!({ "Output": output, "Status": status, "ExecutionArn": executions[&run] }))
                            }
                            _ => Err(TaskFailure {
                                name: "States.TaskFailed".into(),
                                cause: json!({ "Error": error, "Cause": cause }).to_string(),
                            }),
                        };
                        reply(&mut to_engine, call, outcome).await?;
                        continue;
                    }
                    if run != 1 {
                        continue;
                    }
                    let status = if status == "SUCCEEDED" { Status::Succeeded } else { Status::Failed };
                    let virtual_seconds = virtual_time;
                    break RunResult {
                        status,
                        output,
                        error,
                        cause,
                        transitions: bridge.events.iter().filter(|e| e.kind == "StateEntered").count(),
                        events: std::mem::take(&mut bridge.events),
                        samples: std::mem::take(&mut bridge.samples),
                        virtual_seconds,
                    };
                }
            }
        };
        drop(to_engine);
        let _ = engine.wait().await;
        Ok(result)
    }

    fn record(&mut self, bridge: &mut Bridge, event: Event) {
        if let Some(on_event) = self.on_event.as_mut() {
            on_event(&event);
        }
        bridge.events.push(event);
    }

    /// A registered machine, or the generated one.
    fn definition(&self, name: &str) -> Result<Value> {
        match self.machines.get(name) {
            Some(definition) => Ok(definition.clone()),
            None => generated_machine(name),
        }
    }
}

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
            events: Vec::new(),
            samples: Vec::new(),
            runs: 1,
        }
    }

    fn next_run(&mut self) -> u64 {
        self.runs += 1;
        self.runs
    }

    async fn start(
        &mut self,
        to_engine: &mut ChildStdin,
        run: u64,
        name: &str,
        definition: Value,
        input: Value,
        time_scale: f64,
    ) -> Result<()> {
        let start = json!({ "op": "start", "run": run, "name": name, "definition": definition, "input": input, "timeScale": time_scale });
        send(to_engine, &start).await
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
        }
        Ok(Event {
            execution: String::new(),
            virtual_time,
            kind: "FaultInjected".into(),
            state: None,
            index: None,
            error: None,
            cause: Some(fault.description()),
            detail: Value::Null,
        })
    }

    async fn sample(&mut self, clients: &Clients, state: &str, virtual_time: f64) -> Result<()> {
        for (name, probe) in &self.scenario.probes {
            let value = probe(clients.clone()).await.with_context(|| format!("sampling {name} after {state}"))?;
            self.samples.push(Sample { name: name.clone(), after_state: state.to_owned(), virtual_time, value });
        }
        Ok(())
    }

    /// Publishes a task-token request (its message carrying `token`) and says so in the log.
    async fn ask(
        &mut self,
        clients: &Clients,
        token: &str,
        input: Value,
        virtual_time: f64,
    ) -> Result<Event, TaskFailure> {
        let mut message = input["Message"].clone();
        if message["taskToken"] == approvals::ENGINE_TOKEN {
            message["taskToken"] = json!(token);
        }
        let topic = input["TopicArn"].as_str().unwrap_or_default();
        let subject = input["Subject"].as_str().unwrap_or("tuesday");
        let body =
            if message.is_string() { message.as_str().unwrap_or_default().to_owned() } else { message.to_string() };
        let mut publish = clients.sns.publish().topic_arn(topic).subject(subject).message(body);
        for (name, attribute) in input["MessageAttributes"].as_object().into_iter().flatten() {
            let value = MessageAttributeValue::builder()
                .data_type(attribute["DataType"].as_str().unwrap_or("String"))
                .set_string_value(attribute["StringValue"].as_str().map(str::to_owned))
                .build()
                .map_err(|e| TaskFailure {
                    name: activities::errors::INVALID_INPUT.to_owned(),
                    cause: e.to_string(),
                })?;
            publish = publish.message_attributes(name, value);
        }
        publish.send().await.map_err(|e| TaskFailure::from(ActivityError::from(e)))?;
        Ok(Event {
            execution: String::new(),
            virtual_time,
            kind: "ApprovalRequested".into(),
            state: None,
            index: None,
            error: None,
            cause: Some(format!("waiting: tuesday approve {token}  (or tuesday reject {token} --reason ...)")),
            detail: Value::Null,
        })
    }

    /// The answer to a task-token request: the scenario's, or a person's.
    async fn answer(&mut self, token: &str) -> Result<Value, TaskFailure> {
        let answer = match self.scenario.approvals.clone() {
            Some(answer) => answer,
            None => approvals::wait_for(token).await,
        };
        match answer {
            approvals::Answer::Approve => Ok(json!({ "approved": true })),
            approvals::Answer::Reject(reason) => {
                Err(TaskFailure { name: activities::errors::REJECTED.to_owned(), cause: reason })
            }
        }
    }

    /// A Lambda task: the activity its `${<Name>FunctionArn}` names, answered as Lambda would.
    async fn task(
        &mut self,
        clients: &Clients,
        state: &str,
        resource: &str,
        input: Value,
    ) -> Result<Value, TaskFailure> {
        if resource != LAMBDA_INVOKE {
            let cause = format!("state '{state}': resource {resource} is not supported by the local engine");
            return Err(ActivityError::new(activities::errors::AWS, cause).into());
        }
        let function = input["FunctionName"].as_str().unwrap_or_default();
        let activity = activity_name(function).ok_or_else(|| {
            TaskFailure::from(ActivityError::invalid_input("FunctionName", format!("'{function}' names no activity")))
        })?;
        if let Some(at) = self.fail_once.iter().position(|(name, _, _)| name == activity) {
            let (_, name, cause) = self.fail_once.remove(at);
            return Err(TaskFailure { name, cause });
        }
        let payload = input.get("Payload").cloned().unwrap_or(Value::Null);
        let output = registry::invoke(clients, activity, payload).await.map_err(TaskFailure::from)?;
        Ok(json!({ "Payload": output, "StatusCode": 200, "ExecutedVersion": "$LATEST" }))
    }
}

/// How a task failed, as Retry and Catch see it: an activity's error, an injected one, or a child
/// execution's failure.
#[derive(Debug)]
struct TaskFailure {
    name: String,
    cause: String,
}

impl From<ActivityError> for TaskFailure {
    fn from(error: ActivityError) -> Self {
        TaskFailure { name: error.name.to_owned(), cause: error.cause }
    }
}

/// `${ResolveSourceAmiFunctionArn}`, a function name or a function ARN → `ResolveSourceAmi`.
pub fn activity_name(function: &str) -> Option<&str> {
    let name = function
        .strip_prefix("${")
        .and_then(|s| s.strip_suffix("FunctionArn}"))
        .unwrap_or_else(|| function.rsplit(':').next().unwrap_or(function));
    registry::exists(name).then_some(name)
}

/// The child machine (`${CycleStateMachineArn}` → `cycle`) and its input.
fn child_execution(input: &Value) -> Result<(String, Value)> {
    let arn = input["StateMachineArn"].as_str().unwrap_or_default();
    let Some(pascal) = arn.strip_prefix("${").and_then(|s| s.strip_suffix("StateMachineArn}")) else {
        bail!("child execution of '{arn}': locally, a child machine is named by ${{<Name>StateMachineArn}}");
    };
    let child_input = match &input["Input"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
        other => other.clone(),
    };
    Ok((snake_case(pascal), child_input))
}

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

async fn reply(to_engine: &mut ChildStdin, call: u64, outcome: Result<Value, TaskFailure>) -> Result<()> {
    let message = match outcome {
        Ok(value) => json!({ "op": "result", "call": call, "ok": value }),
        Err(error) => json!({ "op": "result", "call": call, "error": { "name": error.name, "cause": error.cause } }),
    };
    send(to_engine, &message).await
}

async fn send(to_engine: &mut ChildStdin, message: &Value) -> Result<()> {
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
    fn substitutions_resolve_to_local_activities() {
        assert_eq!(activity_name("${ResolveSourceAmiFunctionArn}"), Some("ResolveSourceAmi"));
        assert_eq!(
            activity_name("arn:aws:lambda:us-east-1:123456789012:function:DescribeImage"),
            Some("DescribeImage")
        );
        assert_eq!(activity_name("${NoSuchFunctionArn}"), None);
    }

    #[test]
    fn child_machines_are_named_in_snake_case() {
        let (name, input) =
            child_execution(&json!({ "StateMachineArn": "${CycleGroupStateMachineArn}", "Input": { "a": 1 } }))
                .unwrap();
        assert_eq!(name, "cycle_group");
        assert_eq!(input, json!({ "a": 1 }));
    }
}
