//! The states that shape the flow rather than call anything: Pass, Wait, Succeed, Fail, Parallel, Map.

use serde::Serialize;
use serde_json::Value;

use super::{Catcher, ResultPath, Retrier, StateMachine, Transition};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(flatten)]
    pub transition: Transition,
}

/// Exactly one of the four durations must be set; the model allows more so that validation can name
/// the state that got it wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Wait {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(flatten)]
    pub transition: Transition,
}

impl Wait {
    pub fn durations_set(&self) -> usize {
        [self.seconds.is_some(), self.seconds_path.is_some(), self.timestamp.is_some(), self.timestamp_path.is_some()]
            .into_iter()
            .filter(|set| *set)
            .count()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Succeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parallel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    pub branches: Vec<StateMachine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    #[serde(flatten)]
    pub transition: Transition,
}

/// A Map: inline, its items run in this execution's history; distributed, as a map run of child
/// executions, reading its items with an ItemReader and writing its results with a ResultWriter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Map {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_reader: Option<ItemReader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_selector: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency_path: Option<String>,
    pub item_processor: ItemProcessor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_writer: Option<ResultWriter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    #[serde(flatten)]
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemProcessor {
    pub processor_config: ProcessorConfig,
    #[serde(flatten)]
    pub machine: StateMachine,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorConfig {
    pub mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_type: Option<&'static str>,
}

impl ProcessorConfig {
    pub const INLINE: ProcessorConfig = ProcessorConfig { mode: "INLINE", execution_type: None };
    /// Each item a child execution of its own, with its own history.
    pub const DISTRIBUTED: ProcessorConfig = ProcessorConfig { mode: "DISTRIBUTED", execution_type: Some("STANDARD") };
}

/// Where a Distributed Map reads its items: an S3 object (JSON array or CSV) for now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemReader {
    pub resource: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader_config: Option<Value>,
    pub parameters: Value,
}

impl ItemReader {
    /// A JSON array in `s3://bucket/key` (`JSONPath` fields such as `Key.$` work in `parameters`).
    pub fn s3_json(parameters: Value) -> Self {
        ItemReader {
            resource: "arn:aws:states:::s3:getObject",
            reader_config: Some(serde_json::json!({ "InputType": "JSON" })),
            parameters,
        }
    }

    /// A CSV file whose first line names the columns.
    pub fn s3_csv(parameters: Value) -> Self {
        ItemReader {
            resource: "arn:aws:states:::s3:getObject",
            reader_config: Some(serde_json::json!({ "InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW" })),
            parameters,
        }
    }
}

/// Where a Distributed Map writes its results: `manifest.json` and result files under a prefix.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultWriter {
    pub resource: &'static str,
    pub parameters: Value,
}

impl ResultWriter {
    pub fn s3(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        ResultWriter {
            resource: "arn:aws:states:::s3:putObject",
            parameters: serde_json::json!({ "Bucket": bucket.into(), "Prefix": prefix.into() }),
        }
    }
}
