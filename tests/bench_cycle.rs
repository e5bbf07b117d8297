//! `just bench`: group cycles with a 10-minute Windows boot (the emulator's) and a 300 s drain, on
//! the local stack, with a surge of 100% (one batch) and of 50% (two). Prints the state transitions
//! each took (goal ≤ 60 for one batch) and its virtual wall time against the physical limit, per
//! batch boot + the target group's health checks + drain (goal ≤ 1.05×). Then the same cycle onto a
//! baked image without and with EC2 Fast Launch.

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
    fast_launch().await
}

/// The same cycle of a group of four onto a baked image, without and with EC2 Fast Launch on it:
/// new instances count from the moment they are healthy (a short warm-up), so a faster boot shows.
async fn fast_launch() -> anyhow::Result<()> {
    let mut seconds = Vec::new();
    for fast in [false, true] {
        let clients = emulator().clients().await;
        let name = format!("bench-fast-launch-{fast}");
        let mut spec = FleetSpec::new(&name, [2, 2]);
        spec.target_group_delay = Some(DRAIN_SECONDS);
        spec.boot_seconds = BOOT_SECONDS;
        spec.template_updated = false;
        let fleet = create_fleet(&clients, spec).await?;
        let image = tuesday_tests::baked_copy(&clients, &name, false).await?;
        if fast {
            let snapshots =
                aws_sdk_ec2::types::FastLaunchSnapshotConfigurationRequest::builder().target_resource_count(5).build();
            let enable = clients.ec2.enable_fast_launch().image_id(&image).resource_type("snapshot");
            enable.max_parallel_launches(6).snapshot_configuration(snapshots).send().await?;
            // EC2 pre-provisions the snapshots before the patch needs them.
            tuesday_tests::let_time_pass(&clients, 20 * 60).await?;
        }
        let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id(&image).build();
        let version = clients.ec2.create_launch_template_version().launch_template_id(&fleet.launch_template_id);
        version.launch_template_data(data).send().await?;
        let template = clients.ec2.modify_launch_template().launch_template_id(&fleet.launch_template_id);
        template.default_version("2").send().await?;
        let input = json!({
            "groupName": fleet.group, "warmUpSeconds": 60, "pollSeconds": 15, "healthyTimeoutSeconds": 1800,
        });
        let result = LocalRun::new(emulator(), clients).run("cycle", input).await?;
        anyhow::ensure!(result.status == Status::Succeeded, "the cycle failed: {}", result.outcome());
        seconds.push(result.virtual_seconds);
    }
    println!("cycle of a group of 4 onto a baked image, 10-minute boot, {DRAIN_SECONDS} s drain");
    println!("  without Fast Launch {:>8.1} s", seconds[0]);
    println!(
        "  with Fast Launch    {:>8.1} s    {:.2}× (its boots take 35% of the time)",
        seconds[1],
        seconds[1] / seconds[0]
    );
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
