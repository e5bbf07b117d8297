//! Activities on tuesday's lock table (DynamoDB): one record per group being cycled, created only
//! where there is none, changed and deleted only by the execution that created it. A tag could not
//! do this: Auto Scaling has no compare-and-set, and two cycles checking a tag both see it free.

pub mod lock_group;
pub mod record_cycle;
pub mod take_over_lock;
pub mod unlock_group;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::types::ExecutionStatus;
use contract::machines::cycle::Lock;

use crate::{errors, ActivityError, Clients};

/// The record's key: one lock per group.
const KEY: &str = "groupName";

/// The group's lock record, read consistently; None when the group is not locked.
pub async fn read_lock(clients: &Clients, table: &str, group_name: &str) -> Result<Option<Lock>, ActivityError> {
    let read = clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key(KEY, AttributeValue::S(group_name.to_owned()))
        .consistent_read(true)
        .send()
        .await?;
    read.item().map(lock_of).transpose()
}

/// The lock as the table holds it: plain attributes, the plan as JSON (readable in the console).
fn item_of(lock: &Lock) -> Result<HashMap<String, AttributeValue>, ActivityError> {
    let mut item = HashMap::from([
        (KEY.to_owned(), AttributeValue::S(lock.group_name.clone())),
        ("owner".to_owned(), AttributeValue::S(lock.owner.clone())),
        ("lockedAt".to_owned(), AttributeValue::S(lock.locked_at.clone())),
        ("phase".to_owned(), AttributeValue::S(lock.phase.as_str().to_owned())),
    ]);
    if let Some(plan) = &lock.plan {
        item.insert("plan".to_owned(), AttributeValue::S(to_json(plan)?));
    }
    if let Some(batch) = &lock.batch {
        item.insert("batch".to_owned(), AttributeValue::S(to_json(batch)?));
    }
    if let Some(from) = &lock.recovered_from {
        item.insert("recoveredFrom".to_owned(), AttributeValue::S(from.clone()));
    }
    Ok(item)
}

fn lock_of(item: &HashMap<String, AttributeValue>) -> Result<Lock, ActivityError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let unreadable = |what: &str| ActivityError::new(errors::AWS, format!("the lock record's {what} is unreadable"));
    Ok(Lock {
        group_name: text(KEY).ok_or_else(|| unreadable(KEY))?,
        owner: text("owner").ok_or_else(|| unreadable("owner"))?,
        locked_at: text("lockedAt").unwrap_or_default(),
        phase: text("phase")
            .and_then(|p| serde_json::from_value(serde_json::Value::String(p)).ok())
            .ok_or_else(|| unreadable("phase"))?,
        plan: text("plan").map(|p| serde_json::from_str(&p)).transpose().map_err(|_| unreadable("plan"))?,
        batch: text("batch").map(|b| serde_json::from_str(&b)).transpose().map_err(|_| unreadable("batch"))?,
        recovered_from: text("recoveredFrom"),
    })
}

fn to_json(value: &impl serde::Serialize) -> Result<String, ActivityError> {
    serde_json::to_string(value).map_err(|e| ActivityError::new(errors::AWS, e))
}

/// Is the write refused because its condition did not hold (the lock exists, or is not ours)?
fn condition_failed<E, R>(error: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// A lock request's fields, checked before any call.
fn require(table: &str, group_name: &str, owner: &str) -> Result<(), ActivityError> {
    crate::autoscaling::require_group_name(group_name)?;
    for (field, value) in [("table", table), ("owner", owner)] {
        if value.trim().is_empty() {
            return Err(ActivityError::invalid_input(field, "must not be empty"));
        }
    }
    Ok(())
}

/// Whether a lock's holder may still change the group.
pub(crate) enum Owner {
    Running,
    Ended(String),
}

/// Whether the execution holding a lock still runs. A holder that is not an execution tuesday can
/// see is taken as running: refusing is safe, recovering under a live owner is not.
pub(crate) async fn owner_status(clients: &Clients, owner: &str) -> Result<Owner, ActivityError> {
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
