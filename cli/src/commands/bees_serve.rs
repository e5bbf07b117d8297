//! `tuesday bees serve`: the practice target in a process of its own (for a benchmark, or to try
//! `bees attack` on), until stopped.

use std::time::Duration;

use anyhow::Context;
use bees::practice::{self, Options};

use super::CommandResult;
use crate::args::ServeArgs;
use crate::out;

pub async fn run(args: ServeArgs) -> CommandResult {
    let ServeArgs { port, tls_certificate_out, round_robin, latency_ms } = args;
    let options = Options {
        sticky: !round_robin,
        latency: Duration::from_millis(latency_ms),
        tls: tls_certificate_out.is_some(),
        ..Options::default()
    };
    let target = practice::serve_on(([127, 0, 0, 1], port).into(), options).await.context("--port")?;
    if let (Some(path), Some(pem)) = (&tls_certificate_out, &target.certificate_pem) {
        std::fs::write(path, pem).with_context(|| format!("--tls-certificate-out: writing {}", path.display()))?;
    }
    out::say(target.url());
    tokio::signal::ctrl_c().await?;
    Ok(std::process::ExitCode::SUCCESS)
}
