//! `just bench`: group cycles with a 10-minute Windows boot (the emulator's) and a 300 s drain, on
//! the local stack, with a surge of 100% (one batch) and of 50% (two). Prints the state transitions
//! each took (goal ≤ 60 for one batch) and its virtual wall time against the physical limit, per
//! batch boot + the target group's health checks + drain (goal ≤ 1.05×).

use std::time::Instant;

use serde_json::json;
use tuesday::local::{LocalRun, Status};
use tuesday_tests::{create_fleet, emulator, FleetSpec};

const BOOT_SECONDS: u32 = 600;
const DRAIN_SECONDS: u32 = 300;
/// A target group's default checks: five passes, 30 seconds apart, once the instance has booted.
const HEALTH_CHECK_SECONDS: u32 = 5 * 30;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    for (surge_percent, batches) in [(100, 1), (50, 2)] {
        bench(surge_percent, batches).await?;
    }
    Ok(())
}

async fn bench(surge_percent: u32, batches: u32) -> anyhow::Result<()> {
    let clients = emulator().clients().await;
    let name = format!("bench-cycle-{surge_percent}");
    let mut spec = FleetSpec::new(&name, [2, 2]);
    spec.target_group_delay = Some(DRAIN_SECONDS);
    spec.boot_seconds = BOOT_SECONDS;
    let fleet = create_fleet(&clients, spec).await?;

    let started = Instant::now();
    let input = json!({
        "groupName": fleet.group, "surgePercent": surge_percent,
        "warmUpSeconds": BOOT_SECONDS, "pollSeconds": 15, "healthyTimeoutSeconds": 1800,
    });
    let result = LocalRun::new(emulator(), clients).run("cycle", input).await?;
    let real = started.elapsed();
    anyhow::ensure!(result.status == Status::Succeeded, "the cycle failed: {}", result.outcome());

    let limit = f64::from(batches * (BOOT_SECONDS + HEALTH_CHECK_SECONDS + DRAIN_SECONDS));
    let ratio = result.virtual_seconds / limit;
    let batches_told = if batches == 1 { "one batch".to_owned() } else { format!("{batches} batches") };
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "cycle of a group of 4 at surge {surge_percent}% ({batches_told}), 10-minute boot, {DRAIN_SECONDS} s drain"
    );
    match batches {
        1 => println!(
            "  state transitions   {:>8}      goal ≤ 60     {}",
            result.transitions,
            verdict(result.transitions <= 60)
        ),
        _ => println!("  state transitions   {:>8}", result.transitions),
    }
    println!(
        "  virtual wall time   {:>8.1} s    limit {limit:.0} s  ratio {ratio:.3} (goal ≤ 1.05) {}",
        result.virtual_seconds,
        verdict(ratio <= 1.05)
    );
    println!("  real time           {:>8.2} s", real.as_secs_f64());
    Ok(())
}
