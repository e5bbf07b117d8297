//! Every machine tuesday deploys. Each module has one `definition()` and the machine's `Input`.

pub mod bake;
pub mod bake_recipe;
pub mod cycle;
pub mod cycle_batch;
pub mod detect;
pub mod patch;
pub mod recover;
pub mod update;
pub mod validate;

use schemars::{JsonSchema, Schema};

use crate::asl::{JitterStrategy, StateMachine};
use crate::dsl::{lambda, Graph, Pass, Retrier, StateId, Task, LAMBDA_UNKNOWN};
use crate::GraphError;
use contract::{errors, Activity};

/// The stack's lock table, where each group being cycled has its record (a definition substitution).
pub const LOCK_TABLE: &str = "${LockTable}";
/// The stack's results bucket, where Distributed Maps read their items and write their results.
pub const RESULTS_BUCKET: &str = "${ResultsBucket}";

/// A machine as the generator sees it.
pub struct MachineDef {
    /// The file stem under `statemachines/`, and the name `tuesday run` takes.
    pub name: &'static str,
    pub definition: fn() -> Result<StateMachine, Vec<GraphError>>,
    pub input_schema: fn() -> Schema,
}

impl MachineDef {
    pub fn new<I: JsonSchema>(name: &'static str, definition: fn() -> Result<StateMachine, Vec<GraphError>>) -> Self {
        MachineDef { name, definition, input_schema: || schemars::schema_for!(I) }
    }
}

/// The messages machines publish, by name: each gets `schemas/<name>.message.schema.json`.
pub fn messages() -> Vec<(&'static str, Schema)> {
    vec![("new-ami", schemars::schema_for!(contract::machines::bake::NewAmiMessage))]
}

/// Every machine, in the order the README lists them.
pub fn all() -> Vec<MachineDef> {
    vec![
        MachineDef::new::<contract::machines::patch::Input>("patch", patch::definition),
        MachineDef::new::<contract::machines::detect::Input>("detect", detect::definition),
        MachineDef::new::<contract::machines::bake::Input>("bake", bake::definition),
        MachineDef::new::<contract::machines::bake_recipe::Input>("bake_recipe", bake_recipe::definition),
        MachineDef::new::<contract::machines::update::Input>("update", update::definition),
        MachineDef::new::<contract::machines::cycle::Input>("cycle", cycle::definition),
        MachineDef::new::<contract::machines::cycle_batch::Input>("cycle_batch", cycle_batch::definition),
        MachineDef::new::<contract::machines::recover::Input>("recover", recover::definition),
        MachineDef::new::<contract::machines::validate::Input>("validate", validate::definition),
    ]
}

/// A tuesday activity as a Task: the Lambda invoke, retried on throttling and transient errors with
/// backoff and jitter, and, when running it twice is harmless, on `Lambda.Unknown`.
pub(crate) fn activity(activity: Activity) -> Task {
    let task = lambda(activity)
        .retry(Retrier::on(&errors::TRANSIENT, 2, 5, 2.0).max_delay_seconds(60).jitter(JitterStrategy::Full));
    match activity.is_idempotent() {
        true => task.retry(Retrier::on(&[LAMBDA_UNKNOWN], 2, 2, 2.0)),
        false => task,
    }
}

/// After a child execution failed into `$.error` (`States.TaskFailed`, the child's description for
/// a cause): the child's own error and cause at `$.error`, as if this machine had raised them, then
/// `then`; when they cannot be read, `unreadable`, with why at `$.readError`. Returns the first state.
pub(crate) fn read_child_failure(g: &mut Graph, child: &str, then: &str, unreadable: &str) -> StateId {
    let read = g.add(
        format!("Read The {child} Failure"),
        activity(Activity::ReadFailure).payload_from("$.error").returns("$.failure", &["error", "reason"]).catch_into(
            &[crate::asl::errors::ALL],
            "$.readError",
            unreadable,
        ),
    );
    let own = g.add(
        format!("The {child}'s Error"),
        Pass::set("$.error", serde_json::json!({ "Error.$": "$.failure.error", "Cause.$": "$.failure.reason" })),
    );
    g.chain(&read).then(&own).join(then);
    read
}
