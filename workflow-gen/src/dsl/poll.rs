//! A bounded poll in a chain: Wait → Task → Choice, counted, with a required maximum and a leg for
//! when it runs out. `chain.poll(...)` goes on with the chain once the poll's condition holds.

use serde_json::json;

use super::choice::Choice;
use super::graph::{Chain, Leg};
use crate::asl::{var, Condition, Pass, Task, Wait};
use crate::validate::GraphError;

/// A bounded poll. Its states are named after its subject: "Start Polling Image", "Wait For Image",
/// "Check Image", "Count Image Checks" and a question such as "Image Available?". The attempt counter
/// lives at `$.polls.<subject>` in the state data.
pub struct Poll<'a> {
    subject: String,
    question: String,
    first_wait: Option<Wait>,
    every: Wait,
    check: Task,
    until: Option<Condition>,
    exits: Vec<(Condition, Leg<'a>)>,
    max_attempts: u32,
    limit_path: Option<String>,
    on_timeout: Option<Leg<'a>>,
}

impl<'a> Poll<'a> {
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

    /// Done when `condition` holds: the chain goes on.
    pub fn until(mut self, condition: Condition) -> Self {
        self.until = Some(condition);
        self
    }

    /// Leave early by `leg` when `condition` holds (a failed image, a deleted group).
    pub fn unless(mut self, condition: Condition, leg: impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a) -> Self {
        self.exits.push((condition, Box::new(leg)));
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

    /// What to do when every attempt is used up (required).
    pub fn on_timeout(mut self, leg: impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a) -> Self {
        self.on_timeout = Some(Box::new(leg));
        self
    }

    fn counter_path(&self) -> String {
        // A JSONPath key (an intrinsic function's argument takes nothing else): "Pre-Termination
        // Command" is `pre_termination_command`.
        let words = self.subject.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
        let key: String = words.map(|word| word.to_lowercase()).collect::<Vec<_>>().join("_");
        format!("$.polls.{key}")
    }
}

impl<'g> Chain<'g> {
    /// Adds the poll's states after the chain; the chain goes on once its condition holds. Missing
    /// `until`, `at_most` or `on_timeout` is reported, naming the poll's Choice, when the machine is
    /// built. An exit leg that neither ends nor jumps rejoins at `afterwards()`.
    pub fn poll(mut self, poll: Poll<'_>) -> Chain<'g> {
        let subject = &poll.subject;
        let counter = poll.counter_path();
        let graph = self.graph();
        let start = graph.add(format!("Start Polling {subject}"), Pass::set(&counter, json!({ "attempts": 0 })));
        let wait = graph.add(format!("Wait For {subject}"), poll.every);
        let first = match poll.first_wait {
            Some(first_wait) => graph.add(format!("Warm Up Before {subject}"), first_wait),
            None => wait.clone(),
        };
        let check = graph.add(format!("Check {subject}"), poll.check);
        let count = graph.add(
            format!("Count {subject} Checks"),
            Pass::set(&counter, json!({ "attempts.$": format!("States.MathAdd({counter}.attempts, 1)") })),
        );

        let mut missing = Vec::new();
        // The first rule is the way on, left for the chain's next state.
        let mut question = Choice::new();
        let has_until = poll.until.is_some();
        match poll.until {
            Some(ready) => question = question.when(ready, |on| on),
            None => missing.push("until"),
        }
        for (condition, leg) in poll.exits {
            question = question.when(condition, leg);
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
        let question = graph.add(poll.question, question.otherwise_jump(&wait));
        graph.bound_loop(&question, poll.max_attempts);
        for part in missing {
            graph.note(GraphError::IncompletePoll { state: question.name().to_owned(), missing: part });
        }

        graph.chain(&start).then(&first).then(&check).then(&count).then(&question);
        if first != wait {
            graph.chain(&wait).then(&check);
        }
        self.then(&start).on_from_poll(&question, has_until)
    }
}
