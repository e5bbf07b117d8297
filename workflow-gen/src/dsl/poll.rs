//! `poll_until`: Wait → Task → Choice, counted, with a required maximum and a way out when it runs out.

use serde_json::json;

use super::graph::{Graph, StateId};
use crate::asl::{var, Choice, Condition, Pass, Task, Wait};
use crate::validate::GraphError;

/// A bounded poll. Its states are named after its subject: "Start Polling Image", "Wait For Image",
/// "Check Image", "Count Image Checks" and a question such as "Image Available?". The attempt counter
/// lives at `$.polls.<subject>` in the state data.
pub struct Poll {
    subject: String,
    question: String,
    first_wait: Option<Wait>,
    every: Wait,
    check: Task,
    until: Option<(Condition, String)>,
    exits: Vec<(Condition, String)>,
    max_attempts: u32,
    limit_path: Option<String>,
    on_timeout: Option<String>,
}

impl Poll {
    /// Polls `check` about `subject`; `question` names the Choice ("Image Available?").
    pub fn check(subject: impl Into<String>, check: Task) -> Self {
        let subject = subject.into();
        Poll {
            question: format!("{subject} Ready?"),
            subject,
            first_wait: None,
            every: Wait::seconds(30),
            check,
            until: None,
            exits: Vec::new(),
            max_attempts: 0,
            limit_path: None,
            on_timeout: None,
        }
    }

    pub fn asking(mut self, question: impl Into<String>) -> Self {
        self.question = question.into();
        self
    }

    /// The wait before every check.
    pub fn every(mut self, wait: Wait) -> Self {
        self.every = wait;
        self
    }

    /// A different wait before the first check (a Windows instance needs minutes to boot).
    pub fn first_wait(mut self, wait: Wait) -> Self {
        self.first_wait = Some(wait);
        self
    }

    /// Done when `condition` holds: go to `next`.
    pub fn until(mut self, condition: Condition, next: impl AsRef<str>) -> Self {
        self.until = Some((condition, next.as_ref().to_owned()));
        self
    }

    /// Leave early to `next` when `condition` holds (a failed image, a deleted group).
    pub fn unless(mut self, condition: Condition, next: impl AsRef<str>) -> Self {
        self.exits.push((condition, next.as_ref().to_owned()));
        self
    }

    /// The most checks before giving up (required).
    pub fn at_most(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Also stops once the counter reaches the number at `path` in the input: a limit chosen at
    /// run time, never above `at_most`.
    pub fn limit_path(mut self, path: impl Into<String>) -> Self {
        self.limit_path = Some(path.into());
        self
    }

    /// Where to go when every attempt is used up (required).
    pub fn on_timeout(mut self, next: impl AsRef<str>) -> Self {
        self.on_timeout = Some(next.as_ref().to_owned());
        self
    }

    fn counter_path(&self) -> String {
        let key: String = self.subject.split_whitespace().map(|word| word.to_lowercase()).collect::<Vec<_>>().join("_");
        format!("$.polls.{key}")
    }
}

impl Graph {
    /// Adds the poll's states and returns its entry. Missing `until`, `at_most` or `on_timeout` is
    /// reported, naming the poll's Choice, when the machine is built.
    pub fn poll_until(&mut self, poll: Poll) -> StateId {
        let subject = &poll.subject;
        let counter = poll.counter_path();
        let start = self.add(format!("Start Polling {subject}"), Pass::set(&counter, json!({ "attempts": 0 })));
        let wait = self.add(format!("Wait For {subject}"), poll.every);
        let first = match poll.first_wait {
            Some(first_wait) => self.add(format!("Warm Up Before {subject}"), first_wait),
            None => wait.clone(),
        };
        let check = self.add(format!("Check {subject}"), poll.check);
        let count = self.add(
            format!("Count {subject} Checks"),
            Pass::set(&counter, json!({ "attempts.$": format!("States.MathAdd({counter}.attempts, 1)") })),
        );

        let mut missing = Vec::new();
        let mut question = Choice::new();
        match poll.until {
            Some((ready, next)) => question = question.when(ready, next),
            None => missing.push("until"),
        }
        for (condition, next) in poll.exits {
            question = question.when(condition, next);
        }
        if poll.max_attempts == 0 {
            missing.push("at_most");
        }
        match poll.on_timeout {
            Some(timed_out) => {
                let attempts = var(format!("{counter}.attempts"));
                let at_most = attempts.clone().numeric_greater_than_equals(poll.max_attempts);
                // The static maximum stays in force, so the bound the history estimate used holds.
                let used_up = match poll.limit_path {
                    Some(path) => at_most.or(attempts.numeric_greater_than_equals_path(path)),
                    None => at_most,
                };
                question = question.when(used_up, timed_out);
            }
            None => missing.push("on_timeout"),
        }
        let question = self.add(poll.question, question.otherwise(&wait));
        self.bound_loop(&question, poll.max_attempts);
        for part in missing {
            self.note(GraphError::IncompletePoll { state: question.name().to_owned(), missing: part });
        }

        self.chain(&start).then(&first).then(&check).then(&count).then(&question);
        if first != wait {
            self.chain(&wait).then(&check);
        }
        start
    }
}
