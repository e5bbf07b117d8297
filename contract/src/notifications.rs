//! What tuesday publishes to its notifications topic, named by the `kind` message attribute, so a
//! subscriber can take only the kinds it wants (an SNS filter policy on `kind`).

/// The message attribute naming a message's kind.
pub const KIND_ATTRIBUTE: &str = "kind";

/// A baked image is ready (`statemachines/schemas/new-ami.message.schema.json`).
pub const NEW_AMI: &str = "new-ami";
/// A group's cycle was requested or reached a milestone.
pub const CYCLE: &str = "cycle";
/// A wave waits for a person: the message carries the task token to answer.
pub const APPROVAL: &str = "approval";
/// The patch's outcome: every wave, group and bake.
pub const DIGEST: &str = "digest";

pub const ALL: [&str; 4] = [NEW_AMI, CYCLE, APPROVAL, DIGEST];
