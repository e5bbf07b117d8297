//! A Choice whose legs are written in place: `Choice::new().when(condition, |leg| leg.step(...))`.
//! A leg is a chain from the rule; one that neither ends nor jumps rejoins the flow at the chain's
//! `afterwards()`. A Choice with no `otherwise` carries on with the chain's next state.

use super::graph::{Chain, Leg, Node, Slot};
use crate::asl::{self, ChoiceRule, Condition, Pass, State};

pub struct Choice<'a> {
    choice: asl::Choice,
    legs: Vec<(Slot, Leg<'a>)>,
}

impl<'a> Choice<'a> {
    pub fn new() -> Self {
        Choice { choice: asl::Choice::default(), legs: Vec::new() }
    }

    /// When `condition` holds, take `leg`, written in place.
    pub fn when(mut self, condition: Condition, leg: impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a) -> Self {
        self.legs.push((Slot::Rule(self.choice.choices.len()), Box::new(leg)));
        self.choice.choices.push(ChoiceRule { condition, next: String::new() });
        self
    }

    /// When `condition` holds, go to `target`, a state added elsewhere.
    pub fn jump(mut self, condition: Condition, target: impl AsRef<str>) -> Self {
        self.choice.choices.push(ChoiceRule { condition, next: target.as_ref().to_owned() });
        self
    }

    /// When no rule holds, take `leg` (without it, the chain's next state).
    pub fn otherwise(mut self, leg: impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a) -> Self {
        self.legs.push((Slot::Default, Box::new(leg)));
        self
    }

    /// When no rule holds, go to `target`, a state added elsewhere.
    pub fn otherwise_jump(mut self, target: impl AsRef<str>) -> Self {
        self.choice.default = Some(target.as_ref().to_owned());
        self
    }

    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.choice.comment = Some(comment.into());
        self
    }
}

impl Default for Choice<'_> {
    fn default() -> Self {
        Choice::new()
    }
}

impl<'a> From<Choice<'a>> for Node<'a> {
    fn from(choice: Choice<'a>) -> Self {
        let mut node = Node::of(State::Choice(choice.choice));
        node.legs = choice.legs;
        node
    }
}

/// A leg that adds `name` (a Pass that raises an error, say) and goes to `then` (the failure path).
pub fn raise<'a>(name: &'a str, state: Pass, then: &'a str) -> impl for<'g> FnOnce(Chain<'g>) -> Chain<'g> + 'a {
    move |leg| leg.step(name, state).join(then)
}
