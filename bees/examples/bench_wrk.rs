//! `just bench`: `tuesday bees` against wrk (Debian's package), on the same local target, with the
//! same connections, for a few seconds each. Prints the requests-per-second ratio (goal ≥ 0.9× wrk).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bees::practice::{self, Options};
use bees::{Attack, Load, Report, Thresholds};

const CONNECTIONS: u32 = 64;
const SECONDS: u64 = 3;

/// The target runs on threads of its own, as it would in another process: wrk and the bees then
/// compete with it the same way.
fn serve_elsewhere() -> String {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
        runtime.block_on(async move {
            let target =
                practice::serve(Options { sticky: false, ..Options::default() }).await.expect("the target starts");
            url_tx.send(target.url()).expect("the bench waits for the URL");
            std::future::pending::<()>().await;
        });
    });
    url_rx.recv().expect("the target's URL")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = serve_elsewhere();

    let wrk = tokio::task::spawn_blocking({
        let url = url.clone();
        move || Command::new("wrk").args(["-t2", &format!("-c{CONNECTIONS}"), &format!("-d{SECONDS}s"), &url]).output()
    })
    .await?
    .map_err(|e| format!("wrk: {e} (install it: apt-get install wrk)"))?;
    let wrk_out = String::from_utf8_lossy(&wrk.stdout);
    let wrk_rps: f64 = wrk_out
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("wrk printed no Requests/sec:\n{wrk_out}"))?;

    // The same number of seconds' worth of requests at wrk's pace, on the same connections.
    let requests = (wrk_rps * SECONDS as f64) as u64;
    let attack = Attack {
        url,
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(10),
        sticky_header: None,
        trust: bees::Trust::default(),
        load: Load::Closed { requests, concurrency: CONNECTIONS },
    };
    let tally = attack.run(Arc::new(bees::Progress::default())).await?;
    let report = Report::new(&tally, &Thresholds::default());
    let ratio = report.requests_per_second / wrk_rps;
    println!("{CONNECTIONS} connections, about {SECONDS} s each, against one local target");
    println!("  wrk            {wrk_rps:>10.0} requests/s");
    println!(
        "  tuesday bees   {:>10.0} requests/s  ({} requests, p99 {:.2} ms)",
        report.requests_per_second, report.complete, report.p99_ms
    );
    println!("  ratio          {ratio:>10.2}    goal ≥ 0.90  {}", if ratio >= 0.9 { "ok" } else { "MISSED" });
    Ok(())
}
