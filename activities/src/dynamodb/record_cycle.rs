//! Record how far the cycle has gone, and its plan, in the lock record, if this execution still holds
//! it: what a recovery reads to put the group back or finish the cycle.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{condition_failed, require, to_json, KEY};
use crate::{ActivityError, Clients};

pub use contract::activities::dynamodb::record_cycle::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["dynamodb:UpdateItem"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require(&input.table, &input.group_name, &input.owner)?;
    let mut update = clients
        .dynamodb
        .update_item()
        .table_name(&input.table)
        .key(KEY, AttributeValue::S(input.group_name.clone()))
        .condition_expression("#owner = :owner")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":owner", AttributeValue::S(input.owner.clone()))
        .expression_attribute_values(":phase", AttributeValue::S(input.phase.as_str().to_owned()));
    update = match &input.plan {
        Some(plan) => update
            .update_expression("SET phase = :phase, #plan = :plan")
            .expression_attribute_names("#plan", "plan")
            .expression_attribute_values(":plan", AttributeValue::S(to_json(plan)?)),
        None => update.update_expression("SET phase = :phase"),
    };
    match update.send().await {
        Ok(_) => Ok(Output { phase: input.phase }),
        Err(error) if condition_failed(&error) => Err(ActivityError::conflict(format!(
            "the lock of {} is no longer held by {}: the cycle stops before changing anything more",
            input.group_name, input.owner
        ))),
        Err(error) => Err(error.into()),
    }
}
