"""The engine's side of the bridge to tuesday's Rust side: JSON lines over one TCP connection per run.

Rust -> engine
  {"op":"start","machine":"cycle","machines":{"cycle":{...},...},"input":{...},"timeScale":0,"tickSeconds":60?}
  {"op":"reply","id":N,"ok":...} | {"op":"reply","id":N,"error":{"errorType":"...","errorMessage":"..."}}
  {"op":"stop","error":"...","cause":"...","execution":ARN?}  the run's execution (or the one named), as the console's Stop does
engine -> Rust (every message carries "virtualTime": seconds on the clock)
  {"op":"started","execution":ARN,"parent":ARN|null,"machine":"..."}
  {"op":"event","id":N,"execution":ARN,"state":"...","index":I,"event":{AWS history event}}   answered by a reply
  {"op":"invoke","id":N,"execution":ARN,"state":"...","function":ARN,"payload":...}          answered by a reply
  {"op":"token","id":N,"execution":ARN,"state":"...","token":"..."}                          answered by a reply
  {"op":"tick","id":N}       every tickSeconds of virtual time while the run's execution runs, answered by a reply
  {"op":"done","execution":ARN,"status":"SUCCEEDED"|"FAILED"|"ABORTED"|"TIMED_OUT","output":...,"error":...,"cause":...}
  {"op":"refused","message":"..."}                   the run could not start

Machines are created as `<name>-<version>` (a digest of the run's machines, so runs of the same
machines share them), with `${XFunctionArn}`, `${XStateMachineArn}`, `${ResultsBucket}` and `${LockTable}`
substituted as the CDK app does, so a child execution names its machine by a real ARN.
"""

import datetime
import hashlib
import itertools
import json
import re
import socketserver
import threading

from engine import ACCOUNT, LOCK_TABLE, RESULTS_BUCKET

def _json_default(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def snake_case(pascal):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", pascal).lower()


class Bridge(socketserver.StreamRequestHandler):
    engine = None  # set by serve()

    def setup(self):
        super().setup()
        self._send_lock = threading.Lock()
        self._pending = {}
        self._ids = itertools.count(1)
        self.execution = None

    # -- engine -> Rust ---------------------------------------------------------------------

    def _send(self, message):
        message["virtualTime"] = self.engine.clock.now()
        line = json.dumps(message, default=_json_default) + "\n"
        with self._send_lock:
            self.wfile.write(line.encode())
            self.wfile.flush()

    def notify(self, message):
        try:
            self._send(message)
        except OSError:
            pass  # the run's side has gone: nothing is waiting for this

    def ask(self, message):
        """Sends `message` and waits for its reply. A real wait: Rust is working meanwhile."""
        call = next(self._ids)
        waiting = self._pending[call] = {"done": threading.Event()}
        message["id"] = call
        try:
            self._send(message)
        except OSError:
            return {"error": {"errorType": "States.Runtime", "errorMessage": "the run's side has gone"}}
        waiting["done"].wait()
        return waiting["reply"]

    def event(self, execution, state, index, event):
        self.ask({"op": "event", "execution": execution, "state": state, "index": index, "event": event})

    def finished(self, arn, described):
        self.notify(
            {
                "op": "done",
                "execution": arn,
                "status": described.get("status"),
                "output": json.loads(described["output"]) if described.get("output") else None,
                "error": described.get("error"),
                "cause": described.get("cause"),
            }
        )

    # -- Rust -> engine ---------------------------------------------------------------------

    def handle(self):
        for line in self.rfile:
            message = json.loads(line)
            op = message.get("op")
            if op == "reply":
                waiting = self._pending.pop(message["id"], None)
                if waiting is not None:
                    waiting["reply"] = message
                    waiting["done"].set()
            elif op == "start":
                try:
                    self._start(message)
                except Exception as error:  # a definition the engine refuses, most often
                    self.notify({"op": "refused", "message": f"{type(error).__name__}: {error}"})
            elif op == "stop" and self.execution:
                arn = message.get("execution") or self.execution
                error, cause = message.get("error"), message.get("cause")
                threading.Thread(target=self.engine.stop, args=(arn, error, cause), daemon=True).start()
        # The run's side closed: release anything still waiting on it.
        for waiting in list(self._pending.values()):
            waiting["reply"] = {"error": {"errorType": "States.Runtime", "errorMessage": "the run's side has gone"}}
            waiting["done"].set()

    def _start(self, message):
        self.engine.clock.scale = float(message.get("timeScale", 0))
        machines = message["machines"]
        # Runs of the same machines share them (creating one parses it: a tenth of a second or more).
        version = hashlib.sha256(json.dumps(machines, sort_keys=True).encode()).hexdigest()[:10]
        arns = {}
        for name, definition in machines.items():
            arns[name] = self.engine.register(f"{name}-{version}", self._substitute(json.dumps(definition), version))
        self.execution = self.engine.start(self, arns[message["machine"]], json.dumps(message.get("input", {})))
        if message.get("tickSeconds"):
            clock = self.engine.clock
            clock.thread_started()  # counted before it runs: the clock must not move past its first tick
            threading.Thread(target=self._tick, args=(self.execution, float(message["tickSeconds"])), daemon=True).start()

    def _tick(self, arn, seconds):
        """Asks the run's side every `seconds` of virtual time while its execution runs (to sample the
        fleet between states too); the clock holds still while it answers."""
        clock = self.engine.clock
        try:
            while True:
                clock.sleep(seconds)
                if arn not in self.engine.top_level or "error" in self.ask({"op": "tick"}):
                    return
        finally:
            clock.thread_ended()

    def _substitute(self, text, version):
        region = self.engine.region
        text = text.replace("${ResultsBucket}", RESULTS_BUCKET).replace("${LockTable}", LOCK_TABLE)
        text = re.sub(
            r"\$\{(\w+)FunctionArn\}",
            lambda m: f"arn:aws:lambda:{region}:{ACCOUNT}:function:{m.group(1)}",
            text,
        )
        return re.sub(
            r"\$\{(\w+)StateMachineArn\}",
            lambda m: self.engine.state_machine_arn(f"{snake_case(m.group(1))}-{version}"),
            text,
        )


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(engine):
    """Listens on a free loopback port; returns the server (its address is server_address)."""
    Bridge.engine = engine
    server = Server(("127.0.0.1", 0), Bridge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
