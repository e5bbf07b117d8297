//! The event log of a local run, and the readable progress line of each event.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The execution: the machine's name, and for a child execution its parent's path too.
    pub execution: String,
    pub virtual_time: f64,
    /// The history event's type (`TaskStateEntered`, `LambdaFunctionFailed`, ...), or the local
    /// stack's own (`FaultInjected`, `ApprovalRequested`).
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
    /// AWS's history event as the engine recorded it, inputs and outputs included.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Event {
    /// An event of the engine: AWS's history event, the state it happened in and its Map item.
    pub fn from_engine(
        execution: &str,
        virtual_time: f64,
        state: Option<String>,
        index: Option<u64>,
        event: Value,
    ) -> Event {
        let details =
            event.as_object().into_iter().flatten().find(|(key, _)| key.ends_with("EventDetails")).map(|(_, v)| v);
        let text = |key: &str| details.and_then(|d| d[key].as_str()).map(str::to_owned);
        let named = details.and_then(|d| d["name"].as_str()).map(str::to_owned);
        Event {
            execution: execution.to_owned(),
            virtual_time,
            kind: event["type"].as_str().unwrap_or("Unknown").to_owned(),
            state: named.or(state),
            index,
            error: text("error"),
            cause: text("cause"),
            detail: event,
        }
    }

    /// Something the local stack did that is not in AWS's history: a fault, an approval asked for.
    pub fn note(kind: &str, virtual_time: f64, text: String) -> Event {
        Event {
            execution: String::new(),
            virtual_time,
            kind: kind.to_owned(),
            state: None,
            index: None,
            error: None,
            cause: Some(text),
            detail: Value::Null,
        }
    }

    /// The event as AWS's GetExecutionHistory shows it, with the execution it belongs to (for a
    /// note of the local stack's: its type and text).
    pub fn history_json(&self) -> Value {
        let mut event = match &self.detail {
            Value::Object(_) => self.detail.clone(),
            _ => serde_json::json!({ "type": self.kind, "cause": self.cause }),
        };
        event["execution"] = Value::String(self.execution.clone());
        event
    }

    /// One line for a person watching, or None for events that add nothing to read.
    pub fn progress_line(&self) -> Option<String> {
        let state = self.state.as_deref().unwrap_or_default();
        let item = self.index.map(|i| format!(" [{i}]")).unwrap_or_default();
        let error = self.error.as_deref().unwrap_or("?");
        let failure = || format!("{error}: {}", self.cause.as_deref().map(lambda_message).unwrap_or_default());
        let kind = self.kind.as_str();
        let what = match kind {
            "ExecutionStarted" => "started".to_owned(),
            "ExecutionSucceeded" => "succeeded".to_owned(),
            // Its cause was told as the task failed, and the run's result tells it again.
            "ExecutionFailed" => format!("FAILED {error}"),
            "ExecutionAborted" => "stopped".to_owned(),
            "TaskFailed" | "LambdaFunctionFailed" => format!("✗ {state}{item} {}", failure()),
            "FaultInjected" => format!("⚡ fault: {}", self.cause.as_deref().unwrap_or_default()),
            "ApprovalRequested" => format!("? approval {}", self.cause.as_deref().unwrap_or_default()),
            _ if kind.ends_with("StateEntered") => format!("→ {state}{item}"),
            _ => return None,
        };
        Some(format!("{:>9} {:<24} {what}", format_virtual(self.virtual_time), self.execution))
    }
}

/// A Lambda function's failure as its cause holds it (`{"errorType", "errorMessage"}`): the message.
fn lambda_message(cause: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(cause)
        .ok()
        .and_then(|c| c["errorMessage"].as_str().map(str::to_owned));
    message.unwrap_or_else(|| cause.to_owned())
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
