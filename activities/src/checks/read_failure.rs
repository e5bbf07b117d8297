//! What a failed child execution (or any caught failure) was, in words, whatever its shape.
//!
//! A `startExecution.sync` task that fails has the child's DescribeExecution as its cause: a failed
//! child's carries its Error and Cause, an aborted or timed-out child's only its Status; a start that
//! never happened (`StepFunctions.ExecutionLimitExceeded`) has a plain sentence. Reading any of them
//! with `States.StringToJson` in the machine raises States.Runtime, which nothing can catch.

use serde_json::Value;

use crate::{ActivityError, Clients};

pub use contract::activities::checks::read_failure::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Output, ActivityError> {
    Ok(read(input))
}

fn read(input: Input) -> Output {
    let cause = input.cause.unwrap_or_default();
    let Ok(Value::Object(described)) = serde_json::from_str::<Value>(&cause) else {
        return Output { error: input.error, reason: cause };
    };
    let field = |name: &str| described.get(name).and_then(Value::as_str).map(str::to_owned);
    let execution = field("ExecutionArn").unwrap_or_else(|| "the child execution".into());
    match (field("Error"), field("Cause"), field("Status")) {
        (Some(error), cause, _) => Output { error, reason: cause.unwrap_or_default() },
        (None, _, Some(status)) => Output { error: input.error, reason: format!("{execution} ended {status}") },
        (None, _, None) => Output { error: input.error, reason: cause },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_of(error: &str, cause: Option<Value>) -> Output {
        let cause = cause.map(|c| if let Value::String(text) = c { text } else { c.to_string() });
        read(Input { error: error.into(), cause })
    }

    #[test]
    fn a_failed_child_gives_its_own_error_and_cause() {
        let described =
            json!({ "ExecutionArn": "arn:x", "Status": "FAILED", "Error": "Tuesday.Aws", "Cause": "denied" });
        let read = read_of("States.TaskFailed", Some(described));
        assert_eq!(read, Output { error: "Tuesday.Aws".into(), reason: "denied".into() });
    }

    #[test]
    fn an_aborted_or_timed_out_child_is_named_with_its_status() {
        for status in ["ABORTED", "TIMED_OUT"] {
            let read = read_of("States.TaskFailed", Some(json!({ "ExecutionArn": "arn:child", "Status": status })));
            assert_eq!(read, Output { error: "States.TaskFailed".into(), reason: format!("arn:child ended {status}") });
        }
    }

    #[test]
    fn a_cause_that_is_not_json_is_the_reason_itself() {
        let read = read_of("StepFunctions.ExecutionLimitExceeded", Some(json!("Maximum number of running executions")));
        assert_eq!(read.error, "StepFunctions.ExecutionLimitExceeded");
        assert_eq!(read.reason, "Maximum number of running executions");
        assert_eq!(read_of("States.Timeout", None).reason, "");
    }
}
