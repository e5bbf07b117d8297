//! `tuesday approve|reject <token>`: answer a patch waiting on a manual approval. A local token
//! (from `tuesday run` or the demo) is answered through `.tools/approvals`; any other goes to Step
//! Functions (SendTaskSuccess / SendTaskFailure) with the default credentials chain.

use std::process::ExitCode;

use tuesday::local::approvals::{self, Answer};

use super::CommandResult;
use crate::out;

pub async fn run(token: &str, answer: Answer) -> CommandResult {
    if token.starts_with(approvals::LOCAL_PREFIX) {
        approvals::answer(token, &answer)?;
    } else {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let sfn = aws_sdk_sfn::Client::new(&config);
        match &answer {
            Answer::Approve => {
                sfn.send_task_success().task_token(token).output(r#"{"approved":true}"#).send().await?;
            }
            Answer::Reject(reason) => {
                sfn.send_task_failure()
                    .task_token(token)
                    .error(activities::errors::REJECTED)
                    .cause(reason)
                    .send()
                    .await?;
            }
        }
    }
    out::say(if answer == Answer::Approve { "approved" } else { "rejected" });
    Ok(ExitCode::SUCCESS)
}
