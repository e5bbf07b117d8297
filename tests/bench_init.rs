//! `just bench`: the Lambda package. Prints the arm64 `bootstrap.zip`'s size (goal ≤ 10 MB; `./just
//! package` builds it) and the `bootstrap`'s cold init: from its start to its first
//! `GET /2018-06-01/runtime/invocation/next` on a local stand-in of the Lambda Runtime API (goal ≤ 50
//! ms). The init timed is this machine's build of the same code (the arm64 binary does not run here).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ROUNDS: usize = 7;
const GOAL_MS: f64 = 50.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let zip = root.join("target/lambda/bootstrap/bootstrap.zip");
    match std::fs::metadata(&zip) {
        Ok(meta) => println!("  bootstrap.zip        {:6.1} MB  (goal ≤ 10 MB)", meta.len() as f64 / 1e6),
        Err(_) => println!("  bootstrap.zip        not built: ./just package builds it"),
    }
    let binary = ["release", "debug"].map(|profile| root.join("target").join(profile).join("bootstrap"));
    let Some(binary) = binary.iter().find(|b| b.exists()) else {
        anyhow::bail!("no bootstrap built: cargo build -p activities --bin bootstrap");
    };
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        times.push(cold_init(binary).await?);
    }
    times.sort_by(f64::total_cmp);
    let median = times[ROUNDS / 2];
    let profile = binary.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("?");
    println!(
        "  cold init ({profile})    {median:6.1} ms  median of {ROUNDS}, goal ≤ {GOAL_MS} ms (arm64 release on Lambda)"
    );
    Ok(())
}

/// Milliseconds from spawning the bootstrap to its first request for an invocation.
async fn cold_init(binary: &Path) -> anyhow::Result<f64> {
    let api = TcpListener::bind("127.0.0.1:0").await?;
    let address = api.local_addr()?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("_HANDLER", "DescribeGroup")
        .env("AWS_LAMBDA_FUNCTION_NAME", "tuesday-DescribeGroup")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let (mut stream, _) = tokio::time::timeout(Duration::from_secs(10), api.accept()).await??;
    let mut request = [0u8; 512];
    let read = stream.read(&mut request).await?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        String::from_utf8_lossy(&request[..read]).starts_with("GET /2018-06-01/runtime/invocation/next"),
        "the bootstrap asked for something else first"
    );
    let _ = stream.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n").await;
    child.kill().await?;
    Ok(elapsed)
}
