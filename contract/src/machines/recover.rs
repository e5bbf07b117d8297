//! recover: put a group back from its lock record, or finish the cycle that left it, and release it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cycle::{Phase, Plan, Terminating};

/// Which lock to recover: a group's (`tuesday recover <group>`), or the one an execution held (the
/// rule that starts a recovery when a cycle ends without releasing its lock). One of the two.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    pub group_name: Option<String>,
    /// An execution ARN: its lock, if it left one.
    pub held_by: Option<String>,
}

/// The lock a recovery took over from an execution that has ended, with what that execution recorded.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// False when there is no such lock: nothing to recover.
    pub found: bool,
    pub group_name: Option<String>,
    /// The execution that held the lock.
    pub held_by: Option<String>,
    pub phase: Option<Phase>,
    /// The cycle's plan: the snapshot to put back, the old instances, the launch template to restore.
    pub plan: Option<Plan>,
    /// The batch whose old instances were going, when the phase is `terminating`.
    pub batch: Option<Terminating>,
}
