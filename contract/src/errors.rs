//! The error names tuesday's activities raise and its machines match in Retry and Catch.
//!
//! One list for both sides, so a typo fails to compile. Names are exact and case-sensitive, and never
//! begin with `States.` (reserved for the runtime: see `asl::errors`).

/// The input is wrong; the cause names the field. Never retried.
pub const INVALID_INPUT: &str = "Tuesday.InvalidInput";
/// A resource the input names does not exist (a parameter, an image, a group).
pub const NOT_FOUND: &str = "Tuesday.NotFound";
/// AWS asked us to slow down. Retried with backoff.
pub const THROTTLED: &str = "Tuesday.Throttled";
/// A transient failure worth another try (a timeout, a 5xx).
pub const RETRYABLE: &str = "Tuesday.Retryable";
/// The resource is in a state that forbids the call (a group already being cycled).
pub const CONFLICT: &str = "Tuesday.Conflict";
/// New instances did not become healthy in time.
pub const UNHEALTHY: &str = "Tuesday.Unhealthy";
/// The plan found something that makes the change unsafe (Standby or protected instances).
pub const BLOCKED: &str = "Tuesday.Blocked";
/// A load test missed a threshold; the cause is the report.
pub const VALIDATION_FAILED: &str = "Tuesday.ValidationFailed";
/// A wave of a patch had a group that was not patched; later waves do not start.
pub const WAVE_FAILED: &str = "Tuesday.WaveFailed";
/// A person rejected the next wave (`tuesday reject`).
pub const REJECTED: &str = "Tuesday.Rejected";
/// Anything else from AWS; the cause carries AWS's own code and message.
pub const AWS: &str = "Tuesday.Aws";
/// A cycle could not put its group back: the lock stays, naming the execution, for whoever recovers it.
pub const LEFT_LOCKED: &str = "Tuesday.LeftLocked";
/// The pre-termination command failed, or did not end, on an old instance: the cycle rolls back
/// rather than terminate an instance whose command did not run.
pub const COMMAND_FAILED: &str = "Tuesday.CommandFailed";
/// Terminating a batch's old instances failed, perhaps after some went: the cycle keeps every
/// instance, since removing the new ones would shrink the group.
pub const TERMINATION_FAILED: &str = "Tuesday.TerminationFailed";
/// A group's lock is held by an execution that has ended: the group may be half-cycled, and is
/// recovered from the lock record before anything cycles it again.
pub const STALE_LOCK: &str = "Tuesday.StaleLock";

/// Every name above, for checks that a machine only matches names that exist.
pub const ALL: [&str; 15] = [
    INVALID_INPUT,
    NOT_FOUND,
    THROTTLED,
    RETRYABLE,
    CONFLICT,
    UNHEALTHY,
    BLOCKED,
    VALIDATION_FAILED,
    WAVE_FAILED,
    REJECTED,
    AWS,
    LEFT_LOCKED,
    STALE_LOCK,
    COMMAND_FAILED,
    TERMINATION_FAILED,
];

/// Errors worth another try, with backoff: every activity retries them.
pub const TRANSIENT: [&str; 2] = [THROTTLED, RETRYABLE];
