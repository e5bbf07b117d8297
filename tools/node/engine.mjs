// The local ASL engine: aws-local-stepfunctions, driven over JSON lines by tuesday's Rust side.
//
// Runs under Node 22 only (on Node 20 every Task throws a TypeError that States.ALL then catches).
// One process serves every execution of a run, children included. Every Task is handed to the Rust
// side, which runs the real activity; Waits and Retry pauses advance a virtual clock instead of
// sleeping (scaled by timeScale), so an hour-long poll finishes in milliseconds.
//
// Rust -> engine: {"op":"start","run":N,"definition":{...},"input":...,"timeScale":0,"name":"..."}
//                 {"op":"result","call":N,"ok":...} | {"op":"result","call":N,"error":{"name":"...","cause":"..."}}
// engine -> Rust: {"op":"event","run":N,"virtualTime":S,"event":{...}}
//                 {"op":"task","run":N,"call":N,"state":"...","resource":"...","input":...,"virtualTime":S}
//                 {"op":"done","run":N,"status":"SUCCEEDED"|"FAILED","output":...,"error":"...","cause":"...","virtualTime":S}

import readline from 'node:readline';
import { StateMachine } from 'aws-local-stepfunctions';
import { JSONPath } from 'jsonpath-plus';

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`engine: Node ${process.versions.node} cannot run aws-local-stepfunctions; use Node 22 from tools/node\n`);
  process.exit(3);
}

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

// Virtual time in ms since the engine started: real time plus every skipped wait. Concurrent waits
// overlap (the clock moves to the latest wake-up), sequential ones add up.
const clock = {
  epoch: Date.now(),
  offset: 0,
  now() {
    return Date.now() - this.epoch + this.offset;
  },
  advanceTo(target) {
    this.offset = Math.max(this.offset, target - (Date.now() - this.epoch));
  },
  seconds() {
    return this.now() / 1000;
  },
};

const pending = new Map();
let nextCall = 1;

async function callTask(run, state, resource, input) {
  // Let the event log catch up first, so the clock has moved past any Wait before this task runs
  // and the Rust side sees the events in the order they happened.
  await new Promise((resolve) => setImmediate(resolve));
  const call = nextCall++;
  return new Promise((resolve, reject) => {
    pending.set(call, { resolve, reject });
    send({ op: 'task', run, call, state, resource, input, virtualTime: clock.seconds() });
  });
}

function finishTask({ call, ok, error }) {
  const waiting = pending.get(call);
  if (!waiting) return;
  pending.delete(call);
  if (error) {
    const failure = new Error(error.cause ?? '');
    failure.name = error.name;
    waiting.reject(failure);
  } else {
    waiting.resolve(ok);
  }
}

/** Every state by name, inside Map and Parallel too (names are unique in a machine). */
function statesOf(states, found = new Map()) {
  for (const [name, state] of Object.entries(states)) {
    found.set(name, state);
    if (state.Type === 'Map') statesOf((state.ItemProcessor ?? state.Iterator).States, found);
    if (state.Type === 'Parallel') for (const branch of state.Branches) statesOf(branch.States, found);
  }
  return found;
}

/** How long a Wait lasts in virtual ms, from its definition and input. */
function waitMs(state, input) {
  const at = (path) => JSONPath({ path, json: input, wrap: false });
  if (state.Seconds !== undefined) return state.Seconds * 1000;
  if (state.SecondsPath) return Number(at(state.SecondsPath)) * 1000;
  const timestamp = state.Timestamp ?? at(state.TimestampPath);
  return Math.max(0, Date.parse(timestamp) - (clock.epoch + clock.now()));
}

/** The pause before a retry, in virtual ms, as Step Functions computes it. */
function retryMs({ retrier, attempt }) {
  const interval = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, Math.max(0, attempt - 1));
  return Math.min(interval, retrier.MaxDelaySeconds ?? Infinity) * 1000;
}

async function start({ run, definition, input, timeScale = 0, name }) {
  const states = statesOf(definition.States);
  const taskResourceLocalHandlers = {};
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  for (const [stateName, state] of states) {
    if (state.Type === 'Task') {
      taskResourceLocalHandlers[stateName] = (taskInput) => callTask(run, stateName, state.Resource, taskInput);
    }
    // Fixed waits scale; waits read from the input are skipped at scale 0 and real otherwise.
    if (state.Type === 'Wait' && (timeScale === 0 || state.Seconds !== undefined)) {
      waitTimeOverrides[stateName] = Math.round((state.Seconds ?? 0) * 1000 * timeScale);
    }
    if (state.Retry) {
      retryIntervalOverrides[stateName] = state.Retry.map((r) => Math.round((r.IntervalSeconds ?? 1) * 1000 * timeScale));
    }
  }

  let finished;
  let events = Promise.resolve();
  try {
    const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const startTime = new Date(clock.epoch + clock.now()).toISOString();
    const execution = machine.run(input, {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: `local:${name}:${run}`, Input: input, Name: `${name}-${run}`, StartTime: startTime },
        StateMachine: { Id: `local:${name}`, Name: name },
        // The Rust side swaps this for a token of its own when a task waits for one.
        Task: { Token: 'local-task-token' },
      },
    });
    const waits = new Map();
    events = (async () => {
      for await (const event of execution.eventLogs) {
        const key = `${event.state?.name}:${event.index ?? ''}`;
        const state = event.state && states.get(event.state.name);
        if (state?.Type === 'Wait' && event.type === 'StateEntered') waits.set(key, clock.now() + waitMs(state, event.state.input));
        if (state?.Type === 'Wait' && event.type === 'StateExited' && waits.has(key)) {
          clock.advanceTo(waits.get(key));
          waits.delete(key);
        }
        if (event.type === 'StateRetried') clock.offset += retryMs(event.retry) * (1 - Math.min(1, timeScale));
        send({ op: 'event', run, virtualTime: clock.seconds(), event });
      }
    })();
    const output = await execution.result;
    finished = { status: 'SUCCEEDED', output };
  } catch (error) {
    const cause = error.cause ?? error;
    finished = { status: 'FAILED', error: cause.name ?? 'Error', cause: cause.message ?? String(cause) };
  }
  // Every event is sent before the execution is reported done, however it ended.
  await events.catch(() => {});
  send({ op: 'done', run, virtualTime: clock.seconds(), ...finished });
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.op === 'start') start(message);
  else if (message.op === 'result') finishTask(message);
});
lines.on('close', () => process.exit(0));
