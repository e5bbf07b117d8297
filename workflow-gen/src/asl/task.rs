use serde::Serialize;
use serde_json::Value;

use super::{Num, ResultPath, Transition};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_seconds_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    #[serde(flatten)]
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    pub error_equals: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_rate: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delay_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter_strategy: Option<JitterStrategy>,
}

impl Retrier {
    /// Retry `errors` with the given interval, attempts and backoff.
    pub fn on<S: AsRef<str>>(errors: &[S], interval_seconds: u64, max_attempts: u32, backoff_rate: f64) -> Self {
        Retrier {
            error_equals: errors.iter().map(|e| e.as_ref().to_owned()).collect(),
            interval_seconds: Some(interval_seconds),
            max_attempts: Some(max_attempts),
            backoff_rate: Some(Num(backoff_rate)),
            max_delay_seconds: None,
            jitter_strategy: None,
        }
    }

    pub fn max_delay_seconds(mut self, seconds: u64) -> Self {
        self.max_delay_seconds = Some(seconds);
        self
    }

    pub fn jitter(mut self, strategy: JitterStrategy) -> Self {
        self.jitter_strategy = Some(strategy);
        self
    }

    /// Attempts the runtime makes when `MaxAttempts` is left out.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(3)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JitterStrategy {
    Full,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    pub error_equals: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<ResultPath>,
    pub next: String,
}
