//! `tuesday approve|reject <token>`: answer a patch waiting on a manual approval. A local token
//! (from `tuesday run` or the demo) is answered through `.tools/approvals`; any other goes to Step
//! Functions (SendTaskSuccess / SendTaskFailure) in the account `--profile` and `--region` name. A local token no
//! run waits for is refused; `tuesday approvals` lists those that are waited for.

use std::process::ExitCode;

use tuesday::local::approvals::{self, Answer};

use super::CommandResult;
use crate::args::AwsArgs;
use crate::out;

pub async fn run(token: &str, answer: Answer, account: &AwsArgs) -> CommandResult {
    let verb = if answer == Answer::Approve { "approved" } else { "rejected" };
    if token.starts_with(approvals::LOCAL_PREFIX) {
        let what = approvals::answer(token, &answer).map_err(|refused| tuesday::usage!("{refused:#}"))?;
        out::say(format_args!("{verb}: {what}"));
        return Ok(ExitCode::SUCCESS);
    }
    let sfn = aws_sdk_sfn::Client::new(&crate::aws::config(account).await?);
    match &answer {
        Answer::Approve => {
            sfn.send_task_success().task_token(token).output(r#"{"approved":true}"#).send().await?;
        }
        Answer::Reject(reason) => {
            let failure = sfn.send_task_failure().task_token(token).error(activities::errors::REJECTED);
            failure.cause(reason).send().await?;
        }
    }
    out::say(verb);
    Ok(ExitCode::SUCCESS)
}

/// `tuesday approvals`: the approvals local runs wait for.
pub fn list() -> CommandResult {
    let waiting = approvals::waiting_list();
    if waiting.is_empty() {
        out::say("no local run waits for an approval");
    }
    for (token, what) in waiting {
        out::say(format_args!("{token}  {what}"));
    }
    Ok(ExitCode::SUCCESS)
}
