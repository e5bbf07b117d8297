//! Task tokens, locally: a Task that waits for a token (`.waitForTaskToken`) publishes its message
//! (with the engine's token, which starts `local-`), and waits for an answer: from the scenario
//! (tests), or from `tuesday approve|reject <token>`, which drops the answer in
//! `.tools/approvals/<token>`; the bridge hands it to the engine as SendTaskSuccess/Failure would.
//! While it waits, `.tools/approvals/waiting/<token>` says what for (`tuesday approvals` lists them).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};

use super::paths;

/// Every local token starts so; anything else is a real Step Functions token.
pub const LOCAL_PREFIX: &str = "local-";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Reject(String),
}

/// What a person is told while a run waits for them.
pub fn waiting(token: &str) -> String {
    format!("waiting: tuesday approve {token}  (or tuesday reject {token} --reason ...)")
}

fn dir() -> PathBuf {
    paths::root().join(".tools/approvals")
}

/// Where a run keeps what it waits for: `waiting/<token>` holds what is to be approved.
fn waiting_dir() -> PathBuf {
    dir().join("waiting")
}

/// How long `answer` waits for a run to say it is waiting: its message may arrive a moment before.
const RUN_CATCHING_UP: Duration = Duration::from_secs(3);

/// Records a person's answer for a waiting local run, and says what it answered. A token no local
/// run waits for is refused.
pub fn answer(token: &str, answer: &Answer) -> Result<String> {
    if !token.starts_with(LOCAL_PREFIX) || token.contains(['/', '\\', '.']) {
        bail!("'{token}' is not a local task token");
    }
    let waiting = waiting_dir().join(token);
    let asked = std::time::Instant::now();
    let what = loop {
        match std::fs::read_to_string(&waiting) {
            Ok(what) => break what,
            Err(_) if asked.elapsed() < RUN_CATCHING_UP => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => bail!("no local run waits for '{token}' (tuesday approvals lists those that wait)"),
        }
    };
    let text = match answer {
        Answer::Approve => "approve".to_owned(),
        Answer::Reject(reason) => format!("reject\n{reason}"),
    };
    std::fs::write(dir().join(token), text)?;
    Ok(what)
}

/// The approvals local runs wait for: each token and what it approves.
pub fn waiting_list() -> Vec<(String, String)> {
    let entries = std::fs::read_dir(waiting_dir()).into_iter().flatten().flatten();
    let mut waiting: Vec<(String, String)> = entries
        .filter_map(|e| Some((e.file_name().into_string().ok()?, std::fs::read_to_string(e.path()).ok()?)))
        .collect();
    waiting.sort();
    waiting
}

/// Waits until someone answers `token`, saying meanwhile that it waits for `what`.
pub async fn wait_for(token: &str, what: &str) -> Answer {
    let waiting = waiting_dir().join(token);
    let _ = std::fs::create_dir_all(waiting_dir()).and_then(|()| std::fs::write(&waiting, what));
    let file = dir().join(token);
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let _ = std::fs::remove_file(&file);
            let _ = std::fs::remove_file(&waiting);
            return match text.split_once('\n') {
                Some(("reject", reason)) => Answer::Reject(reason.to_owned()),
                _ if text.trim() == "reject" => Answer::Reject("rejected".into()),
                _ => Answer::Approve,
            };
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
