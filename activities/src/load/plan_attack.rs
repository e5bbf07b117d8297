//! Check a validation's attack and split it across bees (every request and connection kept).

use bees::split::split;
use contract::machines::validate::{AttackPlan, BeeOrder, Watch, WatchGroup, MAX_WATCH_SAMPLES};

use crate::{ActivityError, Clients};

pub use contract::activities::load::plan_attack::{Input, Output};

/// Connections one bee opens at most: Lambda gives a function 1,024 file descriptors
/// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and the runtime holds a few.
const MAX_CONNECTIONS_PER_BEE: u32 = 1000;

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<AttackPlan, ActivityError> {
    plan(&input).map_err(|(field, problem)| ActivityError::invalid_input(field, problem))
}

/// The attack split across bees, or the field that is wrong and why: the patch checks its waves'
/// load tests with it before anything changes.
pub fn plan(input: &Input) -> Result<AttackPlan, (&'static str, String)> {
    if !(input.url.starts_with("http://") || input.url.starts_with("https://")) {
        return Err(("url", format!("'{}': give an http:// or https:// URL", input.url)));
    }
    match (input.rate, input.duration_seconds) {
        (_, Some(seconds)) if seconds.is_nan() || seconds <= 0.0 => {
            return Err(("durationSeconds", "must be more than 0".into()))
        }
        (Some(rate), _) if rate.is_nan() || rate <= 0.0 => return Err(("rate", "must be more than 0".into())),
        (Some(_), None) => return Err(("durationSeconds", "the open model needs a duration".into())),
        _ => {}
    }
    let open = input.rate.zip(input.duration_seconds);
    if let Some(problem) = input.thresholds.max_error_rate_problem() {
        return Err(("thresholds.maxErrorRate", problem));
    }
    // A rate, or a duration alone (the closed model for a time), sets the requests, not `requests`.
    let requests = match input.duration_seconds {
        Some(_) => u64::from(input.concurrency),
        None => input.requests,
    };
    let shares = split(requests, input.concurrency, input.bees).map_err(|refused| (refused.field, refused.problem))?;
    if input.concurrency.div_ceil(input.bees) > MAX_CONNECTIONS_PER_BEE {
        let most = u64::from(MAX_CONNECTIONS_PER_BEE) * u64::from(input.bees);
        return Err((
            "concurrency",
            format!("{} connections from {} bees is more than {most}: a bee opens {MAX_CONNECTIONS_PER_BEE} at most (Lambda allows a function 1,024 file descriptors); add bees", input.concurrency, input.bees),
        ));
    }
    let orders = shares
        .into_iter()
        .map(|(requests, concurrency)| BeeOrder {
            url: input.url.clone(),
            ca_cert_pem: input.ca_cert_pem.clone(),
            insecure: input.insecure,
            method: input.method.clone(),
            headers: input.headers.clone(),
            body: input.body.clone(),
            timeout_ms: input.timeout_ms,
            sticky_header: input.sticky_header.clone(),
            requests,
            concurrency,
            rate: open.map(|(rate, _)| rate * f64::from(concurrency) / f64::from(input.concurrency)),
            duration_seconds: input.duration_seconds,
        })
        .collect();
    let watch = input.watch_group.as_ref().map(|group| watch(group, input.duration_seconds)).transpose()?;
    Ok(AttackPlan { orders, thresholds: input.thresholds.clone(), watch })
}

/// The group to watch while an attack of `duration_seconds` lasts: a look at the start, then one
/// every `pollSeconds` until the attack ends or, if later, until the scale-out is due. `tuesday bees
/// attack --watch-group` plans its watch with it too.
pub fn watch(group: &WatchGroup, duration_seconds: Option<f64>) -> Result<Watch, (&'static str, String)> {
    if group.name.trim().is_empty() {
        return Err(("watchGroup.name", "must not be empty".into()));
    }
    let Some(duration) = duration_seconds else {
        return Err(("durationSeconds", "watching a group needs a sustained attack: give durationSeconds".into()));
    };
    if group.poll_seconds == 0 {
        return Err(("watchGroup.pollSeconds", "must be at least 1".into()));
    }
    let due = group.expect_scale_out.as_ref().map(|expect| f64::from(expect.within_seconds));
    if due == Some(0.0) {
        return Err(("watchGroup.expectScaleOut.withinSeconds", "must be at least 1".into()));
    }
    let watched = duration.max(due.unwrap_or(0.0));
    let looks = (watched / f64::from(group.poll_seconds)).ceil() + 1.0;
    if looks > f64::from(MAX_WATCH_SAMPLES) {
        return Err((
            "watchGroup.pollSeconds",
            format!(
                "{watched} s every {} s is {looks} looks, more than {MAX_WATCH_SAMPLES}: look less often",
                group.poll_seconds
            ),
        ));
    }
    Ok(Watch {
        group_name: group.name.clone(),
        poll_seconds: group.poll_seconds,
        samples_wanted: looks as u32,
        expect_scale_out: group.expect_scale_out.clone(),
        samples: Vec::new(),
        done: false,
        activities: Vec::new(),
    })
}
