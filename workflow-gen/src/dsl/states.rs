//! Builder methods on the ASL model, so a state reads as one expression:
//! `Wait::seconds(60)`, `Fail::with("Tuesday.Timeout", "...")`, `task.result_path("$.image")`.

use serde_json::{json, Value};

use crate::asl::{Catcher, Fail, Pass, ResultPath, Retrier, Succeed, Task, Wait};

impl Task {
    pub fn new(resource: impl Into<String>) -> Self {
        Task { resource: resource.into(), ..Task::default() }
    }

    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    pub fn input_path(mut self, path: impl Into<String>) -> Self {
        self.input_path = Some(path.into());
        self
    }

    pub fn parameters(mut self, parameters: Value) -> Self {
        self.parameters = Some(parameters);
        self
    }

    pub fn result_selector(mut self, selector: Value) -> Self {
        self.result_selector = Some(selector);
        self
    }

    pub fn result_path(mut self, path: impl Into<String>) -> Self {
        self.result_path = ResultPath::at(path);
        self
    }

    /// Keep the state's input as its output; the task runs for its effect.
    pub fn discard_result(mut self) -> Self {
        self.result_path = Some(ResultPath::Discard);
        self
    }

    pub fn output_path(mut self, path: impl Into<String>) -> Self {
        self.output_path = Some(path.into());
        self
    }

    pub fn timeout_seconds(mut self, seconds: u64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    pub fn timeout_seconds_path(mut self, path: impl Into<String>) -> Self {
        self.timeout_seconds_path = Some(path.into());
        self
    }

    pub fn heartbeat_seconds(mut self, seconds: u64) -> Self {
        self.heartbeat_seconds = Some(seconds);
        self
    }

    pub fn retry(mut self, retrier: Retrier) -> Self {
        self.retry.push(retrier);
        self
    }

    /// Go to `next` on any of `errors`, with the error under `$.error` beside the input.
    pub fn catch<S: AsRef<str>>(self, errors: &[S], next: impl AsRef<str>) -> Self {
        self.catch_into(errors, "$.error", next)
    }

    pub fn catch_into<S: AsRef<str>>(mut self, errors: &[S], result_path: &str, next: impl AsRef<str>) -> Self {
        self.catch.push(catcher(errors, result_path, next));
        self
    }
}

pub(crate) fn catcher<S: AsRef<str>>(errors: &[S], result_path: &str, next: impl AsRef<str>) -> Catcher {
    Catcher {
        error_equals: errors.iter().map(|e| e.as_ref().to_owned()).collect(),
        result_path: Some(ResultPath::At(result_path.to_owned())),
        next: next.as_ref().to_owned(),
    }
}

impl Pass {
    pub fn new() -> Self {
        Pass::default()
    }

    /// A Pass that writes a fixed `result` at `path`.
    pub fn result_at(path: impl Into<String>, result: Value) -> Self {
        Pass { result: Some(result), result_path: ResultPath::at(path), ..Pass::default() }
    }

    /// A Pass that writes the evaluated `parameters` at `path`.
    pub fn set(path: impl Into<String>, parameters: Value) -> Self {
        Pass { parameters: Some(parameters), result_path: ResultPath::at(path), ..Pass::default() }
    }

    /// Raises `error` the way a Catch would leave it (at `$.error`), for a failure path to handle.
    pub fn error(error: &str, cause: impl Into<String>) -> Self {
        Pass::set("$.error", json!({ "Error": error, "Cause": cause.into() }))
    }

    /// As `error`, with the cause computed from the state data (`States.Format(...)`).
    pub fn error_from(error: &str, cause: impl Into<String>) -> Self {
        Pass::set("$.error", json!({ "Error": error, "Cause.$": cause.into() }))
    }

    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    pub fn output_path(mut self, path: impl Into<String>) -> Self {
        self.output_path = Some(path.into());
        self
    }
}

impl Wait {
    pub fn seconds(seconds: u64) -> Self {
        Wait { seconds: Some(seconds), ..Wait::default() }
    }

    pub fn seconds_path(path: impl Into<String>) -> Self {
        Wait { seconds_path: Some(path.into()), ..Wait::default() }
    }

    pub fn timestamp(timestamp: impl Into<String>) -> Self {
        Wait { timestamp: Some(timestamp.into()), ..Wait::default() }
    }

    pub fn timestamp_path(path: impl Into<String>) -> Self {
        Wait { timestamp_path: Some(path.into()), ..Wait::default() }
    }

    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

impl Succeed {
    pub fn new() -> Self {
        Succeed::default()
    }
}

impl Fail {
    pub fn with(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Fail { error: Some(error.into()), cause: Some(cause.into()), ..Fail::default() }
    }

    /// Fail with a fixed error and a cause read from the state's input.
    pub fn with_cause_path(error: impl Into<String>, cause_path: impl Into<String>) -> Self {
        Fail { error: Some(error.into()), cause_path: Some(cause_path.into()), ..Fail::default() }
    }

    /// Fail with the error and cause found in the state's input, as a Catch left them.
    pub fn from_paths(error_path: impl Into<String>, cause_path: impl Into<String>) -> Self {
        Fail { error_path: Some(error_path.into()), cause_path: Some(cause_path.into()), ..Fail::default() }
    }
}
