//! Tasks that call tuesday's own code: a Lambda activity, or a child execution of another machine.

use serde_json::{json, Map, Value};

use crate::asl::{JitterStrategy, Retrier, Task};

pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
pub const START_EXECUTION_SYNC: &str = "arn:aws:states:::states:startExecution.sync:2";
/// Publish to SNS and wait until someone answers with the task token (`$$.Task.Token`).
pub const SNS_PUBLISH_WAIT_FOR_TASK_TOKEN: &str = "arn:aws:states:::sns:publish.waitForTaskToken";

/// The transient Lambda errors every invoke retries, as the AWS CDK's `LambdaInvoke` does
/// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
pub const LAMBDA_TRANSIENT_ERRORS: [&str; 4] = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
];
/// Lambda refused the invoke (concurrency or rate): the function did not run, so another try is safe.
pub const LAMBDA_THROTTLED: &str = "Lambda.TooManyRequestsException";
/// The function failed unhandled (a timeout, out of memory): whether it took effect is unknown.
pub const LAMBDA_UNKNOWN: &str = "Lambda.Unknown";
/// Step Functions refused to start a child: the account's open executions are at their quota.
pub const EXECUTION_LIMIT_EXCEEDED: &str = "StepFunctions.ExecutionLimitExceeded";

/// Invokes the activity `function` (PascalCase, e.g. `ResolveSourceAmi`) with the state's input.
///
/// The function ARN is the definition substitution `${<function>FunctionArn}`. The result is
/// discarded until `returns` names the fields of the activity's output to keep.
pub fn lambda(function: impl AsRef<str>) -> Task {
    let function = function.as_ref();
    Task::new(LAMBDA_INVOKE)
        .parameters(json!({
            "FunctionName": format!("${{{function}FunctionArn}}"),
            "Payload.$": "$",
        }))
        .retry(Retrier::on(&LAMBDA_TRANSIENT_ERRORS, 2, 6, 2.0))
        .retry(backing_off(LAMBDA_THROTTLED))
        .discard_result()
}

/// Many invokes throttled at once (a hundred bees) retry spread out, over about three minutes.
fn backing_off(error: &str) -> Retrier {
    Retrier::on(&[error], 5, 4, 3.0).jitter(JitterStrategy::Full)
}

/// Runs the machine `machine` (PascalCase) as a child execution and waits for it; the result is the
/// child's output, parsed.
pub fn child_execution(machine: &str) -> Task {
    Task::new(START_EXECUTION_SYNC)
        .parameters(json!({
            "StateMachineArn": format!("${{{machine}StateMachineArn}}"),
            "Input.$": "$",
        }))
        .result_selector(json!({ "output.$": "$.Output" }))
        .retry(backing_off(EXECUTION_LIMIT_EXCEEDED))
}

impl Task {
    /// The child execution's input, built of `fields` instead of the whole state data.
    pub fn child_input(mut self, fields: Fields) -> Self {
        if let Some(Value::Object(parameters)) = &mut self.parameters {
            parameters.remove("Input.$");
            parameters.insert("Input".into(), fields.into());
        }
        self
    }
}

/// A payload passed on from the state data: `pick("$.plan", &["groupName"])` is
/// `{ "groupName.$": "$.plan.groupName" }`, and `.and("owner", "$$.Execution.Id")` adds a field from
/// another path.
#[derive(Debug, Clone, Default)]
pub struct Fields(Map<String, Value>);

/// `fields` of the object at `path`, each under its own name.
pub fn pick(path: &str, fields: &[&str]) -> Fields {
    fields.iter().fold(Fields::default(), |picked, field| picked.and(field, &format!("{path}.{field}")))
}

impl Fields {
    /// `field`, read from `path`.
    pub fn and(mut self, field: &str, path: &str) -> Self {
        self.0.insert(format!("{field}.$"), Value::from(path));
        self
    }

    /// `field`, as given (a definition substitution such as `${LockTable}`, say).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.0.insert(field.to_owned(), value.into());
        self
    }
}

impl From<Fields> for Value {
    fn from(fields: Fields) -> Self {
        Value::Object(fields.0)
    }
}

impl Task {
    /// The payload to send instead of the whole state input.
    pub fn payload(mut self, payload: impl Into<Value>) -> Self {
        if let Some(Value::Object(parameters)) = &mut self.parameters {
            parameters.remove("Payload.$");
            parameters.insert("Payload".into(), payload.into());
        }
        self
    }

    /// Sends the object at `path` of the state data as the payload.
    pub fn payload_from(mut self, path: &str) -> Self {
        if let Some(Value::Object(parameters)) = &mut self.parameters {
            parameters.insert("Payload.$".into(), Value::from(path));
        }
        self
    }

    /// Keeps every field of the activity's output type `T` at `path`, unwrapped from the `Payload`
    /// envelope. The activity must always serialise every field (null when unknown).
    pub fn returns_as<T: schemars::JsonSchema>(self, path: &str) -> Self {
        let schema = schemars::schema_for!(T);
        let fields: Vec<&str> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|properties| properties.keys().map(String::as_str).collect())
            .unwrap_or_default();
        self.returns(path, &fields)
    }

    /// Keeps `fields` of the Lambda's payload at `path`: the `Payload` envelope is unwrapped.
    pub fn returns(self, path: &str, fields: &[&str]) -> Self {
        let selector: Map<String, Value> =
            fields.iter().map(|field| (format!("{field}.$"), Value::from(format!("$.Payload.{field}")))).collect();
        self.result_selector(Value::Object(selector)).result_path(path)
    }
}
