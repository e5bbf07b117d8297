//! `tuesday bees attack --watch-group`: the watch of a group beside the bees, as the validate
//! machine's watch branch does it, with the same activities (a look, then the scaling activities),
//! here on a timer of real seconds.

use std::time::{Duration, SystemTime};

use activities::autoscaling::{scaling_activities, watch_group};
use activities::Clients;
use anyhow::Context;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use bees::elasticity::Watch;
use contract::machines::validate::{ExpectScaleOut, WatchGroup};

use crate::args::{AwsArgs, WatchArgs};
use tuesday::usage;

/// The watch as asked, checked, with the clients it looks through; None without --watch-group.
pub async fn planned(args: WatchArgs, duration: Option<Duration>) -> anyhow::Result<Option<(Clients, Watch)>> {
    let Some(name) = args.watch_group else { return Ok(None) };
    let group = WatchGroup {
        name,
        poll_seconds: args.poll.as_secs_f64().ceil().max(1.0) as u32,
        expect_scale_out: args
            .expect_scale_out_within
            .map(|within| ExpectScaleOut { within_seconds: within.as_secs_f64().ceil().max(1.0) as u32 }),
    };
    let watch = activities::load::plan_attack::watch(&group, duration.map(|d| d.as_secs_f64()))
        .map_err(|(field, problem)| usage!("{}: {problem}", flag(field)))?;
    let account = AwsArgs { profile: args.profile, region: args.region, endpoint_url: args.endpoint_url };
    let config = crate::aws::config(&account).await?;
    Ok(Some((Clients::new(&config), watch)))
}

/// Looks at the group until the watch has taken its looks (or the attack is stopped), then reads
/// what Auto Scaling did meanwhile.
pub async fn run(clients: Clients, mut watch: Watch, stopped: impl Fn() -> bool) -> anyhow::Result<Watch> {
    let every = Duration::from_secs(u64::from(watch.poll_seconds));
    loop {
        let at = DateTime::from(SystemTime::now()).fmt(Format::DateTime).context("the time now")?;
        watch = watch_group::handle(&clients, watch_group::Input { watch, at })
            .await
            .with_context(|| "--watch-group: looking at the group".to_owned())?;
        if watch.done || stopped() {
            break;
        }
        tokio::time::sleep(every).await;
    }
    scaling_activities::handle(&clients, watch).await.context("--watch-group: reading its scaling activities")
}

fn flag(field: &str) -> &str {
    match field {
        "watchGroup.name" => "--watch-group",
        "watchGroup.pollSeconds" => "--poll",
        "watchGroup.expectScaleOut.withinSeconds" => "--expect-scale-out-within",
        "durationSeconds" => "-z/--duration",
        other => other,
    }
}
