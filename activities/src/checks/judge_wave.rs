//! A wave stands if every group in it was patched or had nothing to do, or no more failed than the
//! wave tolerates: counted over all of them, the failures named as the update listed them.

use contract::machines::patch::{stands, Share};

use crate::error::message_of;
use crate::{errors, ActivityError, Clients};

pub use contract::activities::checks::judge_wave::{Input, Output};

/// It calls no AWS API.
pub const CALLS: &[&str] = &[];

pub async fn handle(_: &Clients, input: Input) -> Result<Output, ActivityError> {
    let groups: u32 = input.counts.values().sum();
    let unpatched: u32 = input.counts.iter().filter(|(status, _)| !stands(status)).map(|(_, n)| n).sum();
    let tolerance = input.tolerated.as_ref().unwrap_or(&Share::Count(0));
    let tolerated = tolerance
        .tolerance_of(groups as usize)
        .map_err(|invalid| ActivityError::invalid_input("tolerated", invalid))? as u32;
    if unpatched <= tolerated {
        return Ok(Output { groups, unpatched, tolerated });
    }
    let failures: Vec<String> = input
        .groups
        .iter()
        .filter(|g| !g["status"].as_str().is_some_and(stands))
        .map(|g| {
            let name = g["groupName"].as_str().unwrap_or("?");
            let status = g["status"].as_str().unwrap_or("?");
            let reason = g["reason"].as_str().map(message_of).unwrap_or_else(|| "no reason given".into());
            format!("{name} {status}: {reason}")
        })
        .collect();
    let unlisted = unpatched.saturating_sub(failures.len() as u32);
    let more = if unlisted > 0 { format!("; and {unlisted} more") } else { String::new() };
    let past = match input.tolerated {
        None => String::new(),
        Some(share) => format!(
            "{unpatched} of {groups} groups not patched, more than the wave tolerates (toleratedFailures {share}: at most {tolerated}): "
        ),
    };
    Err(ActivityError::new(errors::WAVE_FAILED, format!("{past}{}{more}", failures.join("; "))))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_wave_fails_on_its_counts_naming_the_groups_listed_and_how_many_more() {
        let clients = crate::Clients::for_emulator("http://127.0.0.1:9", "us-east-1").await;
        let listed = vec![json!({ "groupName": "web-a", "status": "failed", "reason": "not all healthy" })];
        let counts = BTreeMap::from([("patched".to_owned(), 9_000), ("failed".to_owned(), 60)]);
        let judged = handle(&clients, Input { groups: listed, counts, tolerated: None }).await.unwrap_err();
        assert_eq!(judged.name, errors::WAVE_FAILED);
        assert_eq!(judged.cause, "web-a failed: not all healthy; and 59 more");

        let counts = BTreeMap::from([("patched".to_owned(), 9_000), ("skipped".to_owned(), 1)]);
        let stood = handle(&clients, Input { groups: Vec::new(), counts, tolerated: None }).await.unwrap();
        assert_eq!((stood.groups, stood.unpatched), (9_001, 0));
    }

    #[tokio::test]
    async fn a_wave_stands_with_the_failures_it_tolerates_and_fails_past_them_saying_so() {
        let clients = crate::Clients::for_emulator("http://127.0.0.1:9", "us-east-1").await;
        let listed = || {
            vec![
                json!({ "groupName": "web-a", "status": "failed", "reason": "not all healthy" }),
                json!({ "groupName": "web-b", "status": "blocked", "reason": "suspended by someone else" }),
            ]
        };
        let counts = BTreeMap::from([("patched".to_owned(), 18), ("failed".to_owned(), 1), ("blocked".to_owned(), 1)]);
        let judge = |tolerated: Share| {
            handle(&clients, Input { groups: listed(), counts: counts.clone(), tolerated: Some(tolerated) })
        };

        let stood = judge(Share::Percent("10%".into())).await.unwrap();
        assert_eq!((stood.groups, stood.unpatched, stood.tolerated), (20, 2, 2));
        assert_eq!(judge(Share::Count(2)).await.unwrap().tolerated, 2);

        // 9% of 20 is 1.8: one group, rounded down as a Distributed Map's tolerance is.
        let judged = judge(Share::Percent("9%".into())).await.unwrap_err();
        assert_eq!(judged.name, errors::WAVE_FAILED);
        assert_eq!(
            judged.cause,
            "2 of 20 groups not patched, more than the wave tolerates (toleratedFailures 9%: at most 1): web-a failed: \
             not all healthy; web-b blocked: suspended by someone else"
        );
        assert_eq!(judge(Share::Percent("101%".into())).await.unwrap_err().name, errors::INVALID_INPUT);
    }
}
