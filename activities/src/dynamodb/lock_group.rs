//! Lock a group for one execution: create its record, which fails if there is one. A record whose
//! owner still runs refuses the cycle; one whose owner has ended is stale, and the group is recovered
//! from it before anything cycles it again.

use aws_sdk_sfn::types::ExecutionStatus;
use contract::machines::cycle::{Lock, Phase};

use super::{condition_failed, item_of, read_lock, require, KEY};
use crate::{errors, ActivityError, Clients};

pub use contract::activities::dynamodb::lock_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["dynamodb:GetItem", "dynamodb:PutItem", "states:DescribeExecution"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require(&input.table, &input.group_name, &input.owner)?;
    let lock = Lock {
        group_name: input.group_name.clone(),
        owner: input.owner.clone(),
        locked_at: crate::autoscaling::now(),
        phase: Phase::Locked,
        plan: None,
    };
    let created = clients
        .dynamodb
        .put_item()
        .table_name(&input.table)
        .set_item(Some(item_of(&lock)?))
        .condition_expression("attribute_not_exists(#key)")
        .expression_attribute_names("#key", KEY)
        .send()
        .await;
    match created {
        Ok(_) => return Ok(Output { locked: true, locked_at: lock.locked_at }),
        Err(error) if condition_failed(&error) => {}
        Err(error) => return Err(error.into()),
    }

    let group = &input.group_name;
    let Some(held) = read_lock(clients, &input.table, group).await? else {
        return Err(ActivityError::new(errors::RETRYABLE, format!("the lock of {group} was released as it was read")));
    };
    // A retried call whose first try took the lock.
    if held.owner == input.owner {
        return Ok(Output { locked: true, locked_at: held.locked_at });
    }
    match owner_status(clients, &held.owner).await? {
        Owner::Running => Err(ActivityError::conflict(format!(
            "{group} is already being cycled by {} (locked at {}); it was left untouched",
            held.owner, held.locked_at
        ))),
        Owner::Ended(how) => Err(ActivityError::new(
            errors::STALE_LOCK,
            format!(
                "{group} is locked by {}, which {how}, at phase {:?} of its cycle: the group is recovered from its lock record before it is cycled again",
                held.owner, held.phase
            ),
        )),
    }
}

enum Owner {
    Running,
    Ended(String),
}

/// Whether the execution holding a lock still runs. A holder that is not an execution tuesday can
/// see is taken as running: refusing is safe, recovering under a live owner is not.
async fn owner_status(clients: &Clients, owner: &str) -> Result<Owner, ActivityError> {
    let described = clients.sfn.describe_execution().execution_arn(owner).send().await;
    match described {
        Ok(execution) => Ok(match execution.status() {
            ExecutionStatus::Running | ExecutionStatus::PendingRedrive => Owner::Running,
            status => Owner::Ended(format!("ended {}", status.as_str())),
        }),
        // Step Functions keeps an ended execution for 90 days: one it no longer knows is long over.
        Err(error) if error.as_service_error().is_some_and(|e| e.is_execution_does_not_exist()) => {
            Ok(Owner::Ended("no longer exists".to_owned()))
        }
        Err(error) if error.as_service_error().is_some_and(|e| e.is_invalid_arn()) => Ok(Owner::Running),
        Err(error) => Err(error.into()),
    }
}
