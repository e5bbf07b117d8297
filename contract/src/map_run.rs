//! What a Distributed Map with a ResultWriter leaves behind, as AWS writes it
//! (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html): the state's
//! output names a `manifest.json`, which lists result files by the status of their child executions;
//! each file is a JSON array with one entry per execution, its output a JSON string.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where the manifest is: the `ResultWriterDetails` of the Map state's output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Location {
    pub bucket: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Manifest {
    pub result_files: ResultFiles,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub struct ResultFiles {
    #[serde(default)]
    pub succeeded: Vec<ResultFile>,
    #[serde(default)]
    pub failed: Vec<ResultFile>,
    #[serde(default)]
    pub pending: Vec<ResultFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultFile {
    pub key: String,
}

/// One child execution in a result file: tuesday reads its output, or for one that did not
/// succeed (it has none) its input, error and cause.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    pub output: Option<String>,
    pub input: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}
