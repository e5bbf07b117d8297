//! Every machine tuesday deploys. Each module has one `definition()` and the machine's `Input`.

pub mod cycle;
pub mod detect;
pub mod update;

use schemars::{JsonSchema, Schema};

use crate::asl::StateMachine;
use crate::GraphError;

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

/// Every machine, in the order the README lists them.
pub fn all() -> Vec<MachineDef> {
    vec![
        MachineDef::new::<detect::Input>("detect", detect::definition),
        MachineDef::new::<update::Input>("update", update::definition),
        MachineDef::new::<cycle::Input>("cycle", cycle::definition),
    ]
}
