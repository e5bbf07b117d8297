//! The next wave: its image (the newest baked for its recipe), the update's input and its load test.

use contract::machines::patch::WavePlan;
use contract::machines::update;

use crate::{ActivityError, Clients};

pub use contract::activities::checks::plan_wave::{Images, Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<WavePlan, ActivityError> {
    let wave = input
        .plan
        .waves
        .get(input.index as usize)
        .cloned()
        .ok_or_else(|| ActivityError::invalid_input("index", format!("there is no wave {}", input.index)))?;
    let image_id = input.images.by_recipe.get(&wave.recipe).cloned().ok_or_else(|| {
        ActivityError::not_found(format!("no baked image of recipe {} for wave {}", wave.recipe, wave.name))
    })?;
    let update_input = update::Input {
        image_id: image_id.clone(),
        recipe: wave.groups.is_empty().then(|| wave.recipe.clone()),
        groups: wave.groups.clone(),
        // A wave that takes the rest of its recipe's groups leaves those of earlier waves alone.
        except_groups: match wave.groups.is_empty() {
            true => input.plan.taken_before(input.index as usize).into_iter().collect(),
            false => Vec::new(),
        },
        start_cycle: true,
        cycle: input.plan.cycle.clone(),
        shared_templates: input.plan.shared_templates,
        topic_arn: input.plan.topics.cycle.clone(),
        dry_run: false,
    };
    Ok(WavePlan {
        name: wave.name,
        approval: wave.approval,
        tolerated_failures: wave.tolerated_failures,
        image_id,
        update_input,
        validate_input: wave.validate,
    })
}
