//! The dynamodb activities' inputs and outputs, one module per activity: the lock table, where each
//! group being cycled has one record (`machines::cycle::Lock`), created only if there is none.

use schemars::JsonSchema;
use serde::Deserialize;

/// A group's lock, and the execution that takes, updates or releases it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LockRequest {
    /// The lock table (the stack's; `${LockTable}` in a machine).
    pub table: String,
    pub group_name: String,
    /// The execution taking, updating or releasing the lock.
    pub owner: String,
}

/// Lock a group for one execution: create its record, which fails if there is one. A record whose
/// owner still runs refuses the cycle (`Tuesday.Conflict`); one whose owner has ended is stale
/// (`Tuesday.StaleLock`): the group may be half-cycled and must be recovered first.
pub mod lock_group {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::LockRequest as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub locked: bool,
        /// When the lock was taken (RFC 3339).
        pub locked_at: String,
    }
}

/// Record how far the cycle has gone, and its plan, in the lock record, if this execution still
/// holds it (`Tuesday.Conflict` if not): what a recovery reads.
pub mod record_cycle {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use crate::machines::cycle::{Phase, Plan, Terminating};

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub table: String,
        pub group_name: String,
        pub owner: String,
        pub phase: Phase,
        /// The plan, when it is recorded (it stays until the lock is released).
        pub plan: Option<Plan>,
        /// The batch whose old instances go, with phase `terminating`; any other phase clears it.
        pub batch: Option<Terminating>,
    }

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        pub phase: Phase,
    }
}

/// Take over a lock whose holder has ended (never one still running: `Tuesday.Conflict`), found by
/// group or by holder, and return what the holder recorded: the start of a recovery.
pub mod take_over_lock {
    use schemars::JsonSchema;
    use serde::Deserialize;

    pub use crate::machines::recover::Found as Output;
    use crate::machines::recover::Input as Request;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Input {
        pub table: String,
        /// The recovering execution: the lock's owner from now on.
        pub owner: String,
        pub request: Request,
    }
}

/// Release a group's lock, if this execution holds it.
pub mod unlock_group {
    use schemars::JsonSchema;
    use serde::Serialize;

    pub use super::LockRequest as Input;

    #[derive(Debug, Serialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Output {
        /// False when the lock was not this execution's: another execution's lock is never released.
        pub released: bool,
    }
}
