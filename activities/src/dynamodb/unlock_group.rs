//! Release a group's lock, if this execution holds it: delete the record on that condition.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{condition_failed, require, KEY};
use crate::{ActivityError, Clients};

pub use contract::activities::dynamodb::unlock_group::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["dynamodb:DeleteItem"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require(&input.table, &input.group_name, &input.owner)?;
    let deleted = clients
        .dynamodb
        .delete_item()
        .table_name(&input.table)
        .key(KEY, AttributeValue::S(input.group_name.clone()))
        .condition_expression("#owner = :owner")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":owner", AttributeValue::S(input.owner.clone()))
        .send()
        .await;
    match deleted {
        Ok(_) => Ok(Output { released: true }),
        // No record, or another execution's.
        Err(error) if condition_failed(&error) => Ok(Output { released: false }),
        Err(error) => Err(error.into()),
    }
}
