//! detect: which AWS Windows AMIs are current.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    /// SSM public parameters naming AWS's images, such as
    /// `/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base`.
    #[schemars(length(min = 1))]
    pub parameters: Vec<String>,
}
