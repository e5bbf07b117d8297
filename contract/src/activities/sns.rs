//! The sns activities' inputs and outputs, one module per activity.

/// Announce a baked AMI: the new-AMI message (its schema is statemachines/schemas/new-ami.message.schema.json)
/// to the topic; without a topic, the message is still returned.
pub mod announce_new_ami {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::bake::{Mode, NewAmiMessage};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub topic_arn: Option<String>,
        pub recipe: String,
        pub image_id: String,
        pub source_image_id: String,
        pub mode: Mode,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub message: NewAmiMessage,
        pub message_id: Option<String>,
    }
}

/// One digest per run: per recipe the AMIs, per wave and group patched, skipped or failed with the
/// reason and the instances replaced, and the load test of each wave. JSON and text, to the topic.
pub mod publish_digest {
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::Value;

    pub use crate::machines::patch::Digest as Output;

    use crate::machines::patch::WaveSummary;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub topic_arn: Option<String>,
        /// The bake's report (null when the bake never ran).
        pub bake: Value,
        pub waves: Vec<WaveSummary>,
        /// What retention kept and deregistered after the waves (`{ recipes }`), its error
        /// (`{ Error, Cause }`), or null when it did not run.
        #[serde(default)]
        pub retention: Value,
        /// Why the run stopped, if it did.
        pub error: Value,
    }
}

/// Publish a JSON message of a kind (`contract::notifications`) to a topic; without a topic, do
/// nothing and say so.
pub mod publish_message {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub topic_arn: Option<String>,
        pub kind: String,
        pub subject: String,
        pub message: Value,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub message_id: Option<String>,
    }
}
