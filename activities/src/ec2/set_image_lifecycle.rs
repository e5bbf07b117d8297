//! A baked image's lifecycle as its recipe asks: a deprecation time some days ahead (launches go on
//! working; AWS only stops listing a deprecated image to other accounts), and protection from
//! deregistration, which retention then respects.

use std::time::{Duration, SystemTime};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use contract::machines::bake::DeregistrationProtection;

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::set_image_lifecycle::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:EnableImageDeprecation", "ec2:EnableImageDeregistrationProtection"];

/// The furthest ahead AWS deprecates a private image
/// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeprecation.html).
const LONGEST_DEPRECATION_DAYS: u32 = 3650;

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let deprecation_time = match input.deprecate_after_days {
        Some(days) if days == 0 || days > LONGEST_DEPRECATION_DAYS => {
            return Err(ActivityError::invalid_input(
                "deprecateAfterDays",
                format!("{days}: give 1 to {LONGEST_DEPRECATION_DAYS} days"),
            ))
        }
        Some(days) => {
            let at = DateTime::from(SystemTime::now() + Duration::from_secs(u64::from(days) * 86_400));
            clients.ec2.enable_image_deprecation().image_id(&input.image_id).deprecate_at(at).send().await?;
            at.fmt(Format::DateTime).ok()
        }
        None => None,
    };
    let cooldown = match input.deregistration_protection {
        DeregistrationProtection::Off => None,
        DeregistrationProtection::On => Some(false),
        DeregistrationProtection::OnWithCooldown => Some(true),
    };
    if let Some(cooldown) = cooldown {
        clients
            .ec2
            .enable_image_deregistration_protection()
            .image_id(&input.image_id)
            .with_cooldown(cooldown)
            .send()
            .await?;
    }
    Ok(Output { deprecation_time, deregistration_protection: input.deregistration_protection })
}
