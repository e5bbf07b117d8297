//! `just bench`: bees against wrk and oha on one practice target, over http and https. The target
//! runs in a process of its own; with two cores or more it gets one and the load generator another
//! (taskset). Rounds alternate the three tools at 1, 16, 64 and 256 connections, each for a few
//! seconds in the closed model, and the table shows medians: requests per second, p50 and p99, each
//! tool's CPU time per request, and bees' ratio to each (goals: ≥ 1.0× wrk, ≥ 1.3× oha).
//!
//! The same binary plays the target (`bench_load serve [--tls]`) and the bees (`bench_load attack
//! URL CONNECTIONS SECONDS`), so the bees run as the CLI runs them: one process, its own runtime.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bees::practice::{self, Options};
use bees::{Attack, Load, Progress, Report, Thresholds, Trust};

const CONNECTIONS: [u32; 4] = [1, 16, 64, 256];
const SECONDS: u64 = 3;
const TOOLS: [&str; 3] = ["wrk", "oha", "bees"];

#[derive(Debug, Clone, Copy)]
struct Measure {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// The tool's CPU time (user and system) per request, in microseconds: what it costs the core it
    /// shares with nothing, unlike requests per second free of the target's and the cores' wake-ups.
    cpu_us: f64,
}

impl Measure {
    fn new(rps: f64, p50_ms: f64, p99_ms: f64) -> Measure {
        Measure { rps, p50_ms, p99_ms, cpu_us: f64::NAN }
    }
}

/// The CPU seconds this process's waited-for children have used, in all.
fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(args.get(1).map(String::as_str) == Some("--tls")),
        Some("attack") => {
            let measure = attack(&args[1], args[2].parse()?, args[3].parse()?)?;
            println!("{} {} {}", measure.rps, measure.p50_ms, measure.p99_ms);
            Ok(())
        }
        _ => compare(),
    }
}

fn serve(tls: bool) -> Result<(), Box<dyn std::error::Error>> {
    // One worker: the target has one core, as a small instance behind a load balancer would.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(async {
        let target = practice::serve(Options { sticky: false, tls, ..Options::default() }).await?;
        println!("{}", target.url());
        std::future::pending::<()>().await;
        Ok(())
    })
}

fn attack(url: &str, connections: u32, seconds: u64) -> Result<Measure, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let attack = Attack {
        url: url.to_owned(),
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(10),
        sticky_header: None,
        // wrk and oha do not verify the practice target's certificate either.
        trust: Trust { ca_pem: None, insecure: true },
        load: Load::ClosedFor { duration: Duration::from_secs(seconds), concurrency: connections },
    };
    let tally = runtime.block_on(attack.run(Arc::new(Progress::default())))?;
    let report = Report::new(&tally, &Thresholds::default());
    if !report.passed {
        return Err(report.text().into());
    }
    Ok(Measure::new(report.requests_per_second, report.p50_ms, report.p99_ms))
}

/// `taskset -c N` when there are cores to spare, so the target and the load never share one.
fn pinned(core: usize, program: &str) -> Command {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores >= 2 {
        let mut command = Command::new("taskset");
        command.args(["-c", &core.to_string(), program]);
        command
    } else {
        Command::new(program)
    }
}

fn compare() -> Result<(), Box<dyn std::error::Error>> {
    let me = std::env::current_exe()?;
    let oha = std::env::var("OHA").unwrap_or_else(|_| ".tools/oha/bin/oha".into());
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "bees, wrk and oha against the practice target: {rounds} rounds of {SECONDS} s per tool and connection count; {}",
        if cores >= 2 { "target on core 0, load on core 1" } else { "one core: target and load share it" }
    );
    for tls in [false, true] {
        let mut target = Target::start(&me, tls)?;
        let url = target.url.clone();
        println!("\n{url}");
        println!(
            "{:>5}  {:<5} {:>10} {:>9} {:>9} {:>10}   {:>8} {:>8}",
            "conns", "tool", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "÷ wrk", "÷ oha"
        );
        for connections in CONNECTIONS {
            let mut measured: Vec<Vec<Measure>> = vec![Vec::new(); TOOLS.len()];
            for round in 0..rounds {
                // Each round starts with a different tool: none always runs on a warm target.
                for i in 0..TOOLS.len() {
                    let tool = (i + round) % TOOLS.len();
                    let cpu_before = children_cpu_seconds();
                    let mut measure = match TOOLS[tool] {
                        "wrk" => wrk(&url, connections)?,
                        "oha" => oha_run(&oha, &url, connections)?,
                        _ => bees_run(&me, &url, connections)?,
                    };
                    let requests = measure.rps * SECONDS as f64;
                    measure.cpu_us = (children_cpu_seconds() - cpu_before) * 1e6 / requests;
                    measured[tool].push(measure);
                }
            }
            let ratio =
                |other: usize| median((0..rounds).map(|r| measured[2][r].rps / measured[other][r].rps).collect());
            for (tool, runs) in TOOLS.iter().zip(&measured) {
                let of = |field: fn(&Measure) -> f64| median(runs.iter().map(field).collect());
                let (rps, p50, p99, cpu) = (of(|m| m.rps), of(|m| m.p50_ms), of(|m| m.p99_ms), of(|m| m.cpu_us));
                let ratios = match *tool {
                    "bees" => format!("{:>7.2}× {:>7.2}×", ratio(0), ratio(1)),
                    _ => String::new(),
                };
                println!("{connections:>5}  {tool:<5} {rps:>10.0} {p50:>9.3} {p99:>9.3} {cpu:>10.1}   {ratios}");
            }
        }
        target.stop();
    }
    println!("\ngoals: bees ≥ 1.00× wrk and ≥ 1.30× oha at every connection count (medians of per-round ratios)");
    Ok(())
}

struct Target {
    child: Child,
    url: String,
}

impl Target {
    fn start(me: &std::path::Path, tls: bool) -> Result<Target, Box<dyn std::error::Error>> {
        let mut command = pinned(0, &me.to_string_lossy());
        command.arg("serve");
        if tls {
            command.arg("--tls");
        }
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        let mut url = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut url)?;
        Ok(Target { child, url: url.trim().to_owned() })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(mut command: Command) -> Result<String, Box<dyn std::error::Error>> {
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!("{command:?}: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn wrk(url: &str, connections: u32) -> Result<Measure, Box<dyn std::error::Error>> {
    let mut command = pinned(1, "wrk");
    command.args(["-t1", &format!("-c{connections}"), &format!("-d{SECONDS}s"), "--latency", url]);
    let out = run(command).map_err(|e| format!("wrk (apt-get install wrk): {e}"))?;
    let rps = out.lines().find_map(|l| l.strip_prefix("Requests/sec:")).and_then(|v| v.trim().parse().ok());
    let percentile = |p: &str| out.lines().find_map(|l| l.trim().strip_prefix(p)).and_then(wrk_ms);
    match (rps, percentile("50%"), percentile("99%")) {
        (Some(rps), Some(p50_ms), Some(p99_ms)) => Ok(Measure::new(rps, p50_ms, p99_ms)),
        _ => Err(format!("wrk printed no Requests/sec or latency distribution:\n{out}").into()),
    }
}

/// wrk's "123.00us", "1.23ms", "1.02s".
fn wrk_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn oha_run(oha: &str, url: &str, connections: u32) -> Result<Measure, Box<dyn std::error::Error>> {
    let mut command = pinned(1, oha);
    command.args(["-z", &format!("{SECONDS}s"), "-c", &connections.to_string(), "--no-tui", "--insecure"]);
    command.args(["--output-format", "json", url]);
    let out = run(command).map_err(|e| format!("oha (built by `just bench` into .tools/oha): {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&out)?;
    let seconds = |p: &str| json["latencyPercentiles"][p].as_f64().map(|s| s * 1000.0);
    match (json["summary"]["requestsPerSec"].as_f64(), seconds("p50"), seconds("p99")) {
        (Some(rps), Some(p50_ms), Some(p99_ms)) => Ok(Measure::new(rps, p50_ms, p99_ms)),
        _ => Err(format!("oha's JSON lacks requestsPerSec or latencyPercentiles:\n{out}").into()),
    }
}

fn bees_run(me: &std::path::Path, url: &str, connections: u32) -> Result<Measure, Box<dyn std::error::Error>> {
    let mut command = pinned(1, &me.to_string_lossy());
    command.args(["attack", url, &connections.to_string(), &SECONDS.to_string()]);
    let out = run(command)?;
    let numbers: Vec<f64> = out.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    match numbers[..] {
        [rps, p50_ms, p99_ms] => Ok(Measure::new(rps, p50_ms, p99_ms)),
        _ => Err(format!("the bees printed {out:?}").into()),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
