//! Task tokens, locally: a Task that waits for a token (`.waitForTaskToken`) publishes its message
//! with a token of its own, and waits for an answer: from the scenario (tests), or from
//! `tuesday approve|reject <token>`, which drops the answer in `.tools/approvals/<token>`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};

use super::paths;

/// What the local engine puts in `$$.Task.Token`; the bridge replaces it in the published message.
pub const ENGINE_TOKEN: &str = "local-task-token";
/// Every local token starts so; anything else is a real Step Functions token.
pub const LOCAL_PREFIX: &str = "local-";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Reject(String),
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
