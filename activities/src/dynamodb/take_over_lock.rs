//! Take over a lock whose holder has ended, found by group or by holder, and return what the holder
//! recorded: the start of a recovery. A lock whose holder still runs is never taken: its cycle may be
//! terminating instances this very moment.

use aws_sdk_dynamodb::types::AttributeValue;
use contract::machines::cycle::Lock;

use super::{condition_failed, lock_of, owner_status, read_lock, Owner, KEY};
use crate::{ActivityError, Clients};

pub use contract::activities::dynamodb::take_over_lock::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem", "states:DescribeExecution"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let lock = match (&input.request.group_name, &input.request.held_by) {
        (Some(group), None) => {
            crate::autoscaling::require_group_name(group)?;
            read_lock(clients, &input.table, group).await?
        }
        (None, Some(holder)) if !holder.trim().is_empty() => held_by(clients, &input.table, holder).await?,
        _ => return Err(ActivityError::invalid_input("groupName", "give either groupName or heldBy")),
    };
    let Some(lock) = lock else {
        let request = input.request;
        return Ok(Output {
            found: false,
            group_name: request.group_name,
            held_by: request.held_by,
            phase: None,
            plan: None,
            batch: None,
        });
    };
    let group = &lock.group_name;
    // A retried call whose first try took the lock over.
    if lock.owner != input.owner {
        if let Owner::Running = owner_status(clients, &lock.owner).await? {
            return Err(ActivityError::conflict(format!(
                "{group} is locked by {}, which is still running: it is recovered once that execution has ended",
                lock.owner
            )));
        }
        take_over(clients, &input.table, &lock, &input.owner).await?;
    }
    let held_by = lock.recovered_from.clone().unwrap_or(lock.owner);
    Ok(Output {
        found: true,
        group_name: Some(lock.group_name),
        held_by: Some(held_by),
        phase: Some(lock.phase),
        plan: lock.plan,
        batch: lock.batch,
    })
}

/// The lock an execution holds, if any: a scan, as the table holds one record per group being cycled.
async fn held_by(clients: &Clients, table: &str, holder: &str) -> Result<Option<Lock>, ActivityError> {
    let pages = clients
        .dynamodb
        .scan()
        .table_name(table)
        .filter_expression("#owner = :owner")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":owner", AttributeValue::S(holder.to_owned()))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await?;
    pages.first().map(lock_of).transpose()
}

/// Makes `owner` the lock's holder, if the lock is still the one read.
async fn take_over(clients: &Clients, table: &str, lock: &Lock, owner: &str) -> Result<(), ActivityError> {
    let taken = clients
        .dynamodb
        .update_item()
        .table_name(table)
        .key(KEY, AttributeValue::S(lock.group_name.clone()))
        .update_expression("SET #owner = :owner, recoveredFrom = if_not_exists(recoveredFrom, :holder)")
        .condition_expression("#owner = :holder")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":owner", AttributeValue::S(owner.to_owned()))
        .expression_attribute_values(":holder", AttributeValue::S(lock.owner.clone()))
        .send()
        .await;
    match taken {
        Ok(_) => Ok(()),
        Err(error) if condition_failed(&error) => Err(ActivityError::conflict(format!(
            "the lock of {} changed hands as it was taken over: another recovery has it",
            lock.group_name
        ))),
        Err(error) => Err(error.into()),
    }
}
