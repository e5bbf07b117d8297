"""LocalStack's Step Functions interpreter, run in the emulator's process next to moto.

The interpreter is LocalStack's own (PyPI localstack-core, pinned), driven through its own API
provider: CreateStateMachine, StartExecution, DescribeExecution, StopExecution, SendTaskSuccess and
the map-run calls work as LocalStack implements them, and child executions (startExecution.sync:2)
are real executions with their own ARNs and histories. Where the interpreter reaches out, it is
pointed at tuesday's side instead of LocalStack's gateway:

- every AWS client it makes (its one factory, `connect_to`) talks to moto, except Lambda, whose
  Invoke is answered by the real Rust activity over the bridge, and Step Functions, which is this
  same provider;
- its threads, events and sleeps run on the virtual clock (clock.py), so waits are skipped and
  overlap as on AWS;
- every history event is handed to the bridge as it is recorded, and a task that waits for a token
  asks the bridge for the answer.

What AWS enforces and LocalStack does not is added in limits.py; where LocalStack parts from AWS in
a way tuesday's machines meet, divergences.py sets it back.
"""

import json
import logging
import sys
import threading
import types
import uuid

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/tuesday-local"
# Where map runs write their results, as the CDK app's results bucket (seeded by launch.py).
RESULTS_BUCKET = "tuesday-results"
# Where cycles lock their groups, as the CDK app's lock table (seeded by launch.py).
LOCK_TABLE = "tuesday-locks"


class Context(threading.local):
    """What the current engine thread works for: its run's bridge, execution, state and Map item."""

    bridge = None
    execution = None
    state = None
    index = None

    def snapshot(self):
        return (self.bridge, self.execution, self.state, self.index)

    def restore(self, snapshot):
        self.bridge, self.execution, self.state, self.index = snapshot


context = Context()


class Engine:
    def __init__(self, clock, moto_endpoint, region):
        self.clock = clock
        self.region = region
        self.moto_endpoint = moto_endpoint
        self.owners = {}  # execution ARN -> the bridge of the run it belongs to
        self.top_level = {}  # execution ARN -> the bridge waiting for it to end
        self.children = {}  # execution ARN -> the executions it started (.sync tasks, Distributed Maps)
        self._registering = threading.Lock()
        self._install()

    # -- the API, as tuesday's bridge uses it -------------------------------------------------

    def request_context(self):
        from localstack.aws.api import RequestContext

        request = RequestContext(None)
        request.account_id = ACCOUNT
        request.region = self.region
        return request

    def state_machine_arn(self, name):
        return f"arn:aws:states:{self.region}:{ACCOUNT}:stateMachine:{name}"

    def register(self, name, definition):
        """The state machine `name`, created with `definition` (a JSON text) unless it exists."""
        arn = self.state_machine_arn(name)
        with self._registering:
            if arn not in self.provider.get_store(self.request_context()).state_machines:
                request = {"name": name, "definition": definition, "roleArn": ROLE}
                self.provider.create_state_machine(self.request_context(), request)
        return arn

    def start(self, bridge, machine_arn, input_text):
        context.restore((bridge, None, None, None))
        name = str(uuid.uuid4())
        arn = f"arn:aws:states:{self.region}:{ACCOUNT}:execution:{machine_arn.rsplit(':', 1)[1]}:{name}"
        self.owners[arn] = bridge
        self.top_level[arn] = bridge
        self.provider.start_execution(self.request_context(), machine_arn, name=name, input=input_text)
        return arn

    def describe(self, arn):
        return self.provider.describe_execution(self.request_context(), arn)

    def stop(self, arn, error=None, cause=None):
        self.provider.stop_execution(self.request_context(), arn, error=error, cause=cause)

    def send_task_success(self, token, output):
        self.provider.send_task_success(self.request_context(), token, output)

    def send_task_failure(self, token, error, cause):
        self.provider.send_task_failure(self.request_context(), token, error=error, cause=cause)

    # -- pointing the interpreter at tuesday's side -------------------------------------------

    def _install(self):
        logging.getLogger("localstack").setLevel(logging.CRITICAL)
        from localstack.services.stepfunctions.provider import StepFunctionsProvider

        self.provider = StepFunctionsProvider()
        self._load_interpreter()
        self._parse_each_path_once()
        self._run_on_the_clock()
        self._clients_to_tuesday()
        self._report_to_the_bridge()
        import divergences
        import limits

        divergences.install(self)
        limits.install(self)

    @staticmethod
    def _load_interpreter():
        """Imports every module of the interpreter, so that each can be patched before it runs."""
        import pkgutil

        import localstack.services.stepfunctions as package

        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".test_state" in module.name or module.name.endswith(("provider", "analytics")):
                continue
            __import__(module.name)

    @staticmethod
    def _parse_each_path_once():
        """jsonpath-ng builds its parser's tables anew for every path it parses (it writes no table
        cache), which took nine tenths of the interpreter's time: one parser of each kind is built,
        and each path is parsed once."""
        import functools

        from jsonpath_ng.ext.parser import ExtentedJsonPathParser
        from jsonpath_ng.parser import JsonPathParser
        from localstack.services.stepfunctions.asl.component.common.path import result_path
        from localstack.services.stepfunctions.asl.utils import json_path

        def parse_once_with(parser):
            lock = threading.Lock()  # a ply parser keeps its state while it parses

            @functools.lru_cache(maxsize=4096)
            def parse(path):
                with lock:
                    return parser.parse(path)

            return parse

        json_path.parse = parse_once_with(ExtentedJsonPathParser())
        result_path.parse = parse_once_with(JsonPathParser())

    def interpreter_modules(self):
        prefix = "localstack.services.stepfunctions."
        return [m for name, m in list(sys.modules.items()) if name.startswith(prefix) and m is not None]

    def _run_on_the_clock(self):
        """Threads, events and sleeps of the interpreter on the virtual clock.

        A task waiting for a token keeps its real event: a person answering takes real time, and
        the clock must not skip ahead (to the task's timeout) meanwhile."""
        import datetime
        import time as real_time

        from clock import ClockEvent

        clock = self.clock

        class Thread(threading.Thread):
            """An interpreter thread: counted by the clock, and working for its starter's run."""

            def start(self):
                inherited = context.snapshot()
                target, self._target = self._target, None
                args, kwargs = self._args, self._kwargs

                self._ended = ClockEvent(clock)

                def run():
                    context.restore(inherited)
                    try:
                        target(*args, **kwargs)
                    finally:
                        self._ended.set()
                        clock.thread_ended()

                self._target, self._args, self._kwargs = run, (), {}
                clock.thread_started()
                super().start()

            def join(self, timeout=None):
                # Parked on the clock until the thread is done, then a real join: its last steps
                # (the clock's bookkeeping) take no virtual time.
                if self._ended.wait(timeout):
                    super().join()

        threading_shim = types.ModuleType("threading")
        threading_shim.__dict__.update(threading.__dict__)
        threading_shim.Thread = Thread
        threading_shim.Event = lambda: ClockEvent(clock)

        time_shim = types.ModuleType("time")
        time_shim.__dict__.update(real_time.__dict__)
        time_shim.sleep = clock.sleep
        time_shim.time = lambda: clock.datetime().timestamp()

        class VirtualDatetime(datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                now = clock.datetime()
                return now if tz is None else now.astimezone(tz)

        datetime_shim = types.ModuleType("datetime")
        datetime_shim.__dict__.update(datetime.__dict__)
        datetime_shim.datetime = VirtualDatetime

        for module in self.interpreter_modules():
            if module.__name__.endswith("eval.callback.callback"):
                continue
            if getattr(module, "threading", None) is threading:
                module.threading = threading_shim
            if getattr(module, "Thread", None) is threading.Thread:
                module.Thread = Thread
            if getattr(module, "Event", None) is threading.Event:
                module.Event = threading_shim.Event
            if getattr(module, "time", None) is real_time:
                module.time = time_shim
            if getattr(module, "datetime", None) is datetime:
                module.datetime = datetime_shim

        # A parent waits for its child (startExecution.sync) by polling DescribeExecution every
        # half second; on the clock it waits until some execution ends instead.
        from localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service import (
            state_task_service_callback as callback_service,
        )

        # (A .sync task is not also answered by a task token here: nothing of tuesday's does that.)
        def eval_sync(self, env, sync_resolver, timeout_seconds, callback_endpoint, heartbeat_endpoint):
            while env.is_running():
                since = clock.generation()
                result = sync_resolver()
                if result:
                    return result
                clock.park_until_changed(since)
            return None

        callback_service.StateTaskServiceCallback._eval_sync = eval_sync

    def _clients_to_tuesday(self):
        """The interpreter's one client factory: Lambda to the bridge, Step Functions to itself,
        the rest to moto."""
        import boto3
        from localstack.aws import connect

        engine = self

        class Factory:
            def __init__(self, region):
                self.region = region

            def get_client(self, service):
                if service == "lambda":
                    return LambdaToRust()
                if service == "stepfunctions":
                    return StepFunctionsInProcess(engine)
                return boto3.client(
                    service,
                    endpoint_url=engine.moto_endpoint,
                    region_name=self.region or engine.region,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )

        connect.connect_to.with_assumed_role = lambda **kwargs: Factory(kwargs.get("region_name"))

        # AWS sends execution status changes to EventBridge; nothing local listens for them.
        from localstack.services.stepfunctions.backend.execution import Execution

        Execution.publish_execution_status_change_event = lambda self: None

    def _report_to_the_bridge(self):
        from localstack.services.stepfunctions.asl.component.state.state import CommonStateField
        from localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service.state_task_service_callback import (
            StateTaskServiceCallback,
        )
        from localstack.services.stepfunctions.asl.eval.event.event_manager import EventManager
        from localstack.services.stepfunctions.asl.eval.states import ContextObject
        from localstack.services.stepfunctions.backend.execution import BaseExecutionWorkerCommunication
        from localstack.services.stepfunctions.backend.execution_worker import ExecutionWorker

        engine = self
        clock = self.clock

        execution_logic = ExecutionWorker._execution_logic

        def execution_logic_for_its_run(self):
            arn = self._evaluation_details.execution_details.arn
            parent = context.execution
            bridge = engine.owners.setdefault(arn, context.bridge)
            if parent is not None:
                engine.children.setdefault(parent, []).append(arn)
            context.restore((bridge, arn, None, None))
            if bridge is not None:
                machine = self._evaluation_details.state_machine_details.name
                bridge.notify({"op": "started", "execution": arn, "parent": parent, "machine": machine})
            execution_logic(self)

        ExecutionWorker._execution_logic = execution_logic_for_its_run

        terminated = BaseExecutionWorkerCommunication.terminated

        def terminated_and_told(self):
            terminated(self)
            arn = self.execution.exec_arn
            clock.changed()
            bridge = engine.top_level.pop(arn, None)
            if bridge is not None:
                bridge.finished(arn, engine.describe(arn))

        BaseExecutionWorkerCommunication.terminated = terminated_and_told

        state_eval = CommonStateField.eval

        def eval_noting_the_state(self, env):
            item = env.states.context_object.context_object_data.get("Map", {}).get("Item", {})
            context.state, context.index = self.name, item.get("Index")
            state_eval(self, env)

        CommonStateField.eval = eval_noting_the_state

        add_event = EventManager.add_event

        def add_event_and_report(self, *args, **kwargs):
            event_id = add_event(self, *args, **kwargs)
            bridge = context.bridge
            if bridge is not None:
                event = next(e for e in reversed(self._history_event_list) if e["id"] == event_id)
                bridge.event(context.execution, context.state, context.index, event)
            return event_id

        EventManager.add_event = add_event_and_report
        EventManager._get_current_timestamp = staticmethod(clock.datetime)

        # Local tokens say so, for `tuesday approve`.
        def update_task_token(self):
            from localstack.services.stepfunctions.asl.eval.states import TaskData

            token = f"local-{uuid.uuid4()}"
            self.context_object_data["Task"] = TaskData(Token=token)
            return token

        ContextObject.update_task_token = update_task_token

        wait_for_task_token = StateTaskServiceCallback._eval_wait_for_task_token

        def wait_for_the_bridge_to_answer(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint):
            bridge = context.bridge
            if bridge is not None:
                token = callback_endpoint.callback_id

                def ask():
                    answer = bridge.ask({"op": "token", "execution": context.execution, "state": context.state, "token": token})
                    if "error" in answer:
                        failure = answer["error"]
                        engine.send_task_failure(token, failure.get("errorType"), failure.get("errorMessage"))
                    else:
                        engine.send_task_success(token, json.dumps(answer.get("ok")))

                snapshot = context.snapshot()
                # A plain thread: the answer may take a person's time, which the clock must not skip.
                threading.Thread(target=lambda: (context.restore(snapshot), ask()), daemon=True).start()
            return wait_for_task_token(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint)

        StateTaskServiceCallback._eval_wait_for_task_token = wait_for_the_bridge_to_answer


class InvocationPayload:
    """What boto3 hands back as a Lambda invocation's payload."""

    def __init__(self, value):
        self._data = json.dumps(value).encode()

    def read(self):
        return self._data


class LambdaToRust:
    """Lambda's Invoke, answered by the Rust activity the function names.

    A handled result comes back as the payload; an activity's error as Lambda reports an unhandled
    function error: FunctionError "Unhandled" and the payload the Rust runtime sends,
    {errorType, errorMessage}."""

    def invoke(self, FunctionName, Payload=None, **_):
        bridge = context.bridge
        payload = json.loads(Payload) if Payload else {}
        answer = bridge.ask(
            {"op": "invoke", "execution": context.execution, "state": context.state, "function": FunctionName, "payload": payload}
        )
        if "error" in answer:
            error = answer["error"]
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": InvocationPayload(error), "ExecutedVersion": "$LATEST"}
        return {"StatusCode": 200, "Payload": InvocationPayload(answer.get("ok")), "ExecutedVersion": "$LATEST"}


class StepFunctionsInProcess:
    """The Step Functions client a parent uses to start and watch its children: this provider."""

    def __init__(self, engine):
        self.engine = engine

    def start_execution(self, stateMachineArn, input=None, name=None, **_):
        started = self.engine.provider.start_execution(
            self.engine.request_context(), stateMachineArn, name=name, input=input
        )
        return {"executionArn": started["executionArn"], "startDate": started["startDate"]}

    def describe_execution(self, executionArn, **_):
        return dict(self.engine.describe(executionArn))
