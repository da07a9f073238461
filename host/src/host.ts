// Running a driver in the driver host: bundle the driver and its scenario
// here (esbuild is trusted code and may spawn its own binary), start a host
// process under Node's permission model with a heap cap, hand it the run, and
// collect what it streams. Whatever the driver does (throw, spin, exhaust its
// heap, call process.exit), this side survives and reports it with the log up
// to that point.

import * as path from "node:path";
import type { BootOptions, LogRecord } from "../../sim-core/src";
import { BundleError, bundle, mapFrame, sourcesOf } from "./bundle";
import { bundleCached } from "./bundle-cache";
import { displayPath } from "./sourcemap";
import { fileURLToPath } from "node:url";
export { readLines } from "./read-lines";
export { HostPool, HostProcess, spawnHost, type HostPoolOptions, type HostProcessOptions } from "./spare";
import { debugNode, type Containment } from "./node";
import { readLines } from "./read-lines";
import { HostPool, HostProcess, resolveHostOptions, spawnHost, type ResolvedHostOptions } from "./spare";
import { userImportsOfDriver } from "./driver-imports";
import { runWithStacksOnDemand } from "./stacks-replay";
import {
  DEFAULT_LIMITS, MAX_MESSAGE_BYTES, type BundleData, type Failure, type FindingData, type HostLimits, type HostMessage, type HostRequest, type RunSummary, type SourceLocation,
} from "./protocol";

export interface HostRunSpec {
  readonly driver: string;
  readonly scenario: string;
  /** The module name; by default the driver file's name. */
  readonly module?: string;
  readonly boot?: Omit<BootOptions, "onLog">;
  readonly params?: Readonly<Record<string, string>>;
  readonly limits?: Partial<HostLimits>;
  /** Sees every message as it arrives. */
  readonly onMessage?: (m: HostMessage) => void;
  /** The Node binary for the host (default: the one running this). */
  readonly node?: string;
  /** Folder paths print relative to (default: the current directory). */
  readonly cwd?: string;
  /**
   * A debug run: the host gets the V8 inspector (a Node with --allow-inspector,
   * see node.ts), relayed over pipes by a worker inside it, and no time limit.
   */
  readonly debug?: boolean;
  /**
   * Debug runs on a Node without --allow-inspector: "realm" runs the host with no permission flags (contained by
   * the driver's realm alone); without it such a run fails. A Node with --allow-inspector always gets "process".
   */
  readonly containment?: Containment;
  /**
   * "on-demand" (runInHost's default, not for debug runs): allocations, mappings and frees keep a token, and a
   * run whose reports print such a stack is replayed with it captured (stacks-replay.ts). "capture": every stack.
   */
  readonly stacks?: "capture" | "on-demand";
  /** On demand: the tokens to capture (a replay's). */
  readonly wantedStacks?: readonly number[];
  /** Test hook (the hostile suite): the host collects garbage after the run, so a finalizer's fate is not left to V8's timing. */
  readonly gcAtEnd?: boolean;
}

export interface HostRunResult {
  readonly log: LogRecord[];
  readonly stdout: string;
  readonly findings: FindingData[];
  readonly maps: Array<{ pid: number; comm: string; text: string }>;
  readonly failures: Failure[];
  /** The host's own summary; absent when the host died before it could send one. */
  readonly summary?: RunSummary;
  readonly phases: Partial<Record<"booted" | "driver" | "scenario" | "rmmod", number>>;
  readonly exit: { code: number | null; signal: string | null };
  /** What the host process wrote to stderr (Node's own fatal messages land here). */
  readonly stderr: string;
  /** The host's watchdog ended it: why, and how long after the run began (ms, as the parent saw it). */
  readonly killed?: { readonly reason: "memory" | "time"; readonly afterMs: number };
  /** Stacks on demand: how many times the run was played again to capture the stacks its reports print. */
  readonly stackReplays?: number;
}

const STDERR_KEEP = 64 * 1024;
/** How the watchdog's deadline is described: it gives the host this long past the CPU limit (child.ts, DEADLINE_GRACE_MS). */
const DEADLINE_NOTE = "3 s";
/** Beyond the CPU limit, how long the host gets to stop itself before it is killed. */
const KILL_GRACE_MS = 5_000;

function toData(b: ReturnType<typeof bundle>): BundleData {
  return { filename: b.filename, code: b.code, map: b.mapText };
}

/** A debug run's line to the V8 inspector of the host, relayed inside it (no port is opened). */
export interface InspectorChannel {
  /** Sends a CDP command; the answer arrives through onMessage with the same id. */
  send(command: { id: number; method: string; params?: unknown }): void;
  /** Sees CDP answers and events. */
  onMessage(listener: (m: CdpMessage) => void): void;
}

export interface CdpMessage { readonly id?: number; readonly method?: string; readonly params?: unknown; readonly result?: unknown; readonly error?: { message: string } }

export interface HostSession {
  readonly done: Promise<HostRunResult>;
  /** Debug runs only: the inspector relay (ready once debugReady has resolved). */
  readonly inspector?: InspectorChannel;
  /** Debug runs: resolves when the relay is up; the run waits for start(). */
  readonly debugReady?: Promise<void>;
  /** Debug runs: lets the run begin (breakpoints set by then are hit). */
  start(): void;
  /** Ends the host now. */
  kill(): void;
  /** What contains the host (absent when it could not start). */
  readonly containment?: Containment;
}

/**
 * Runs a driver in a host of its own. A run stopped at its CPU-time limit is
 * run again, identically (the simulation is deterministic), as a debug run
 * that is paused when the limit comes: where it stands is where it spins.
 */
export async function runInHost(spec: HostRunSpec, opts: StartOptions = {}): Promise<HostRunResult> {
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  // A replay for stacks takes the pool's next spare; without a pool, its host is started as soon as the first
  // play says a replay will follow, and comes up while that play finishes. The diagnosis re-run below is a
  // debug host, started cold.
  let next: HostProcess | undefined;
  const prepareReplay = () => {
    if (opts.pool || next) return;
    try {
      next = spawnHost({ node: spec.node, containment: spec.containment, heapMb: limits.heapMb, cwd: spec.cwd });
    } catch { /* the replay starts its own host and reports why it cannot */ }
  };
  let r: HostRunResult;
  try {
    r = await runWithStacksOnDemand(spec, (s) => {
      const spare = next;
      next = undefined;
      return startHost(s, spare ? { ...opts, spare } : opts).done;
    }, prepareReplay);
  } finally {
    next?.kill(); // started for a replay that was not needed after all
  }
  // A stop that already knows its line (a block in Atomics.wait, a memory kill the host located) needs no re-run.
  const i = r.failures.findIndex((f) => (f.kind === "cpu-limit" || f.kind === "heap" || f.kind === "memory") && !f.location);
  if (i >= 0 && !spec.debug && debugNode()) {
    const f = r.failures[i];
    // Memory outside the heap (ArrayBuffers) is not seen by the heap trigger: stop the re-run a little before the kill came instead.
    const trigger: Trigger = f.kind === "cpu-limit" ? { afterMs: limits.cpuMs }
      : r.killed?.reason === "memory" ? { afterMs: Math.max(50, r.killed.afterMs * 0.5) } : { heapBytes: limits.heapMb * 1024 * 1024 * 0.8 };
    const located = await locateStall(spec, trigger, limits).catch(() => undefined);
    const where = located?.frames;
    if (where?.length) {
      const what = f.kind === "cpu-limit" ? "It was spinning at" : "It was allocating at";
      // The realm the code is in decides whose spin it is: the kernel may have been reading a driver's getter, outside any driver call.
      const message = located!.inDriver && / in the scenario:/.test(f.message) ? f.message.replace(" in the scenario:", " in the driver's code, called by the kernel outside any driver callback:") : f.message;
      r.failures[i] = { ...f, message: `${message} ${what} ${where[0].fn ?? "?"} (${displayPath(where[0].file)}:${where[0].line}).`, location: where[0], stack: where };
    }
  }
  return r;
}

/** When a diagnosis re-run is paused: after a time, or once the heap holds this much. */
type Trigger = { afterMs: number } | { heapBytes: number };

/** Beyond its trigger, how long a diagnosis re-run may take before it is given up (it may never stall the same way). */
const LOCATE_GRACE_MS = 5_000;

/** The user's frames where a stalling run stands when the trigger fires (a paused debug re-run), innermost first. */
async function locateStall(spec: HostRunSpec, trigger: Trigger, limits: HostLimits): Promise<{ frames: SourceLocation[]; inDriver: boolean }> {
  const s = startHost({ ...spec, debug: true, onMessage: undefined });
  // The re-run has a debugger attached (this function), so the host's own wall-clock limit is off: this one holds instead.
  const giveUp = setTimeout(() => s.kill(), limits.cpuMs + LOCATE_GRACE_MS);
  try {
    await s.debugReady;
    const scripts = new Map<string, string>();
    type CallFrame = { functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number } };
    let onPaused: ((frames: CallFrame[]) => void) | undefined;
    s.inspector!.onMessage((m) => {
      if (m.method === "Debugger.scriptParsed") {
        const p = m.params as { scriptId: string; url: string };
        scripts.set(p.scriptId, p.url.startsWith("file:") ? fileURLToPath(p.url) : p.url);
      } else if (m.method === "Debugger.paused") onPaused?.((m.params as { callFrames: CallFrame[] }).callFrames);
    });
    const nextPause = () => new Promise<CallFrame[]>((resolve) => { onPaused = resolve; });
    let paused = nextPause();
    s.inspector!.send({ id: 1, method: "Debugger.enable" });
    // A `debugger;` statement the driver passes first must not be taken for where it spins. The relay has the
    // Debugger enabled before this asks (relay.ts): the run starts only once breakpoints are off, or it stops there.
    const inactive = new Promise<void>((resolve) => s.inspector!.onMessage((m) => { if (m.id === 3) resolve(); }));
    s.inspector!.send({ id: 3, method: "Debugger.setBreakpointsActive", params: { active: false } });
    if (!(await Promise.race([inactive.then(() => true), s.done.then(() => false)]))) return { frames: [], inDriver: false };
    s.start();
    const pause = () => s.inspector!.send({ id: 2, method: "Debugger.pause" });
    let timer: NodeJS.Timeout;
    if ("afterMs" in trigger) timer = setTimeout(pause, trigger.afterMs);
    else {
      // The relay answers while the run goes on: watch the heap grow and stop it short of the cap.
      let id = 100;
      s.inspector!.onMessage((m) => {
        const used = (m.result as { usedSize?: number } | undefined)?.usedSize;
        if (m.id !== undefined && m.id >= 100 && used !== undefined && used > trigger.heapBytes) { clearInterval(timer); pause(); }
      });
      timer = setInterval(() => s.inspector!.send({ id: id++, method: "Runtime.getHeapUsage" }), 20);
    }
    const bundles = [bundle(spec.driver), bundle(spec.scenario)];
    const sources = new Set(bundles.flatMap(sourcesOf));
    const driverSources = new Set(sourcesOf(bundles[0]));
    const userFrames = (frames: CallFrame[]) => frames
      .map((f) => mapFrame(bundles, { fn: f.functionName || "<anonymous>", file: scripts.get(f.location.scriptId) ?? "", line: f.location.lineNumber + 1, column: f.location.columnNumber + 1 }))
      .filter((f) => sources.has(f.file))
      .map((f) => ({ file: f.file, line: f.line, column: f.column, fn: f.fn }));
    let out: SourceLocation[] = [];
    // A pause can land between two of the user's jobs (in the host's promise machinery): let it run a moment and look again.
    for (let attempt = 0; attempt < 5 && !out.length; attempt++) {
      const frames = await Promise.race([paused, s.done.then(() => undefined)]);
      if (!frames) break;
      if (attempt === 0) { clearTimeout(timer); clearInterval(timer); }
      out = userFrames(frames);
      if (!out.length) {
        paused = nextPause();
        s.inspector!.send({ id: 10 + attempt, method: "Debugger.resume" });
        setTimeout(pause, 20);
      }
    }
    return { frames: out, inDriver: out.length > 0 && driverSources.has(out[0].file) };
  } finally {
    clearTimeout(giveUp);
    s.kill();
  }
}

/** Where a run's host comes from: a given spare, a pool's, else a process spawned for it. */
export interface StartOptions {
  /** Used when it was started with the options this run needs and is unclaimed; else left alone. */
  readonly spare?: HostProcess;
  /** A spare of the pool's when one is up (the pool then starts the next). */
  readonly pool?: HostPool;
  /** "later": the pool's next spare is the caller's to start (pool.warm), once this run's host is up. Default "now". */
  readonly refill?: "now" | "later";
}

export function startHost(spec: HostRunSpec, opts: StartOptions = {}): HostSession {
  const limits: HostLimits = { ...DEFAULT_LIMITS, ...spec.limits };
  const result = {
    log: [] as LogRecord[], stdout: "", findings: [] as FindingData[], maps: [] as HostRunResult["maps"], failures: [] as Failure[],
    summary: undefined as RunSummary | undefined, phases: {} as HostRunResult["phases"], exit: { code: null as number | null, signal: null as string | null }, stderr: "",
    killed: undefined as HostRunResult["killed"],
  };
  const idle: HostSession = { done: Promise.resolve(result), start() {}, kill() {} };
  const debug = spec.debug === true;
  let options: ResolvedHostOptions;
  try {
    options = resolveHostOptions({ node: spec.node, debug, containment: spec.containment, heapMb: limits.heapMb, cwd: spec.cwd });
  } catch (e) {
    const node = spec.node ?? (debug ? debugNode() : undefined) ?? process.execPath;
    const failure: Failure = { kind: "internal", message: `could not start the driver host with ${node}: ${(e as Error).message}` };
    result.failures.push(failure);
    spec.onMessage?.({ type: "failure", failure });
    return idle;
  }
  const { node, containment } = options;
  // The host starts while esbuild bundles: the two take about as long, and neither needs the other.
  let bundleFailure: Failure | undefined;
  const requestReady = Promise.all([bundleCached(spec.driver), bundleCached(spec.scenario)]).then(([driver, scenario]): HostRequest => {
    const userImports = userImportsOfDriver(driver);
    if (userImports.length) throw new BundleError(userImports.join("\n"));
    return {
    type: "run",
    run: {
      driver: toData(driver), scenario: toData(scenario), limits,
      module: spec.module ?? path.basename(spec.driver).replace(/\.[cm]?tsx?$/, ""),
      boot: spec.boot, params: spec.params, debug,
      ...(spec.stacks === "on-demand" && !debug ? { stacks: { wanted: spec.wantedStacks ?? [] } } : {}),
      ...(spec.gcAtEnd ? { gcAtEnd: true } : {}),
    },
    };
  }).catch((e: unknown) => {
    bundleFailure = e instanceof BundleError ? { kind: "bundle", message: e.message } : { kind: "internal", message: `bundling failed: ${(e as Error)?.stack ?? String(e)}` };
    return undefined;
  });

  const given = opts.spare?.options.key === options.key && opts.spare.usable ? opts.spare : undefined;
  const refillNow = opts.refill !== "later";
  const proc = given ?? opts.pool?.take(options, refillNow) ?? spawnHost(options);
  // A given spare stands in for the pool's: the pool still starts the next run's host (now, unless the caller will).
  if (given && refillNow) opts.pool?.warm(options);
  let readyForDebug: (() => void) | undefined;
  const debugReady = debug ? new Promise<void>((r) => { readyForDebug = r; }) : undefined;
  const emit = (m: HostMessage) => {
    switch (m.type) {
      case "ready":
        void requestReady.then((request) => {
          if (request) child.stdin!.write(JSON.stringify(request) + "\n");
          else child.kill("SIGKILL"); // nothing to run: the bundle failure is the result
        });
        break;
      case "debug-ready": readyForDebug?.(); break;
      case "log": result.log.push(m.record); break;
      case "stdout": result.stdout += m.text; break;
      case "finding": result.findings.push(m.finding); break;
      case "finding-count": { const f = result.findings[m.index]; if (f) result.findings[m.index] = { ...f, count: m.count }; break; }
      case "maps": result.maps.push({ pid: m.pid, comm: m.comm, text: m.text }); break;
      case "failure": result.failures.push(m.failure); break;
      case "phase": result.phases[m.phase] = m.wallMs; if (m.phase === "booted") runStartedAt = performance.now() - m.wallMs; break;
      case "end": result.summary = m.summary; break;
      case "killed": killedBy = m; result.killed = { reason: m.reason, afterMs: performance.now() - (runStartedAt ?? performance.now()) }; break;
      default: break;
    }
    spec.onMessage?.(m);
  };
  let killedBy: Extract<HostMessage, { type: "killed" }> | undefined;
  let runStartedAt: number | undefined;
  let killedForTime = false;
  // A debug run may sit at a breakpoint for as long as its user likes.
  const timer = debug ? undefined : setTimeout(() => { killedForTime = true; child.kill("SIGKILL"); }, limits.cpuMs + KILL_GRACE_MS);
  let resolveDone!: (r: HostRunResult) => void;
  const done = new Promise<HostRunResult>((resolve) => { resolveDone = resolve; });
  // A spare replays what it sent before this run claimed it (its "ready", or its death), then the rest as it comes.
  const child = proc.claim((e) => {
    switch (e.kind) {
      case "line":
        if (!e.line) return; // the watchdog starts its message on a line of its own
        try {
          emit(JSON.parse(e.line) as HostMessage);
        } catch (err) {
          emit({ type: "failure", failure: { kind: "internal", message: `unreadable message from the host: ${(err as Error).message}` } });
        }
        return;
      case "too-long":
        emit({ type: "failure", failure: { kind: "internal", message: `the host sent a message of ${e.length} characters, more than the ${MAX_MESSAGE_BYTES} a message may have; it was dropped` } });
        return;
      case "stderr":
        if (result.stderr.length < STDERR_KEEP) result.stderr += e.text.slice(0, STDERR_KEEP - result.stderr.length);
        return;
      case "error":
        // The host could not be started at all (no such node, out of processes): no "close" follows.
        if (timer) clearTimeout(timer);
        emit({ type: "failure", failure: { kind: "internal", message: `could not start the driver host (${node}): ${e.error.message}` } });
        resolveDone(result);
        return;
      case "close":
        // "close" comes after the process has exited and its pipes are drained: every message sent is in.
        if (timer) clearTimeout(timer);
        result.exit = { code: e.code, signal: e.signal };
        void requestReady.then(() => {
          if (bundleFailure) emit({ type: "failure", failure: bundleFailure });
          else if (!result.summary || killedBy || e.code !== 0) emit({ type: "failure", failure: deathFailure(result, limits, killedForTime, killedBy) });
          resolveDone(result);
        });
        return;
    }
  });
  let inspector: InspectorChannel | undefined;
  if (debug) {
    const listeners: Array<(m: CdpMessage) => void> = [];
    readLines((child.stdio as unknown[])[5] as NodeJS.ReadableStream, (line) => { const m = JSON.parse(line) as CdpMessage; for (const l of listeners) l(m); });
    const cdpIn = (child.stdio as unknown[])[4] as NodeJS.WritableStream;
    cdpIn.on("error", () => { /* the host is gone; the run's result says why */ });
    inspector = { send: (c) => { cdpIn.write(JSON.stringify(c) + "\n"); }, onMessage: (l) => { listeners.push(l); } };
  }
  return {
    done, inspector, debugReady, containment,
    start: () => { if (debug) child.stdin!.write(JSON.stringify({ type: "start" }) + "\n"); },
    kill: () => { child.kill("SIGKILL"); },
  };
}

/** Why a host died before its end message, or how it failed after it (its exit is part of the run). */
function deathFailure(
  r: { stderr: string; phases: HostRunResult["phases"]; exit: HostRunResult["exit"]; summary?: RunSummary },
  limits: HostLimits, killedForTime: boolean, killedBy: Extract<HostMessage, { type: "killed" }> | undefined,
): Failure {
  const phase = r.summary ? "after the run had ended" : r.phases.rmmod !== undefined ? "while unloading the module" : r.phases.scenario !== undefined ? "while the scenario ran" : r.phases.driver !== undefined ? "while the driver loaded" : "before the driver ran";
  if (killedBy?.reason === "memory") {
    // Not "heap": V8's heap cap never saw this memory (ArrayBuffers live outside it); the resident size did.
    return { kind: "memory", message: `out of memory: the host's resident memory reached ${killedBy.mb} MiB, past its ${limits.memoryMb} MiB limit, ${phase}: the driver keeps allocating memory (ArrayBuffers, typed arrays, strings, objects) without bound; its watchdog ended it.` };
  }
  if (killedBy?.reason === "time") {
    return { kind: "cpu-limit", message: `the host was still running ${DEADLINE_NOTE} past its ${limits.cpuMs / 1000} s limit ${phase} (code outside every limit: a finalizer, a rejection handler, work left queued); its watchdog ended it.` };
  }
  if (/heap out of memory|Reached heap limit|Allocation failed/.test(r.stderr)) {
    return { kind: "heap", message: `the host ran out of its ${limits.heapMb} MiB heap ${phase}: the driver keeps allocating JavaScript memory (arrays, strings, objects) without bound.`, detail: lastLines(r.stderr, 4) };
  }
  if (killedForTime) return { kind: "cpu-limit", message: `the host did not stop at its CPU-time limit (${limits.cpuMs / 1000} s) and was killed ${phase}` };
  if (r.exit.signal) return { kind: "host-exit", message: `the host was killed by ${r.exit.signal} ${phase}`, detail: lastLines(r.stderr, 6) };
  if (r.summary) return { kind: "host-exit", message: `the host exited with code ${r.exit.code} ${phase}: it crashed after its summary, so the run cannot be called clean`, detail: lastLines(r.stderr, 6) };
  return { kind: "host-exit", message: `the host exited with code ${r.exit.code} ${phase}, before the run ended (process.exit() or a crash)`, detail: lastLines(r.stderr, 6) };
}

function lastLines(s: string, n: number): string[] {
  return s.trimEnd().split("\n").slice(-n).filter((l) => l.trim());
}
