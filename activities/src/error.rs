//! The one error type activities return: a stable name from `contract::errors`, which Retry and
//! Catch match, and a cause an operator can act on.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};
use lambda_runtime::Diagnostic;

use crate::errors;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {cause}")]
pub struct ActivityError {
    /// One of `contract::errors`.
    pub name: &'static str,
    pub cause: String,
}

impl ActivityError {
    pub fn new(name: &'static str, cause: impl fmt::Display) -> Self {
        ActivityError { name, cause: cause.to_string() }
    }

    /// Bad input; `field` is the path of the offending field, such as `source.parameter`.
    pub fn invalid_input(field: &str, problem: impl fmt::Display) -> Self {
        Self::new(errors::INVALID_INPUT, format!("{field}: {problem}"))
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Self::new(errors::NOT_FOUND, what)
    }

    pub fn conflict(what: impl fmt::Display) -> Self {
        Self::new(errors::CONFLICT, what)
    }
}

/// AWS error codes that mean "slow down".
const THROTTLING_CODES: [&str; 5] =
    ["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled"];
/// Auto Scaling refusing a change while another is under way: try again shortly
/// (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html#API_UpdateAutoScalingGroup_Errors).
const BUSY_CODES: [&str; 2] = ["ScalingActivityInProgress", "ResourceContention"];

impl<E, R> From<SdkError<E, R>> for ActivityError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug,
{
    fn from(error: SdkError<E, R>) -> Self {
        match &error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let code = err.code().unwrap_or("Unknown");
                let message = err.message().unwrap_or_default();
                let cause = format!("{code}: {message}");
                if THROTTLING_CODES.contains(&code) {
                    Self::new(errors::THROTTLED, cause)
                } else if BUSY_CODES.contains(&code) {
                    Self::new(errors::RETRYABLE, cause)
                } else if code.ends_with("NotFound")
                    || code.ends_with("NotFoundException")
                    || code.contains(".NotFound")
                    // Auto Scaling's answer for a group that does not exist: "AutoScalingGroup name not found".
                    || (code == "ValidationError" && message.contains("not found"))
                {
                    Self::new(errors::NOT_FOUND, cause)
                } else {
                    Self::new(errors::AWS, cause)
                }
            }
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                Self::new(errors::RETRYABLE, source_chain(&error))
            }
            _ => Self::new(errors::AWS, source_chain(&error)),
        }
    }
}

fn source_chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// What a person should read of a Step Functions cause: a Lambda function's `errorMessage` (Step
/// Functions makes the cause the JSON of errorType, errorMessage and trace), a failed child
/// execution's own cause (the cause is the child's DescribeExecution as JSON), or the text itself.
pub fn message_of(cause: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(cause) {
        Ok(value) => match (value["errorMessage"].as_str(), value["Cause"].as_str()) {
            (Some(message), _) => message.to_owned(),
            (None, Some(inner)) => message_of(inner),
            _ => cause.to_owned(),
        },
        Err(_) => cause.to_owned(),
    }
}

/// In Lambda, the error's name becomes the error type Step Functions matches.
impl From<ActivityError> for Diagnostic {
    fn from(error: ActivityError) -> Self {
        Diagnostic { error_type: error.name.to_owned(), error_message: error.cause }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_reads_the_message_inside_a_lambda_or_child_cause() {
        let lambda = r#"{"errorType":"Tuesday.NotFound","errorMessage":"no group g","trace":[]}"#;
        assert_eq!(message_of(lambda), "no group g");
        let child = serde_json::json!({ "Status": "FAILED", "Error": "Tuesday.NotFound", "Cause": lambda }).to_string();
        assert_eq!(message_of(&child), "no group g");
        assert_eq!(
            message_of("The baked image was not available within an hour."),
            "The baked image was not available within an hour."
        );
        assert_eq!(message_of(r#"{"other": 1}"#), r#"{"other": 1}"#);
    }

    #[test]
    fn diagnostic_carries_the_stable_name_as_its_error_type() {
        let diagnostic = Diagnostic::from(ActivityError::not_found("parameter /aws/service/x"));
        assert_eq!(diagnostic.error_type, "Tuesday.NotFound");
        assert_eq!(diagnostic.error_message, "parameter /aws/service/x");
    }

    #[test]
    fn invalid_input_names_the_field() {
        let error = ActivityError::invalid_input("source.parameter", "must start with /");
        assert_eq!(error.to_string(), "Tuesday.InvalidInput: source.parameter: must start with /");
    }
}
