//! Task tokens, locally: a Task that waits for a token (`.waitForTaskToken`) publishes its message
//! (with the engine's token, which starts `local-`), and waits for an answer: from the scenario
//! (tests), or from `tuesday approve|reject <token>`, which drops the answer in
//! `.tools/approvals/<token>`; the bridge hands it to the engine as SendTaskSuccess/Failure would.

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

/// Records a person's answer for a waiting local run.
pub fn answer(token: &str, answer: &Answer) -> Result<()> {
    if !token.starts_with(LOCAL_PREFIX) || token.contains(['/', '\\', '.']) {
        bail!("'{token}' is not a local task token");
    }
    std::fs::create_dir_all(dir())?;
    let text = match answer {
        Answer::Approve => "approve".to_owned(),
        Answer::Reject(reason) => format!("reject\n{reason}"),
    };
    std::fs::write(dir().join(token), text)?;
    Ok(())
}

/// Waits until someone answers `token`.
pub async fn wait_for(token: &str) -> Answer {
    let file = dir().join(token);
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let _ = std::fs::remove_file(&file);
            return match text.split_once('\n') {
                Some(("reject", reason)) => Answer::Reject(reason.to_owned()),
                _ if text.trim() == "reject" => Answer::Reject("rejected".into()),
                _ => Answer::Approve,
            };
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
