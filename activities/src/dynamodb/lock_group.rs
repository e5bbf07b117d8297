//! Lock a group for one execution: create its record, which fails if there is one. A record whose
//! owner still runs refuses the cycle; one whose owner has ended is stale, and the group is recovered
//! from it before anything cycles it again.

use contract::machines::cycle::{Lock, Phase};

use super::{condition_failed, item_of, owner_status, read_lock, require, Owner, KEY};
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
        batch: None,
        recovered_from: None,
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
