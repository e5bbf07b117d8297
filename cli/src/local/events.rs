//! The event log of a local run, and the readable progress line of each event.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The execution: the machine's name, and for a child execution its parent's path too.
    pub execution: String,
    pub virtual_time: f64,
    /// The engine's event type (`StateEntered`, `StateFailed`, ...), or `FaultInjected`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The Map iteration, for states inside a Map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The engine's event as it came, inputs and outputs included.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Event {
    pub fn from_engine(execution: &str, virtual_time: f64, event: Value) -> Event {
        let text = |v: &Value| v.as_str().map(str::to_owned).or_else(|| (!v.is_null()).then(|| v.to_string()));
        Event {
            execution: execution.to_owned(),
            virtual_time,
            kind: event["type"].as_str().unwrap_or("Unknown").to_owned(),
            state: event["state"]["name"].as_str().map(str::to_owned),
            index: event["index"].as_u64(),
            error: text(&event["Error"]),
            cause: text(&event["Cause"]),
            detail: event,
        }
    }

    /// One line for a person watching, or None for events that add nothing to read.
    pub fn progress_line(&self) -> Option<String> {
        let state = self.state.as_deref().unwrap_or_default();
        let item = self.index.map(|i| format!(" [{i}]")).unwrap_or_default();
        let failure = || format!("{}: {}", self.error.as_deref().unwrap_or("?"), self.cause.as_deref().unwrap_or(""));
        let what = match self.kind.as_str() {
            "ExecutionStarted" => "started".to_owned(),
            "ExecutionSucceeded" => "succeeded".to_owned(),
            "ExecutionFailed" => format!("FAILED {}", failure()),
            "StateEntered" => format!("→ {state}{item}"),
            "StateFailed" => format!("✗ {state}{item} {}", failure()),
            "StateRetried" => format!("↻ {state}{item} retrying"),
            "StateCaught" => format!("⤷ {state}{item} caught"),
            "FaultInjected" => format!("⚡ fault: {}", self.cause.as_deref().unwrap_or_default()),
            "ApprovalRequested" => format!("? approval {}", self.cause.as_deref().unwrap_or_default()),
            _ => return None,
        };
        Some(format!("{:>9} {:<24} {what}", format_virtual(self.virtual_time), self.execution))
    }
}

/// Virtual time as a person reads it: 42.0s, 61m 5s, 26h 3m.
pub fn format_virtual(seconds: f64) -> String {
    let whole = seconds.max(0.0) as u64;
    match whole {
        0..60 => format!("{seconds:.1}s"),
        60..3600 => format!("{}m{:02}s", whole / 60, whole % 60),
        _ => format!("{}h{:02}m", whole / 3600, whole % 3600 / 60),
    }
}
