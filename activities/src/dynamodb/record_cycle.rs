//! Record how far the cycle has gone, and its plan, in the lock record, if this execution still holds
//! it: what a recovery reads to put the group back or finish the cycle.

use aws_sdk_dynamodb::types::AttributeValue;
use contract::machines::cycle::Phase;

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
    // The plan stays once recorded; the batch going is the terminating phase's alone.
    let mut set = vec!["phase = :phase"];
    if let Some(plan) = &input.plan {
        set.push("#plan = :plan");
        update = update
            .expression_attribute_names("#plan", "plan")
            .expression_attribute_values(":plan", AttributeValue::S(to_json(plan)?));
    }
    let remove = match (&input.batch, input.phase) {
        (Some(batch), Phase::Terminating) => {
            set.push("#batch = :batch");
            update = update.expression_attribute_values(":batch", AttributeValue::S(to_json(batch)?));
            ""
        }
        (None, Phase::Terminating) => {
            return Err(ActivityError::invalid_input("batch", "names the old instances going with phase terminating"))
        }
        (Some(_), _) => return Err(ActivityError::invalid_input("batch", "is recorded with phase terminating only")),
        (None, _) => " REMOVE #batch",
    };
    let update = update
        .expression_attribute_names("#batch", "batch")
        .update_expression(format!("SET {}{remove}", set.join(", ")));
    match update.send().await {
        Ok(_) => Ok(Output { phase: input.phase }),
        Err(error) if condition_failed(&error) => Err(ActivityError::conflict(format!(
            "the lock of {} is no longer held by {}: the cycle stops before changing anything more",
            input.group_name, input.owner
        ))),
        Err(error) => Err(error.into()),
    }
}
