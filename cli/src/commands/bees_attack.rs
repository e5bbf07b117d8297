//! `tuesday bees attack`: split the attack across bees, run them here, merge their histograms,
//! report, and exit non-zero when a threshold is missed. A live progress line on a terminal (a plain
//! line every few seconds otherwise); Ctrl-C ends the attack with the partial report.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bees::attack::AttackError;
use bees::split::split;
use bees::{Attack, Load, Progress, Report, Tally, Thresholds, Trust};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::CommandResult;
use crate::args::AttackArgs;
use crate::out;
use tuesday::exit;
use tuesday::usage;

/// How often the plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// Open files the process holds beside its connections: stdio, the runtime's, a few spare.
const FILES_BESIDE_CONNECTIONS: u64 = 64;

pub async fn run(args: AttackArgs) -> CommandResult {
    let AttackArgs {
        url,
        requests,
        concurrency,
        bees,
        rate,
        duration,
        headers,
        method,
        body,
        timeout_ms,
        sticky_header,
        ca_cert,
        insecure,
        max_mean_ms,
        min_rps,
        max_error_rate,
        max_p99_ms,
        expect_status,
        json,
        watch,
    } = args;
    if !url.contains("://") {
        return Err(usage!("-u/--url: '{url}' has no scheme; did you mean http://{url} ?"));
    }
    let headers = headers
        .iter()
        .map(|h| h.split_once(':').map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())))
        .collect::<Option<Vec<_>>>()
        .context("-H/--header: give \"Name: value\"")?;
    let ca_pem = match &ca_cert {
        Some(path) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("--ca-cert: reading {}", path.display()))?)
        }
        None => None,
    };
    let trust = Trust { ca_pem, insecure };
    let thresholds = Thresholds { max_mean_ms, min_rps, max_error_rate, max_p99_ms, expect_status };
    if let Some(problem) = thresholds.max_error_rate_problem() {
        return Err(usage!("--max-error-rate: {problem}"));
    }
    let loads = bee_loads(requests, concurrency, bees, rate, duration)?;
    allow_open_files(concurrency)?;
    let watch = super::bees_watch::planned(watch, duration).await?;

    let progress = Arc::new(Progress::new(thresholds.expect_status.clone()));
    let swarm: Vec<_> = loads
        .iter()
        .map(|load| {
            let attack = Attack {
                url: url.clone(),
                method: method.clone(),
                headers: headers.clone(),
                body: body.clone(),
                timeout: Duration::from_millis(timeout_ms),
                sticky_header: sticky_header.clone(),
                trust: trust.clone(),
                load: *load,
            };
            let progress = progress.clone();
            tokio::spawn(async move { attack.run(progress).await })
        })
        .collect();
    // Ctrl-C stops the watch too; until the bees and the watch are done, it is listened for.
    let interrupt = CancellationToken::new();
    let finished = CancellationToken::new();
    let watching = watch.map(|(clients, watch)| {
        let (interrupt, group) = (interrupt.clone(), watch.group_name.clone());
        let run =
            tokio::spawn(async move { super::bees_watch::run(clients, watch, move || interrupt.is_cancelled()).await });
        (group, run)
    });
    let total = loads.iter().map(Load::requests).sum::<Option<u64>>();
    let shown = tokio::spawn(show_progress(progress.clone(), total, duration));
    let interrupted = {
        let (progress, finished) = (progress.clone(), finished.clone());
        tokio::spawn(async move {
            tokio::select! {
                signal = tokio::signal::ctrl_c() => signal.is_ok().then(|| {
                    progress.stop.cancel();
                    interrupt.cancel();
                }).is_some(),
                _ = finished.cancelled() => false,
            }
        })
    };
    let mut tally = Tally::default();
    for bee in swarm {
        tally.merge(&bee.await?.map_err(flag_named)?);
    }
    progress.stop.cancel();
    shown.abort();
    let _ = shown.await;
    let watched = match watching {
        Some((group, watching)) => {
            if !watching.is_finished() {
                eprintln!("the bees are done; still watching {group} for its last looks");
            }
            Some(watching.await??)
        }
        None => None,
    };
    // The bees and the watch are done: the Ctrl-C watcher may stop listening.
    finished.cancel();
    let interrupted = interrupted.await?;

    let mut report = Report::new(&tally, &thresholds);
    if let Some(watch) = &watched {
        report = report.watching(watch);
    }
    if json {
        out::say(serde_json::to_string_pretty(&report)?);
    } else {
        out::say(format_args!("{} attacked {url}\n", swarm_size(bees)));
        if interrupted {
            out::say(format_args!("Interrupted: a partial report of the {} requests that finished\n", report.requests));
        }
        out::write(report.text());
    }
    Ok(match (interrupted, report.passed) {
        (true, _) => exit::code(exit::INTERRUPTED),
        (false, true) => exit::code(exit::SUCCESS),
        (false, false) => exit::code(exit::THRESHOLD_MISSED),
    })
}

/// A bar on a terminal; a plain line every few seconds otherwise (a CI log, a pipe).
async fn show_progress(progress: Arc<Progress>, total: Option<u64>, duration: Option<Duration>) {
    let started = Instant::now();
    let line = |progress: &Progress| {
        let seconds = started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 { progress.done() as f64 / seconds } else { 0.0 };
        format!("{} requests, {rate:.0}/s, {} errors", progress.done(), progress.errors())
    };
    if !std::io::stderr().is_terminal() {
        loop {
            tokio::time::sleep(PLAIN_EVERY).await;
            let of = total.map(|total| format!(" of {total}")).unwrap_or_default();
            eprintln!("{}{of} after {:.0} s", line(&progress), started.elapsed().as_secs_f64());
        }
    }
    let bar = match (total, duration) {
        (Some(total), _) => ProgressBar::new(total).with_style(style("{bar:40} {pos}/{len}  {msg}  {elapsed}")),
        (None, Some(duration)) => {
            ProgressBar::new(duration.as_secs()).with_style(style("{bar:40} {msg}  {elapsed}/{len}s"))
        }
        (None, None) => ProgressBar::new_spinner(),
    };
    // Dropped by `abort` at the end: the bar is cleared, so the report follows on a clean line.
    struct Clear(ProgressBar);
    impl Drop for Clear {
        fn drop(&mut self) {
            self.0.finish_and_clear();
        }
    }
    let bar = Clear(bar);
    loop {
        match total {
            Some(_) => bar.0.set_position(progress.done()),
            None => bar.0.set_position(started.elapsed().as_secs()),
        }
        bar.0.set_message(line(&progress));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("a valid template")
}

/// An attack's refusal, naming the flag rather than the field behind it.
fn flag_named(error: AttackError) -> anyhow::Error {
    let AttackError::Invalid { field, problem } = error;
    usage!("{}: {problem}", flag(field))
}

fn flag(field: &str) -> &str {
    match field {
        "url" => "-u/--url",
        "requests" => "-n/--requests",
        "concurrency" => "-c/--concurrency",
        "bees" => "--bees",
        "method" => "-m/--method",
        "headers" => "-H/--header",
        "stickyHeader" => "--sticky-header",
        "rate" => "--rate",
        "duration" => "-z/--duration",
        other => other,
    }
}

/// Each connection holds a file: raise the soft limit as far as the hard one allows, or refuse.
fn allow_open_files(concurrency: u32) -> anyhow::Result<()> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let needed = u64::from(concurrency) + FILES_BESIDE_CONNECTIONS;
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_none_or(|current| current >= needed) {
        return Ok(());
    }
    if limit.maximum.is_none_or(|maximum| maximum >= needed) {
        let raised = rustix::process::Rlimit { current: Some(needed), maximum: limit.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return Ok(());
        }
    }
    let most = limit.maximum.or(limit.current).unwrap_or_default();
    Err(usage!(
        "-c/--concurrency: {concurrency} connections need about {needed} open files, and this process may open \
         {most} at most (ulimit -n); lower -c or raise the limit"
    ))
}

fn swarm_size(bees: u32) -> String {
    if bees == 1 {
        "1 bee".into()
    } else {
        format!("{bees} bees")
    }
}

/// Each bee's share: n and c split with the remainders kept; for a duration, connections split
/// (and a rate in proportion to them).
fn bee_loads(
    requests: u64,
    concurrency: u32,
    bees: u32,
    rate: Option<f64>,
    duration: Option<Duration>,
) -> anyhow::Result<Vec<Load>> {
    if let Some(rate) = rate {
        if rate.is_nan() || rate <= 0.0 {
            return Err(usage!("--rate: give more than 0 requests per second"));
        }
    }
    let shares = match duration {
        Some(_) => split(u64::from(concurrency), concurrency, bees),
        None => split(requests, concurrency, bees),
    }
    .map_err(|refused| usage!("{}: {}", flag(refused.field), refused.problem))?;
    Ok(shares
        .into_iter()
        .map(|(requests, c)| match (rate, duration) {
            (Some(rate), Some(duration)) => {
                Load::Open { rate: rate * f64::from(c) / f64::from(concurrency), duration, concurrency: c }
            }
            (None, Some(duration)) => Load::ClosedFor { duration, concurrency: c },
            _ => Load::Closed { requests, concurrency: c },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_loads_keep_the_remainders() {
        let loads = bee_loads(1001, 10, 3, None, None).unwrap();
        assert_eq!(loads.iter().map(Load::requests).sum::<Option<u64>>(), Some(1001));
    }

    #[test]
    fn open_loads_share_the_rate() {
        let loads = bee_loads(0, 10, 2, Some(100.0), Some(Duration::from_secs(2))).unwrap();
        assert_eq!(loads.iter().map(Load::requests).sum::<Option<u64>>(), Some(200));
    }

    #[test]
    fn an_impossible_split_is_refused_naming_the_flag() {
        let error = bee_loads(100, 2, 5, None, None).unwrap_err().to_string();
        assert!(error.starts_with("-c/--concurrency: 2 connections cannot arm 5 bees"), "{error}");
    }
}
