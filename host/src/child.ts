// The driver host: the child process a run happens in. It waits for one run
// request on stdin, runs it against sim-core with the driver and scenario in
// their sandbox (sandbox.ts), and writes every message (protocol.ts) to fd 3
// synchronously, as it happens. Node's permission model, the heap cap and the
// flags it was started with are the parent's doing (host.ts).

import * as fs from "node:fs";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { RunAborted, isError, runScenario, type Finding, type Frame, type Kernel, type LogRecord } from "../../sim-core/src";
import { API_MODULES, API_MODULE_NAMES } from "./api-modules";
import { debugKernel, installDebugApi } from "./debug-hooks";
import { USER_ONLY_MODULES } from "./driver-imports";
import { KERNEL_CLASSES } from "./kernel-classes";
import { preboot, takePreboot, type PrebootOptions } from "./preboot";
import { isDebugHost, startRelay, takeEarlyRelay, type Relay } from "./relay";
import { fromData, mapFrame, sourcesOf, type Bundle } from "./sourcemap";
import { DEFAULT_LIMITS, MAX_MESSAGE_BYTES, type Failure, type FindingData, type HostLimits, type HostMessage, type HostRequest, type RunRequest, type SourceLocation } from "./protocol";
import { createDriverContext, explainDriverError, freezeClassPrototypes, frozenModule, genuineStack, lockdownHostRealm, type DriverContext, type RealmHooks } from "./sandbox";

const CHANNEL_FD = 3;
/** Failure texts longer than this are cut: an Error can carry a message of any size. */
const TEXT_MAX = 8 * 1024;

/** Exports of API modules that are the host's business, not the driver's. */
const HOST_ONLY = new Set(["setStdout"]);

/** Lines held while a batch is open (a prebooted kernel's boot log): one write for them all, in their order. */
let batch: string[] | undefined;

function send(m: HostMessage): void {
  let line = JSON.stringify(m);
  // The parent reads lines up to MAX_MESSAGE_BYTES; nothing the driver controls may make one longer.
  if (line.length >= MAX_MESSAGE_BYTES) line = JSON.stringify({ type: "failure", failure: { kind: "internal", message: `a ${m.type} message of ${line.length} characters was too long to send` } });
  if (batch) batch.push(line);
  else fs.writeSync(CHANNEL_FD, line + "\n");
}

/** Runs `f` with the messages it sends written at once when it returns (or throws): no driver code may run inside. */
function batched<T>(f: () => T): T {
  batch = [];
  try {
    return f();
  } finally {
    const lines = batch;
    batch = undefined;
    if (lines.length) fs.writeSync(CHANNEL_FD, lines.join("\n") + "\n");
  }
}

/**
 * Milliseconds on a monotonic clock. Not performance.now(): the global's first read loads perf_hooks, a few
 * milliseconds on the way to the driver's first line, for the phases' times alone.
 */
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function clip(s: string): string {
  return s.length > TEXT_MAX ? `${s.slice(0, TEXT_MAX)}… (${s.length} characters in all)` : s;
}

export function toLocation(f: Frame): SourceLocation {
  return { file: f.file, line: f.line, column: f.column, fn: f.fn };
}

function toFrame(l: SourceLocation): Frame {
  return { fn: l.fn ?? "?", file: l.file, line: l.line, column: l.column };
}

function findingData(f: Finding): FindingData {
  const fix = f.fix && { fn: f.fix.fn, ...(f.fix.location ? { location: toLocation(f.fix.location) } : {}), why: f.fix.why };
  return { rule: f.rule, title: f.title, message: clip(f.message), location: f.location && toLocation(f.location), stack: f.stack.map(toLocation), report: f.report, ...(fix ? { fix } : {}), ...(f.count ? { count: f.count } : {}) };
}

/**
 * The kernel API as a realm is served it: frozen copies without the host's own exports (nor, for a driver, user
 * space's). Made once for both realms: a copy is frozen through, so neither realm can change what the other sees.
 */
function realmModules(driver: boolean): Map<string, object> {
  servedModules ??= new Map([...API_MODULES].map(([name, mod]) => {
    const copy: Record<string, unknown> = {};
    for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(mod))) if (!HOST_ONLY.has(key)) Object.defineProperty(copy, key, d);
    return [name, frozenModule(copy)];
  }));
  return driver ? new Map([...servedModules].filter(([name]) => !USER_ONLY_MODULES.includes(name))) : new Map(servedModules);
}
let servedModules: Map<string, object> | undefined;

/** The failure a failure string of runScenario() stands for. */
function classify(failure: string): Failure {
  const kind = failure.startsWith("scenario:") ? "assertion" : failure.startsWith("kernel:") ? "oops" : failure.startsWith("insmod:") ? "insmod" : failure.startsWith("rmmod:") ? "rmmod" : "internal";
  return { kind, message: clip(failure) };
}

let kernel: Kernel | undefined;
let bundles: Bundle[] = [];
let driverSources = new Set<string>();

function mapped(stack: string | undefined): SourceLocation[] {
  if (!kernel || typeof stack !== "string") return [];
  return kernel.stacks.driverFrames(stack).map(toLocation);
}

/** Where a driver function is defined: its source text found once in the bundle, mapped back (no inspector needed). */
function locateFunction(b: Bundle, fn: unknown): Frame | undefined {
  if (typeof fn !== "function") return undefined;
  const text = Function.prototype.toString.call(fn);
  const at = b.code.indexOf(text);
  if (at < 0 || b.code.indexOf(text, at + 1) >= 0) return undefined;
  const before = b.code.slice(0, at);
  const line = before.split("\n").length;
  const f = mapFrame([b], { fn: (fn as { name?: string }).name || "<anonymous>", file: b.filename, line, column: at - before.lastIndexOf("\n") });
  return f.file === b.filename ? undefined : f;
}

/**
 * The stack to place a driver's error by: as V8 formatted it when the host
 * saw that happen (genuineStack), else only the driver's own frames of its
 * \`stack\` (errors made by the host or Node, or formatted after the driver
 * broke its realm's Error), so that a stack the driver wrote can at most
 * misplace its own oops, never blame the scenario.
 */
function trustedStack(err: unknown): string | undefined {
  const genuine = genuineStack(err);
  if (genuine !== undefined) return genuine;
  const raw = (err as { stack?: unknown } | null)?.stack;
  if (typeof raw !== "string" || !bundles[0]) return undefined;
  const own = bundles[0].filename;
  const lines = raw.split("\n");
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  return first < 0 ? undefined : [...lines.slice(0, first), ...lines.slice(first).filter((l) => l.includes(`(${own}:`) || l.includes(`at ${own}:`))].join("\n");
}

/** A stack captured by the host realm, formatted when read. */
function hostStack(): { stack?: string } {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder);
  return holder;
}

// Reading a driver's error runs the driver's code (getters on name, message,
// stack): the reader is bounded in time and cannot throw.
const boundedCall = new vm.Script("f()");
function bounded<T>(f: () => T, fallback: T, ms = 250): T {
  try {
    return boundedCall.runInContext(vm.createContext({ f }), { timeout: ms }) as T;
  } catch {
    return fallback;
  }
}

/** "Name: message" of a thrown value, and its stack, without trusting it. */
function describeThrown(reason: unknown): { text: string; stack?: string; err?: Error } {
  return bounded(() => {
    if (!isError(reason)) return { text: clip(String(reason)) };
    const name = reason.name, message = reason.message, stack = trustedStack(reason);
    return { text: clip(`${typeof name === "string" ? name : "Error"}: ${typeof message === "string" ? message : String(message)}`), stack: typeof stack === "string" ? stack : undefined, err: reason };
  }, { text: "a value whose name, message or stack could not be read (a getter of the driver's threw or did not return)" });
}

// One lifetime for everything the driver started. Its promise jobs wait in
// its realm's own queue (microtaskMode "afterEvaluate") and are run by the
// host: when the outermost call into the driver returns, as a JavaScript
// engine would, and at the end of the run, under what is left of the time
// limit. Code of the driver's that runs after the run has ended (an async
// continuation after its module was unloaded, a finalizer) is a failure at
// its line; the watchdog bounds whatever is left.
let ended = false;
let draining: string | undefined;
let blockedAt: string | undefined;
let lateReported = false;
let jobsMaybePending = false;
const promiseOrigin = new WeakMap<object, { stack?: string }>();
const ORIGINS_KEPT = 10_000;
let originsKept = 0;

function reportLate(what: string, origin: string | undefined): void {
  if (lateReported) return;
  lateReported = true;
  const stack = mapped(origin);
  const top = stack[0];
  const whose = top && !driverSources.has(top.file) ? "the scenario's" : "the driver's";
  const fix = whose === "the driver's" ? "a kernel has no event loop: finish the work before the callback returns (or use a workqueue), and drop async" : "a user program's run ends when its main function returns";
  send({ type: "failure", failure: { kind: "oops", message: `${whose} code ran after the run had ended: ${what}${top ? ` (from ${top.fn ?? "?"} at ${top.file}:${top.line})` : ""}; ${fix}`, location: top, stack } });
}

function watchPromises(): void {
  const hooks = v8.promiseHooks;
  // A stack per promise costs memory: the first ORIGINS_KEPT of a run are enough to place an async init or a late
  // continuation, and a chain of millions of promises must not be made heavier by its watcher.
  hooks.onInit((p) => { jobsMaybePending = true; if (originsKept++ < ORIGINS_KEPT) promiseOrigin.set(p, hostStack()); });
  hooks.onSettled(() => { jobsMaybePending = true; });
  // The host's own promises (the relay's end, Node's internals) are not the driver's: only a job from user code is late.
  hooks.onBefore((p) => {
    if (!ended || lateReported) return;
    const origin = promiseOrigin.get(p)?.stack;
    if (mapped(origin).length) reportLate("an async continuation (a promise job) ran", origin);
  });
}

const realmHooks: RealmHooks = {
  capture: () => hostStack().stack ?? "",
  finalizer: (where) => {
    if (!ended) return true;
    reportLate("a FinalizationRegistry cleanup callback was due (it was not run: a kernel has no garbage collector; free what you allocate in the callbacks that own it)", where);
    return false;
  },
  blocking: (where) => { blockedAt = where; },
};

let realms: { readonly sandbox: DriverContext; readonly userland: DriverContext } | undefined;

/** The context run() calls into, so that V8's watchdog can stop the run (made while the host waits for its request). */
let callContext: vm.Context | undefined;
const callScript = new vm.Script("f()");

/** Calls `f` from a context of its own, stopped after `timeoutMs` (none: no limit). Not reentrant: run() uses it. */
function callWithin(f: () => unknown, timeoutMs: number | undefined): unknown {
  const ctx = (callContext ??= vm.createContext({ f: undefined }));
  ctx.f = f;
  try {
    return callScript.runInContext(ctx, timeoutMs === undefined ? {} : { timeout: timeoutMs });
  } finally {
    ctx.f = undefined;
  }
}

/**
 * The driver's realm and the scenario's: the host's one run gets them, made while it waited for its request when
 * it did (nothing in them depends on the run; no code of the run's has run in them before it).
 */
function makeRealms(): { readonly sandbox: DriverContext; readonly userland: DriverContext } {
  // Text codecs are not ECMAScript's but every JavaScript has them, and scenarios compare bytes with text (both frozen).
  // The driver and the scenario get a realm each: what one breaks in its globals, the other does not see.
  return realms ??= {
    sandbox: createDriverContext(realmModules(true), API_MODULE_NAMES.filter((n) => !USER_ONLY_MODULES.includes(n)), { TextEncoder, TextDecoder }, realmHooks),
    userland: createDriverContext(realmModules(false), API_MODULE_NAMES, { TextEncoder, TextDecoder }, realmHooks),
  };
}

function run(req: RunRequest): void {
  const limits: HostLimits = { ...DEFAULT_LIMITS, ...req.limits };
  const driver = fromData(req.driver), scenario = fromData(req.scenario);
  bundles = [driver, scenario];
  driverSources = new Set(sourcesOf(driver));
  const sources = new Set(bundles.flatMap(sourcesOf));
  const { sandbox, userland } = makeRealms();
  const drainScript = new vm.Script("");
  const drainAll = () => {
    if (!jobsMaybePending) return;
    jobsMaybePending = false;
    // A job of one realm may queue one in the other: twice round.
    for (let i = 0; i < 2; i++) { drainScript.runInContext(sandbox.context); drainScript.runInContext(userland.context); }
  };
  let oopsSent = false;
  let bootLines = 0;
  let stdoutBytes = 0;
  const started = nowMs();
  const phase = (p: "booted" | "driver" | "scenario" | "rmmod") => send({ type: "phase", phase: p, wallMs: nowMs() - started });
  const onLog = (record: LogRecord) => { send({ type: "log", record }); };

  const boot: PrebootOptions = { ...req.boot, logLimit: { lines: limits.logLines, bytes: limits.logBytes } };
  let prebooted = false;
  const go = () => runScenario({
    module: req.module,
    boot: { ...boot, onLog },
    // The default profile's kernel, booted while the host waited, when it is this run's; its boot log is sent now.
    kernel: (() => { const k = batched(() => takePreboot(boot, onLog)); prebooted = k !== undefined; return k; })(),
    params: req.params,
    setup: (k) => {
      kernel = k;
      k.stacks.mapFrame = (f) => mapFrame(bundles, f);
      k.stacks.filter = (file) => sources.has(file);
      k.onFinding = (f) => send({ type: "finding", finding: findingData(f) });
      k.onFindingCount = (index, f) => send({ type: "finding-count", index, count: f.count ?? 1 });
      k.onOops = (message, location) => {
        oopsSent = true;
        send({ type: "failure", failure: { kind: "oops", message: clip(message), location: location && toLocation(location) } });
      };
      k.explainDriverError = explainDriverError;
      if (req.stacks) {
        k.stacks.mode = "on-demand";
        k.stacks.wanted = new Set(req.stacks.wanted);
        k.stacks.onMissing = () => send({ type: "stacks-pending" });
      }
      k.stackOf = trustedStack;
      if (req.debug) debugKernel(k);
      k.onDriverReturn = (m, what) => {
        // Code after the module's exit has returned runs with the module gone.
        if (what === "exit") ended = true;
        draining = what;
        try {
          k.withModule(m, drainAll);
        } finally {
          draining = undefined;
        }
        // A limit reached inside a promise job became that promise's rejection: it still ends the run.
        if (k.halted) throw k.halted;
      };
      k.locateReturn = (what, value, m, callee) => {
        // An async function's Promise was made on its first line; init and exit are known by their module.
        const origin = typeof value === "object" && value !== null ? promiseOrigin.get(value)?.stack : undefined;
        const top = mapped(origin)[0];
        if (top) return toFrame(top);
        // Else the callback the kernel called (a file operation, a fault or irq handler, probe), where it is defined.
        const fn = callee ?? (what === "init" ? m?.init : what === "exit" ? m?.exit : undefined);
        return fn ? locateFunction(driver, fn) : undefined;
      };
      bootLines = k.log.records().length;
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
    onStdout: (text) => {
      if (stdoutBytes >= limits.stdoutBytes) return;
      stdoutBytes += text.length;
      if (stdoutBytes >= limits.stdoutBytes) text = `${text.slice(0, text.length - (stdoutBytes - limits.stdoutBytes))}\n[faultline: the program's output passed ${limits.stdoutBytes} characters; the rest is cut]\n`;
      send({ type: "stdout", text });
    },
  });

  // The run is one call from a context of its own, so V8's watchdog can stop it wherever it spins.
  // A debug run has no time limit: it may sit at a breakpoint.
  const within = (f: () => unknown, ms: number) => callWithin(f, req.debug ? undefined : Math.max(1, Math.round(ms)));
  let summary = { insmod: 0, rmmod: 0, completed: false, processes: [] as ReturnType<typeof runScenario>["processes"], bootLines };
  try {
    const result = within(go, limits.cpuMs) as ReturnType<typeof runScenario>;
    // An oops was reported as it happened; the runner's "kernel:" line would say it twice.
    if (result.failure && !(oopsSent && result.failure.startsWith("kernel:"))) send({ type: "failure", failure: classify(result.failure) });
    summary = { insmod: result.insmod, rmmod: result.rmmod, completed: result.completed, processes: result.processes, bootLines };
    ended = true;
    // What the driver left queued runs now, under what is left of the limit, and is late by definition.
    within(drainAll, limits.cpuMs - (nowMs() - started));
  } catch (e) {
    send({ type: "failure", failure: abortFailure(e, limits) });
  }
  ended = true;
  send({ type: "end", summary: { ...summary, bootLines, ...(prebooted ? { prebooted } : {}), ...(req.stacks && kernel?.stacks.missing.size ? { stacksMissing: [...kernel.stacks.missing] } : {}) } });
}

function abortFailure(e: unknown, limits: HostLimits): Failure {
  // A limit the kernel enforces stays the reason, whatever the driver did after it (caught it, spun on).
  const halted = kernel?.halted;
  if (halted) e = halted;
  if (e instanceof RunAborted) {
    return { kind: e.kind as Failure["kind"], message: clip(e.message), location: e.location && toLocation(e.location), stack: e.stack_.map(toLocation) };
  }
  const code = bounded(() => (e as { code?: unknown } | null)?.code, undefined);
  if (code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    const secs = `${limits.cpuMs / 1000} s`;
    if (blockedAt !== undefined) {
      const stack = mapped(blockedAt);
      const at = stack[0] ? ` at ${stack[0].fn ?? "?"} (${stack[0].file}:${stack[0].line})` : "";
      return { kind: "cpu-limit", message: `the run was blocked for more than ${secs} in Atomics.wait()${at}: nothing can wake it (the simulated machine has one CPU, and this is not a kernel wait): wait with wait_event() or wait_for_completion()`, location: stack[0], stack };
    }
    const calls = kernel?.driverCalls ?? [];
    const task = kernel?.current;
    const where = draining !== undefined ? `in an async continuation of the driver's, run after its ${draining}() returned`
      : calls.length ? `in the driver's ${calls[calls.length - 1]}()${task ? ` (pid ${task.pid}, ${task.comm})` : ""}`
      : ended ? "after the run had ended, in code the driver or scenario left queued" : "in the scenario";
    return { kind: "cpu-limit", message: `the run used more than ${secs} of CPU time, ${where}: a loop that never ends?` };
  }
  const { text, stack: raw, err } = describeThrown(e);
  if (err && /^RangeError: Maximum call stack size exceeded/.test(text)) {
    const stack = mapped(raw);
    return { kind: "oops", message: clip(explainDriverError(err, stack.map(toFrame), raw) ?? text), location: stack[0], stack };
  }
  const stack = mapped(raw);
  if (stack.length) return { kind: "oops", message: text, location: stack[0], stack };
  return { kind: "internal", message: clip(`Faultline's host failed: ${raw ?? text}`) };
}

let relay: Relay | undefined;
/** A debug host's relay is up; its run's request has come (the two happen in either order). */
let relayUp = false, debugRequested = false;

function debugReadyIfBoth(): void {
  if (relayUp && debugRequested) send({ type: "debug-ready" });
}

function startInspectorRelay(): void {
  const r = (relay = early ?? startRelay(watchState));
  early = undefined;
  void r.up.then(() => { relayUp = true; debugReadyIfBoth(); });
  r.onError((e) => send({ type: "failure", failure: { kind: "internal", message: `the inspector relay failed: ${e.message}` } }));
}

// The watchdog: a worker, so no driver code can starve it. It ends the host
// (SIGKILL) when the parent is gone (the host is re-parented), when the
// process's resident memory passes the limit (ArrayBuffers and strings live
// outside V8's heap cap), or at the wall-clock deadline the main thread
// set, unless a debugger is attached. It says why first, on the message
// channel, in one short write (atomic on a pipe), on a line of its own.
const WATCHDOG = `
const fs = require("node:fs");
const { workerData } = require("node:worker_threads");
const watch = new Float64Array(workerData.watch); // [0]: deadline (ms since the epoch, 0: none); [1]: 1 while a debugger is attached; [2]: the limit's span; [3]: the memory limit (bytes)
const ppid = workerData.ppid;
const die = (m) => {
  if (m) try { fs.writeSync(3, "\\n" + JSON.stringify(m) + "\\n"); } catch {}
  process.kill(process.pid, "SIGKILL");
};
setInterval(() => {
  if (process.ppid !== ppid) die(undefined);
  const rss = process.memoryUsage.rss();
  if (rss > watch[3]) die({ type: "killed", reason: "memory", mb: Math.round(rss / 1048576) });
  const deadline = watch[0];
  if (deadline > 0 && watch[1] === 0 && Date.now() > deadline) die({ type: "killed", reason: "time" });
}, 20);
`;

/** A debug host's relay, started by host-entry.ts before this bundle was loaded (it shares the watchdog's state). */
let early = takeEarlyRelay();
const watchState = early?.watch ?? new Float64Array(new SharedArrayBuffer(32));

/** The resident memory the watchdog allows: the default until a run's own limit replaces it. */
function setMemoryLimit(memoryMb: number): void {
  watchState[3] = memoryMb * 1024 * 1024;
}
/** Beyond the CPU limit, how long the host may take to report and exit before its watchdog ends it. */
const DEADLINE_GRACE_MS = 3_000;

function startWatchdog(memoryMb: number, ppid: number): void {
  setMemoryLimit(memoryMb);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  // stdout and stderr its own (it writes to neither): piped to this process's, they would be set up on the way to the run.
  const w = new Worker(WATCHDOG, { eval: true, workerData: { watch: watchState.buffer, ppid }, stdout: true, stderr: true });
  w.unref();
  w.on("error", (e) => send({ type: "failure", failure: { kind: "internal", message: `the host's watchdog failed: ${e.message}` } }));
}

/** The boot options of a run that names no profile and keeps the default limits: what the host boots ahead. */
const DEFAULT_BOOT: PrebootOptions = { logLimit: { lines: DEFAULT_LIMITS.logLines, bytes: DEFAULT_LIMITS.logBytes } };

function main(): void {
  // Its worker's start (a Node environment, the session, the Debugger's enable) overlaps the host's own.
  if (early || isDebugHost()) startInspectorRelay();
  lockdownHostRealm();
  // Kernel objects a driver is handed keep their methods: replaced, they would forge what the kernel reports.
  freezeClassPrototypes([...API_MODULES.values(), ...KERNEL_CLASSES]);
  // Started at once with the default memory limit (the parent may already be gone); a run's own limits replace it below.
  const ppid = process.ppid;
  watchPromises();
  process.on("unhandledRejection", (reason) => {
    // The reason is the driver's: its getters run bounded, and nothing here may throw.
    const { text, stack: raw, err } = describeThrown(reason);
    const stack = mapped(raw);
    const why = err ? bounded(() => explainDriverError(err, stack.map(toFrame), raw), undefined) : undefined;
    send({ type: "failure", failure: { kind: "unhandled-rejection", message: clip(`a promise was rejected and nothing handled it: ${text}${why ? ` (${why})` : ""}`), location: stack[0], stack } });
  });
  let pending: RunRequest | undefined;
  let watching = false;
  const go = (r: RunRequest) => {
    const limits = { ...DEFAULT_LIMITS, ...r.limits };
    if (!watching) { watching = true; startWatchdog(limits.memoryMb, ppid); } else setMemoryLimit(limits.memoryMb);
    // Debug runs too: the limit holds unless a debugger is attached (the relay clears it while one is).
    watchState[2] = limits.cpuMs + DEADLINE_GRACE_MS;
    watchState[0] = Date.now() + watchState[2];
    run(r);
    // A test's request: garbage collected now, the driver's finalizers fall due (their cleanup tasks run in the turns below).
    if (r.gcAtEnd) { v8.setFlagsFromString("--expose-gc"); (vm.runInNewContext("gc") as () => void)(); }
    // Rejections surface after the microtasks of the run; let them, then leave.
    // A connected inspector session would hold the exit ("Waiting for the debugger to disconnect"): end the relay first.
    setImmediate(() => setImmediate(() => {
      if (!relay) process.exit(0);
      void relay.worker.terminate().then(() => process.exit(0));
      setTimeout(() => process.exit(0), 500).unref();
    }));
  };
  const handle = (line: string) => {
    const req = JSON.parse(line) as HostRequest;
    if (req.type === "run" && req.run.debug) {
      pending = req.run;
      // A debug host waiting for its start still ends with its parent.
      const memoryMb = { ...DEFAULT_LIMITS, ...req.run.limits }.memoryMb;
      if (!watching) { watching = true; startWatchdog(memoryMb, ppid); } else setMemoryLimit(memoryMb);
      installDebugApi(req.run);
      debugRequested = true;
      if (relay) debugReadyIfBoth();
      else startInspectorRelay();
      listen(rest, handle); // a debug run waits for its start request
    } else if (req.type === "run") go(req.run);
    else if (req.type === "start" && pending) { const r = pending; pending = undefined; go(r); }
  };
  const codeCache = (globalThis as Record<symbol, unknown>)[Symbol.for("faultline.codeCache")];
  send({ type: "ready", node: process.version, ...(typeof codeCache === "string" ? { codeCache } : {}) });
  // While the request is on its way (bundling, or a spare's wait for a run): the kernel most runs boot, and the realms.
  try {
    preboot(DEFAULT_BOOT);
    makeRealms();
    callContext ??= vm.createContext({ f: undefined });
  } catch {
    /* the run boots its own (makes its own), and says what failed */
  }
  // The watchdog too (a worker's start is a Node environment's): a host whose parent dies while it waits ends with it.
  if (!watching) { watching = true; startWatchdog(DEFAULT_LIMITS.memoryMb, ppid); }
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
