//! What Auto Scaling did to a watched group since the watch began: its scaling activities, with
//! the cause AWS gives (an alarm and the policy it triggered, for a scale-out under load).

use contract::machines::validate::{ScalingActivity, MAX_SCALING_ACTIVITIES};

use super::watch_group::parse;
use crate::{ActivityError, Clients};

pub use contract::activities::autoscaling::scaling_activities::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["autoscaling:DescribeScalingActivities"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    let mut watch = input;
    let Some(first) = watch.samples.first() else {
        return Ok(watch);
    };
    let since = parse(&first.at)?.as_secs_f64();
    let mut pages = clients
        .autoscaling
        .describe_scaling_activities()
        .auto_scaling_group_name(&watch.group_name)
        .into_paginator()
        .send();
    let mut newest_first = Vec::new();
    // Newest first (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeScalingActivities.html):
    // read until the watch's start, or until as many as the state keeps.
    'pages: while let Some(page) = pages.next().await {
        for activity in page?.activities() {
            let seconds = activity.start_time().map(|t| t.as_secs_f64() - since).unwrap_or_default();
            if seconds < 0.0 || newest_first.len() == MAX_SCALING_ACTIVITIES {
                break 'pages;
            }
            newest_first.push(ScalingActivity {
                seconds,
                description: activity.description().unwrap_or_default().to_owned(),
                cause: activity.cause().unwrap_or_default().to_owned(),
                status: activity.status_code().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            });
        }
    }
    newest_first.reverse();
    watch.activities = newest_first;
    Ok(watch)
}
