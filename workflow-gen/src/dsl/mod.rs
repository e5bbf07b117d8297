//! The builder DSL: named states, chains with legs written in place, scoped catches, bounded polls,
//! and tasks that call tuesday's own code.

mod choice;
mod graph;
mod lambda;
mod poll;
mod states;

pub use choice::{raise, Choice};
pub(crate) use graph::Notes;
pub use graph::{Chain, Graph, Machine, MapState, Node, ParallelState, StateId, DEFAULT_MAP_ITEMS};
pub use lambda::{
    child_execution, lambda, pick, Fields, EXECUTION_LIMIT_EXCEEDED, LAMBDA_INVOKE, LAMBDA_THROTTLED,
    LAMBDA_TRANSIENT_ERRORS, LAMBDA_UNKNOWN, SNS_PUBLISH_WAIT_FOR_TASK_TOKEN, START_EXECUTION_SYNC,
};
pub use poll::Poll;

pub use crate::asl::{all, any, not, var, Condition, Fail, Pass, Retrier, Succeed, Task, Wait};
