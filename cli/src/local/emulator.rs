//! moto in server mode, started by the project with the ASL engine beside it: a free loopback port,
//! seeded by `tools/emulator/launch.py`, stopped by its pid (and by itself when our end of its stdin closes,
//! so it never outlives the process that started it).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use activities::Clients;
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::json;

use super::paths;

/// What the launcher printed when it was ready.
#[derive(Debug, Clone, Deserialize)]
pub struct Seeded {
    pub endpoint: String,
    pub control: String,
    /// The ASL engine's bridge, `127.0.0.1:<port>`.
    pub engine: String,
    pub pid: u32,
    pub region: String,
    pub vpc: String,
    pub subnets: Vec<Subnet>,
    /// Windows version ("2022") to the public parameter naming its latest AMI.
    pub parameters: BTreeMap<String, String>,
    /// Where cycles lock their groups (the machines' `${LockTable}`), as the stack's lock table.
    #[serde(rename = "lockTable")]
    pub lock_table: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub zone: String,
}

/// A newly published AWS image, as the control endpoint reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub image_id: String,
    pub parameter: String,
    pub name: String,
}

pub struct Emulator {
    pub seeded: Seeded,
    process: Mutex<Option<(Child, ChildStdin)>>,
}

impl Emulator {
    /// Starts a seeded emulator and waits until it answers.
    pub fn start() -> Result<Emulator> {
        let mut child = Command::new(paths::emulator_python()?)
            .arg(paths::emulator_launcher()?)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting the emulator")?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let last_words = last_lines(child.stderr.take().expect("piped"));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = ready_tx.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
        });
        let line = match ready_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let said = last_words.lock().map(|lines| lines.join("\n")).unwrap_or_default();
                bail!("the emulator did not start: {outcome:?}\n{said}");
            }
        };
        let seeded: Seeded = serde_json::from_str(&line).with_context(|| format!("emulator said {line}"))?;
        Ok(Emulator { seeded, process: Mutex::new(Some((child, stdin))) })
    }

    pub fn endpoint(&self) -> &str {
        &self.seeded.endpoint
    }

    /// SDK clients that talk to this emulator.
    pub async fn clients(&self) -> Clients {
        Clients::for_emulator(&self.seeded.endpoint, &self.seeded.region).await
    }

    /// Plays AWS publishing a patched image: a new AMI, named by the family's public parameter.
    pub async fn publish_image(&self, family: &str, release: &str) -> Result<Published> {
        let response = reqwest::Client::new()
            .post(format!("{}/publish", self.seeded.control))
            .json(&json!({ "family": family, "release": release }))
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            return Err(anyhow!("publishing {family} {release}: {status} {body}"));
        }
        Ok(serde_json::from_str(&body)?)
    }

    /// Injects a fault through the control endpoint (see `tools/emulator/faults.py`): `api-error`,
    /// `zone-down`, `zone-up`, `failing-checks`, `passing-checks`.
    pub async fn fault(&self, kind: &str, body: serde_json::Value) -> Result<()> {
        self.fault_answer(kind, body).await.map(drop)
    }

    /// A fault's control action, and what it answers (`throttled`: the requests each action had refused).
    pub async fn fault_answer(&self, kind: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let response =
            reqwest::Client::new().post(format!("{}/fault/{kind}", self.seeded.control)).json(&body).send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(anyhow!("fault {kind}: {status} {}", response.text().await?));
        }
        Ok(response.json().await?)
    }

    /// The virtual clock's time now, in seconds since the Unix epoch, for what a test schedules on it.
    pub async fn virtual_now(&self) -> Result<f64> {
        let response = reqwest::Client::new().get(format!("{}/clock", self.seeded.control)).send().await?;
        let clock: serde_json::Value = response.error_for_status()?.json().await?;
        clock["epochSeconds"].as_f64().ok_or_else(|| anyhow!("the clock said {clock}"))
    }

    /// Stops the emulator by its pid. Dropping it does the same.
    pub fn stop(&self) {
        if let Some((mut child, stdin)) = self.process.lock().unwrap_or_else(|e| e.into_inner()).take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The last lines a process wrote to `stream` (its request log is dropped as it goes), to say why it
/// failed.
fn last_lines(stream: impl std::io::Read + Send + 'static) -> std::sync::Arc<Mutex<Vec<String>>> {
    let lines = std::sync::Arc::new(Mutex::new(Vec::new()));
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.push(line);
            if kept.len() > 40 {
                kept.remove(0);
            }
        }
    });
    lines
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
