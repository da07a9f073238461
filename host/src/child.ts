// The driver host: the child process a run happens in. It waits for one run
// request on stdin, runs it against sim-core with the driver and scenario in
// their sandbox (sandbox.ts), and writes every message (protocol.ts) to fd 3
// synchronously, as it happens. Node's permission model, the heap cap and the
// flags it was started with are the parent's doing (host.ts).

import * as fs from "node:fs";
import * as vm from "node:vm";
import { RunAborted, isError, runScenario, type Finding, type Frame, type Kernel, type LogRecord } from "../../sim-core/src";
import { API_MODULES, API_MODULE_NAMES } from "./api-modules";
import { fromData, mapFrame, sourcesOf, type Bundle } from "./sourcemap";
import type { Failure, FindingData, HostMessage, HostRequest, RunRequest, SourceLocation } from "./protocol";
import { createDriverContext, explainDriverError, frozenModule, lockdownHostRealm } from "./sandbox";
import { debugKernel, installDebugApi } from "./debug-hooks";

const CHANNEL_FD = 3;

/** Exports of API modules that are the host's business, not the driver's. */
const HOST_ONLY = new Set(["setStdout"]);

function send(m: HostMessage): void {
  fs.writeSync(CHANNEL_FD, JSON.stringify(m) + "\n");
}

export function toLocation(f: Frame): SourceLocation {
  return { file: f.file, line: f.line, column: f.column, fn: f.fn };
}

function toFrame(l: SourceLocation): Frame {
  return { fn: l.fn ?? "?", file: l.file, line: l.line, column: l.column };
}

function findingData(f: Finding): FindingData {
  return { rule: f.rule, title: f.title, message: f.message, location: f.location && toLocation(f.location), stack: f.stack.map(toLocation), report: f.report };
}

/** The kernel API as the sandbox serves it: frozen copies without the host's own exports, made once. */
function driverModules(): Map<string, object> {
  const out = new Map<string, object>();
  for (const [name, mod] of API_MODULES) {
    const copy: Record<string, unknown> = {};
    for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(mod))) if (!HOST_ONLY.has(key)) Object.defineProperty(copy, key, d);
    out.set(name, frozenModule(copy));
  }
  return out;
}

/** The failure a failure string of runScenario() stands for. */
function classify(failure: string): Failure {
  const kind = failure.startsWith("scenario:") ? "assertion" : failure.startsWith("kernel:") ? "oops" : failure.startsWith("insmod:") ? "insmod" : failure.startsWith("rmmod:") ? "rmmod" : "internal";
  return { kind, message: failure };
}

let kernel: Kernel | undefined;
let bundles: Bundle[] = [];

function mapped(stack: string | undefined): SourceLocation[] {
  if (!kernel || !stack) return [];
  return kernel.stacks.driverFrames(stack).map(toLocation);
}

function run(req: RunRequest): void {
  const driver = fromData(req.driver), scenario = fromData(req.scenario);
  bundles = [driver, scenario];
  const sources = new Set(bundles.flatMap(sourcesOf));
  // Text codecs are not ECMAScript's but every JavaScript has them, and scenarios compare bytes with text.
  // The driver and the scenario get a realm each: what one breaks in its globals, the other does not see.
  const modules = driverModules();
  const sandbox = createDriverContext(modules, API_MODULE_NAMES, { TextEncoder, TextDecoder });
  const userland = createDriverContext(modules, API_MODULE_NAMES, { TextEncoder, TextDecoder });
  let oopsSent = false;
  let logLines = 0, bootLines = 0;
  const started = performance.now();
  const phase = (p: "booted" | "driver" | "scenario" | "rmmod") => send({ type: "phase", phase: p, wallMs: performance.now() - started });
  const onLog = (record: LogRecord) => {
    send({ type: "log", record });
    if (++logLines === req.limits.logLines && kernel) {
      const stack = kernel.stacks.capture();
      const where = stack?.top;
      throw new RunAborted("log-flood", `the kernel log reached ${req.limits.logLines} lines: the driver is flooding it${where ? ` (the last line came from ${kernel.stacks.formatFrame(where)})` : ""}`, where, stack?.driverFrames ?? []);
    }
  };

  const go = () => runScenario({
    module: req.module,
    boot: { ...req.boot, onLog },
    params: req.params,
    setup: (k) => {
      kernel = k;
      if (req.debug) debugKernel(k);
      k.stacks.mapFrame = (f) => mapFrame(bundles, f);
      k.stacks.filter = (file) => sources.has(file);
      k.onFinding = (f) => send({ type: "finding", finding: findingData(f) });
      k.onOops = (message, location) => {
        oopsSent = true;
        send({ type: "failure", failure: { kind: "oops", message, location: location && toLocation(location) } });
      };
      k.explainDriverError = explainDriverError;
      bootLines = logLines;
      phase("booted");
    },
    loadDriver: () => {
      phase("driver");
      sandbox.evaluate(driver.code, driver.filename);
    },
    scenario: () => {
      phase("scenario");
      const main = userland.evaluate(scenario.code, scenario.filename).default;
      if (typeof main !== "function") throw new TypeError(`${scenario.filename.replace(/\.bundle\.js$/, "")}: a scenario must \`export default function\` the user program`);
      (main as () => void)();
    },
    scenarioEnded: (k) => {
      for (const t of k.tasks.all.values()) if (t.mm && t.state === "running") send({ type: "maps", pid: t.pid, comm: t.comm, text: t.mm.maps() });
      phase("rmmod");
    },
    onStdout: (text) => send({ type: "stdout", text }),
  });

  try {
    // The run is one call from a context of its own, so V8's watchdog can stop it wherever it spins.
    // A debug run has no time limit: it may sit at a breakpoint.
    const result = vm.runInContext("go()", vm.createContext({ go }), req.debug ? {} : { timeout: req.limits.cpuMs }) as ReturnType<typeof runScenario>;
    // An oops was reported as it happened; the runner's "kernel:" line would say it twice.
    if (result.failure && !(oopsSent && result.failure.startsWith("kernel:"))) send({ type: "failure", failure: classify(result.failure) });
    send({ type: "end", summary: { insmod: result.insmod, rmmod: result.rmmod, completed: result.completed, processes: result.processes, bootLines } });
  } catch (e) {
    send({ type: "failure", failure: abortFailure(e, req) });
    send({ type: "end", summary: { insmod: 0, rmmod: 0, completed: false, processes: [], bootLines } });
  }
}

function abortFailure(e: unknown, req: RunRequest): Failure {
  if (e instanceof RunAborted) {
    return { kind: e.kind as Failure["kind"], message: e.message, location: e.location && toLocation(e.location), stack: e.stack_.map(toLocation) };
  }
  const err = (isError(e) ? e : new Error(String(e))) as Error & { code?: string };
  if (err.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    const calls = kernel?.driverCalls ?? [];
    const task = kernel?.current;
    const inDriver = calls.length ? `in the driver's ${calls[calls.length - 1]}()${task ? ` (pid ${task.pid}, ${task.comm})` : ""}` : "in the scenario";
    return { kind: "cpu-limit", message: `the run used more than ${req.limits.cpuMs / 1000} s of CPU time, ${inDriver}: a loop that never ends?` };
  }
  if (err.name === "RangeError" && /Maximum call stack size exceeded/.test(err.message)) {
    const stack = mapped(err.stack);
    return { kind: "oops", message: explainDriverError(err, stack.map(toFrame)) ?? err.message, location: stack[0], stack };
  }
  const stack = mapped(err?.stack);
  if (stack.length) return { kind: "oops", message: `${err?.name ?? "Error"}: ${err?.message ?? String(e)}`, location: stack[0], stack };
  return { kind: "internal", message: `Faultline's host failed: ${err?.stack ?? String(e)}` };
}

// The relay runs in a worker because the main thread stops at breakpoints.
// It connects to the main thread's inspector and passes CDP both ways as
// lines of JSON: commands from fd 4, answers and events to fd 5. No port is
// opened; only the process that started the host can talk to its inspector.
const RELAY = `
const fs = require("node:fs");
const { Session } = require("node:inspector");
const { parentPort } = require("node:worker_threads");
const session = new Session();
session.connectToMainThread();
const out = (m) => fs.writeSync(5, JSON.stringify(m) + "\\n");
session.on("inspectorNotification", (m) => out(m));
let buf = "";
// A socket, not fs.createReadStream: a blocking read of a pipe would pin a thread-pool thread and hold the exit.
const input = new (require("node:net").Socket)({ fd: 4, readable: true, writable: false });
input.setEncoding("utf8");
input.on("data", (chunk) => {
  buf += chunk;
  let nl;
  while ((nl = buf.indexOf("\\n")) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    let c;
    try { c = JSON.parse(line); } catch (e) { out({ error: { message: "not JSON: " + line.slice(0, 80) } }); continue; }
    session.post(c.method, c.params, (err, result) => out(err ? { id: c.id, error: { message: err.message } } : { id: c.id, result }));
  }
});
parentPort.postMessage("ready");
`;

let relay: import("node:worker_threads").Worker | undefined;

function startInspectorRelay(ready: () => void): void {
  // Loaded only for debug runs: the permission model refuses workers otherwise.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  const w = (relay = new Worker(RELAY, { eval: true }));
  w.once("message", ready);
  w.on("error", (e) => send({ type: "failure", failure: { kind: "internal", message: `the inspector relay failed: ${e.message}` } }));
  w.unref();
}

function main(): void {
  lockdownHostRealm();
  process.on("unhandledRejection", (reason) => {
    const err = isError(reason) ? reason : undefined;
    const stack = mapped(err?.stack);
    const why = err ? explainDriverError(err, stack.map(toFrame)) : undefined;
    send({
      type: "failure",
      failure: {
        kind: "unhandled-rejection",
        message: `a promise was rejected and nothing handled it: ${err ? `${err.name}: ${err.message}` : String(reason)}${why ? ` (${why})` : ""}`,
        location: stack[0], stack,
      },
    });
  });
  let pending: RunRequest | undefined;
  const go = (r: RunRequest) => {
    run(r);
    // Rejections surface after the microtasks of the run; let them, then leave.
    // A connected inspector session would hold the exit ("Waiting for the debugger to disconnect"): end the relay first.
    setImmediate(() => setImmediate(() => {
      if (!relay) process.exit(0);
      void relay.terminate().then(() => process.exit(0));
      setTimeout(() => process.exit(0), 500).unref();
    }));
  };
  const handle = (line: string) => {
    const req = JSON.parse(line) as HostRequest;
    if (req.type === "run" && req.run.debug) {
      pending = req.run;
      installDebugApi();
      startInspectorRelay(() => send({ type: "debug-ready" }));
      listen(rest, handle); // a debug run waits for its start request
    } else if (req.type === "run") go(req.run);
    else if (req.type === "start" && pending) { const r = pending; pending = undefined; go(r); }
  };
  send({ type: "ready", node: process.version });
  // The one request of a normal run, read without setting up a stream (it is on the path to the driver's first line).
  const first = readLineSync();
  if (first !== undefined) handle(first);
}

let rest = "";

/** A line from stdin, blocking; what follows it stays in `rest`. */
function readLineSync(): string | undefined {
  const chunk = Buffer.alloc(1 << 16);
  let text = "";
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); continue; }
      throw e;
    }
    if (n === 0) return undefined;
    text += chunk.toString("utf8", 0, n);
    const nl = text.indexOf("\n");
    if (nl >= 0) {
      rest = text.slice(nl + 1);
      return text.slice(0, nl);
    }
  }
}

/** The rest of stdin, line by line. */
function listen(start: string, onLine: (line: string) => void): void {
  let buf = start;
  const drain = () => {
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  };
  drain();
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => { buf += chunk; drain(); });
}

if (require.main === module) main();
