//! Start EC2 Auto Scaling's own instance refresh to a numbered launch template version, the group
//! left as it is until the refresh succeeds: never below the desired capacity (MinHealthy 100,
//! MaxHealthy 200), instances already on that version skipped, rolled back by AWS if it fails.

use aws_sdk_autoscaling::types::{
    AlarmSpecification, DesiredConfiguration, LaunchTemplateSpecification, RefreshPreferences,
};

use super::require_group_name;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::start_instance_refresh::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:StartInstanceRefresh"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    require_group_name(&input.group_name)?;
    let preferences = RefreshPreferences::builder()
        .min_healthy_percentage(100)
        .max_healthy_percentage(200)
        .skip_matching(true)
        .auto_rollback(true)
        .instance_warmup(i32::try_from(input.warm_up_seconds).unwrap_or(i32::MAX));
    let preferences = match input.checkpoints.is_empty() {
        true => preferences,
        false => preferences
            .set_checkpoint_percentages(Some(input.checkpoints.iter().map(|p| *p as i32).collect()))
            .checkpoint_delay(i32::try_from(input.checkpoint_delay_seconds).unwrap_or(i32::MAX)),
    };
    let preferences = match input.alarms.is_empty() {
        true => preferences,
        false => preferences.alarm_specification(AlarmSpecification::builder().set_alarms(Some(input.alarms)).build()),
    };
    let preferences = preferences.build();
    let template =
        LaunchTemplateSpecification::builder().launch_template_id(&input.launch_template_id).version(&input.version);
    let desired = DesiredConfiguration::builder().launch_template(template.build()).build();
    let started = clients
        .autoscaling
        .start_instance_refresh()
        .auto_scaling_group_name(&input.group_name)
        .desired_configuration(desired)
        .preferences(preferences)
        .send()
        .await?;
    Ok(Output {
        instance_refresh_id: started.instance_refresh_id().unwrap_or_default().to_owned(),
        status: "Pending".into(),
        percentage_complete: 0,
        status_reason: None,
    })
}
