//! `tuesday bees attack`: split the attack across bees, run them here, merge their histograms,
//! report, and exit non-zero when a threshold is missed.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use bees::split::split;
use bees::{Attack, Load, Report, Tally, Thresholds, Trust};
use indicatif::{ProgressBar, ProgressStyle};

use super::CommandResult;
use crate::args::AttackArgs;

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
    } = args;
    if !(0.0..=1.0).contains(&max_error_rate) {
        bail!("--max-error-rate: give a share from 0 to 1, not {max_error_rate}");
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

    let loads = bee_loads(requests, concurrency, bees, rate, duration)?;
    let total: u64 = loads.iter().map(Load::requests).sum();
    let done = Arc::new(AtomicU64::new(0));
    let progress = if json { ProgressBar::hidden() } else { ProgressBar::new(total) };
    progress.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} requests  {per_sec}  {elapsed}")
            .expect("a valid template"),
    );

    let swarm: Vec<_> = loads
        .into_iter()
        .map(|load| {
            let attack = Attack {
                url: url.clone(),
                method: method.clone(),
                headers: headers.clone(),
                body: body.clone(),
                timeout: Duration::from_millis(timeout_ms),
                sticky_header: sticky_header.clone(),
                trust: trust.clone(),
                load,
            };
            let done = done.clone();
            tokio::spawn(async move { attack.run(done).await })
        })
        .collect();
    let watcher = {
        let (progress, done) = (progress.clone(), done.clone());
        tokio::spawn(async move {
            loop {
                progress.set_position(done.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut tally = Tally::default();
    for bee in swarm {
        tally.merge(&bee.await?.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    watcher.abort();
    progress.finish_and_clear();

    let report = Report::new(&tally, &thresholds);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{} attacked {url}\n", swarm_size(bees));
        print!("{}", report.text());
    }
    Ok(if report.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn swarm_size(bees: u32) -> String {
    if bees == 1 {
        "1 bee".into()
    } else {
        format!("{bees} bees")
    }
}

/// Each bee's share: n and c split with the remainders kept, or the rate split for the open model.
fn bee_loads(
    requests: u64,
    concurrency: u32,
    bees: u32,
    rate: Option<f64>,
    duration: Option<f64>,
) -> anyhow::Result<Vec<Load>> {
    let shares = match rate {
        // The open model's requests are rate × duration; split connections, then rate in proportion.
        Some(_) => split(u64::from(concurrency), concurrency, bees),
        None => split(requests, concurrency, bees),
    }?;
    match (rate, duration) {
        (Some(rate), Some(seconds)) => {
            if !(rate > 0.0 && seconds > 0.0) {
                bail!("--rate and --duration must be more than 0");
            }
            let duration = Duration::from_secs_f64(seconds);
            Ok(shares
                .into_iter()
                .map(|(_, c)| Load::Open {
                    rate: rate * f64::from(c) / f64::from(concurrency),
                    duration,
                    concurrency: c,
                })
                .collect())
        }
        _ => Ok(shares.into_iter().map(|(requests, concurrency)| Load::Closed { requests, concurrency }).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_loads_keep_the_remainders() {
        let loads = bee_loads(1001, 10, 3, None, None).unwrap();
        assert_eq!(loads.iter().map(Load::requests).sum::<u64>(), 1001);
    }

    #[test]
    fn open_loads_share_the_rate() {
        let loads = bee_loads(0, 10, 2, Some(100.0), Some(2.0)).unwrap();
        assert_eq!(loads.iter().map(Load::requests).sum::<u64>(), 200);
    }

    #[test]
    fn an_impossible_split_is_refused_with_the_reason() {
        let error = bee_loads(100, 2, 5, None, None).unwrap_err().to_string();
        assert!(error.starts_with("concurrency:"), "{error}");
    }
}
