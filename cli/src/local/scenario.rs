//! Scenario hooks for tests and demos: faults injected at a virtual time or after a named state,
//! and samples of the emulator taken after every state.
//!
//! Faults that change AWS go through the emulator with the SDK (mark instances unhealthy, delete a
//! group); the one fault that does not is an activity failing once with a chosen error name, which is
//! how a test drives a Retry or a Catch; and a run can be stopped as the console's Stop does.
//! An activity that calls no AWS API can have a stand-in, for work the local stack cannot do at full
//! size (a hundred bees of a million requests each) when what is tested is the machine around it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use activities::Clients;
use anyhow::Result;
use aws_sdk_autoscaling::types::LifecycleState;
use serde::Serialize;
use serde_json::Value;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Action = Arc<dyn Fn(Clients) -> BoxFuture<Result<()>> + Send + Sync>;
type Probe = Arc<dyn Fn(Clients) -> BoxFuture<Result<Value>> + Send + Sync>;
pub(crate) type StandIn = Arc<dyn Fn(Value) -> Value + Send + Sync>;

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Once the virtual clock reaches this many seconds into the run.
    AtVirtualTime(f64),
    /// When the named state exits (the first time).
    AfterState(String),
    /// Every time the named state exits, in any execution.
    EveryTimeAfter(String),
}

#[derive(Clone)]
pub enum Fault {
    /// Anything done to the emulator through the SDK.
    Emulator { description: String, action: Action },
    /// The next call of `activity` fails with `error` instead of running.
    FailActivityOnce { activity: String, error: String, cause: String },
    /// Every call of `activity` from now on fails with `error` instead of running.
    FailActivityAlways { activity: String, error: String, cause: String },
    /// The run's execution stopped, as the console's Stop does: AWS is left as it is.
    StopExecution { error: Option<String>, cause: Option<String> },
    /// A child execution of `machine` (`bake_recipe`) stopped, as the console's Stop does.
    StopChild { machine: String },
}

impl Fault {
    pub fn emulator<F, Fut>(description: impl Into<String>, action: F) -> Fault
    where
        F: Fn(Clients) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        Fault::Emulator { description: description.into(), action: Arc::new(move |clients| Box::pin(action(clients))) }
    }

    /// Every InService instance of `group` reported Unhealthy, as a failing health check would.
    pub fn mark_group_unhealthy(group: &str) -> Fault {
        let group = group.to_owned();
        Fault::emulator(format!("mark every instance of {group} unhealthy"), move |clients| {
            let group = group.clone();
            async move {
                let described =
                    clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(&group).send().await?;
                let instances = described.auto_scaling_groups().iter().flat_map(|g| g.instances().iter());
                for instance in instances.filter(|i| i.lifecycle_state() == Some(&LifecycleState::InService)) {
                    clients
                        .autoscaling
                        .set_instance_health()
                        .instance_id(instance.instance_id().unwrap_or_default())
                        .health_status("Unhealthy")
                        .send()
                        .await?;
                }
                Ok(())
            }
        })
    }

    /// The group deleted under the machine's feet, instances and all.
    pub fn delete_group(group: &str) -> Fault {
        let group = group.to_owned();
        Fault::emulator(format!("delete {group}"), move |clients| {
            let group = group.clone();
            async move {
                clients
                    .autoscaling
                    .delete_auto_scaling_group()
                    .auto_scaling_group_name(&group)
                    .force_delete(true)
                    .send()
                    .await?;
                Ok(())
            }
        })
    }

    pub fn fail_activity_once(activity: &str, error: &str, cause: &str) -> Fault {
        Fault::FailActivityOnce { activity: activity.into(), error: error.into(), cause: cause.into() }
    }

    pub fn fail_activity_always(activity: &str, error: &str, cause: &str) -> Fault {
        Fault::FailActivityAlways { activity: activity.into(), error: error.into(), cause: cause.into() }
    }

    pub fn stop_execution() -> Fault {
        Fault::StopExecution { error: Some("tuesday.Stopped".into()), cause: Some("stopped by the scenario".into()) }
    }

    pub fn stop_child(machine: &str) -> Fault {
        Fault::StopChild { machine: machine.to_owned() }
    }

    pub fn description(&self) -> String {
        match self {
            Fault::Emulator { description, .. } => description.clone(),
            Fault::FailActivityOnce { activity, error, .. } => format!("{activity} fails once with {error}"),
            Fault::FailActivityAlways { activity, error, .. } => format!("{activity} fails with {error} from now on"),
            Fault::StopExecution { .. } => "the execution is stopped".to_owned(),
            Fault::StopChild { machine } => format!("a {machine} child execution is stopped"),
        }
    }
}

/// A value read from the emulator after every state, recorded with the state and the virtual time.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub name: String,
    pub after_state: String,
    pub virtual_time: f64,
    pub value: Value,
}

#[derive(Clone, Default)]
pub struct Scenario {
    pub(crate) faults: Vec<(Trigger, Fault)>,
    pub(crate) probes: Vec<(String, Probe)>,
    /// Answers every task that waits for a token at once, instead of waiting for a person.
    pub(crate) approvals: Option<super::approvals::Answer>,
    pub(crate) stand_ins: Vec<(contract::Activity, StandIn)>,
}

impl Scenario {
    pub fn new() -> Self {
        Scenario::default()
    }

    /// Injects `fault` once the virtual clock reaches `seconds`: the next Task sees it.
    pub fn at(mut self, seconds: f64, fault: Fault) -> Self {
        self.faults.push((Trigger::AtVirtualTime(seconds), fault));
        self
    }

    /// Injects `fault` when `state` first exits.
    pub fn after(mut self, state: &str, fault: Fault) -> Self {
        self.faults.push((Trigger::AfterState(state.to_owned()), fault));
        self
    }

    /// Injects `fault` every time `state` exits (the fault decides whether it applies).
    pub fn every_time_after(mut self, state: &str, fault: Fault) -> Self {
        self.faults.push((Trigger::EveryTimeAfter(state.to_owned()), fault));
        self
    }

    /// Stops the execution when `state` first exits, as a person pressing Stop in the console would.
    pub fn stop_after(self, state: &str) -> Self {
        self.after(state, Fault::stop_execution())
    }

    /// Stops the execution once the virtual clock reaches `seconds`.
    pub fn stop_at(self, seconds: f64) -> Self {
        self.at(seconds, Fault::stop_execution())
    }

    /// Answers every approval request with `answer`, as a person would with `tuesday approve|reject`.
    pub fn answer_approvals(mut self, answer: super::approvals::Answer) -> Self {
        self.approvals = Some(answer);
        self
    }

    /// Answers every call of `activity` with `answer(payload)` instead of running it. Refused for an
    /// activity that calls AWS: those always run against the emulator.
    pub fn stand_in(
        mut self,
        activity: contract::Activity,
        answer: impl Fn(Value) -> Value + Send + Sync + 'static,
    ) -> Self {
        assert!(
            activities::registry::calls(activity).is_empty(),
            "{activity} calls AWS: it runs against the emulator, it has no stand-in"
        );
        self.stand_ins.push((activity, Arc::new(answer)));
        self
    }

    /// Reads `probe` from the emulator after every state.
    pub fn sample<F, Fut>(mut self, name: &str, probe: F) -> Self
    where
        F: Fn(Clients) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value>> + Send + 'static,
    {
        self.probes.push((name.to_owned(), Arc::new(move |clients| Box::pin(probe(clients)))));
        self
    }

    /// The InService-and-Healthy count of `group` after every state.
    pub fn sample_in_service(self, group: &str) -> Self {
        let group = group.to_owned();
        self.sample(&format!("inService:{group}"), move |clients| {
            let group = group.clone();
            async move {
                let input = serde_json::json!({ "groupName": group });
                let described =
                    activities::registry::invoke(&clients, contract::Activity::DescribeGroup, input).await?;
                Ok(described["inService"].clone())
            }
        })
    }
}
