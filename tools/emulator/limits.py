"""What AWS enforces on an execution and LocalStack's interpreter does not (it already fails a
state whose input, output or task result passes 256 KiB with States.DataLimitExceeded).

- States.ALL catches neither States.DataLimitExceeded nor States.Runtime
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
- An inline Map runs at most 40 iterations at once, whatever its MaxConcurrency
  (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html).
- An execution's history holds at most 25,000 events; one that would pass it fails
  (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). AWS does not
  document the error name; locally it is States.Runtime, which nothing can catch.
"""

INLINE_MAP_CONCURRENCY = 40
HISTORY_EVENTS = 25_000


def install(engine):
    _uncatchable_by_states_all()
    _inline_map_concurrency()
    _history_quota()


def _uncatchable_by_states_all():
    from localstack.services.stepfunctions.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import StatesErrorName
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    terminal = [
        StatesErrorName(typ=StatesErrorNameType.StatesStatesDataLimitExceeded),
        StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
    ]
    states_all = StatesErrorName(typ=StatesErrorNameType.StatesALL)
    matches = ErrorEqualsDecl._eval_body

    def matches_unless_terminal(self, env):
        error_name = env.stack[-1]
        if states_all in self.error_names and error_name in terminal:
            env.stack.pop()
            env.stack.append(False)
            return
        matches(self, env)

    ErrorEqualsDecl._eval_body = matches_unless_terminal


def _inline_map_concurrency():
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.inline_iteration_component import (
        InlineIterationComponent,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.max_concurrency import (
        DEFAULT_MAX_CONCURRENCY_VALUE,
    )

    eval_body = InlineIterationComponent._eval_body

    def eval_at_most_40_at_once(self, env):
        if not isinstance(self, DistributedIterationComponent):
            eval_input = env.stack[-1]
            wanted = eval_input.max_concurrency
            if wanted == DEFAULT_MAX_CONCURRENCY_VALUE or wanted > INLINE_MAP_CONCURRENCY:
                eval_input.max_concurrency = min(INLINE_MAP_CONCURRENCY, max(1, len(eval_input.input_items)))
        eval_body(self, env)

    InlineIterationComponent._eval_body = eval_at_most_40_at_once


def _history_quota():
    from localstack.aws.api.stepfunctions import ExecutionFailedEventDetails
    from localstack.services.stepfunctions.asl.eval.environment import Environment
    from localstack.services.stepfunctions.asl.eval.event.event_manager import EventManager

    # Each execution's event manager knows the environment that fails when it overflows. A frame
    # (a Map iteration, a Parallel branch) is built with an event manager of its own that is then
    # swapped for its execution's, so the first environment an event manager meets is the
    # execution's. Held on the event manager, not in a table by id(): a frame's discarded event
    # manager frees its id for the next execution's.
    init = Environment.__init__

    def init_remembering(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if getattr(self.event_manager, "environment", None) is None:
            self.event_manager.environment = self

    Environment.__init__ = init_remembering

    # Once the quota is reached, that is why the execution failed, whatever fails after it.
    set_error = Environment.set_error

    def set_error_unless_out_of_history(self, error):
        set_error(self, getattr(self, "out_of_history", None) or error)

    Environment.set_error = set_error_unless_out_of_history

    add_event = EventManager.add_event

    def add_event_within_quota(self, *args, **kwargs):
        event_id = add_event(self, *args, **kwargs)
        if event_id == HISTORY_EVENTS:
            env = getattr(self, "environment", None)
            if env is not None:
                cause = f"The execution reached the maximum number of history events ({HISTORY_EVENTS})."
                env.out_of_history = ExecutionFailedEventDetails(error="States.Runtime", cause=cause)
                env.set_error(env.out_of_history)
        return event_id

    EventManager.add_event = add_event_within_quota
