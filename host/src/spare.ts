// Driver host processes started ahead of need (issue 14). A host's start
// (Node, the host's code, its watchdog) does not depend on the driver: the
// driver and its scenario cross as bundles in the run's request. So a host
// can be spawned before the run is known and claimed by it later; the run
// then pays only for its request. A spare is one process for one run, handed
// out once and never reused, so a run in a spare is isolated exactly as a run
// in a host spawned for it.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { chooseContainment, debugNode, hostEntry, hostFlags, parseVersion, type Containment } from "./node";
import { DEFAULT_LIMITS, MAX_MESSAGE_BYTES } from "./protocol";
import { readLines } from "./read-lines";
import { DEBUG_HOST_ARG } from "./relay";

/** What a host process is started with; everything else about a run is in its request. */
export interface HostProcessOptions {
  /** The Node binary (default: a debug-capable Node for debug hosts, else the one running this). */
  readonly node?: string;
  readonly debug?: boolean;
  readonly containment?: Containment;
  /** The V8 heap cap (default: DEFAULT_LIMITS.heapMb). */
  readonly heapMb?: number;
  /** The host's working directory (default: this process's). */
  readonly cwd?: string;
}

/** The options resolved: two hosts with equal keys are interchangeable before their request. */
export interface ResolvedHostOptions {
  readonly node: string;
  readonly debug: boolean;
  readonly containment: Containment;
  readonly heapMb: number;
  readonly cwd: string;
  readonly key: string;
}

/** Throws when the Node cannot be asked its version or cannot give a debug run what it needs. */
export function resolveHostOptions(o: HostProcessOptions): ResolvedHostOptions {
  const debug = o.debug === true;
  const node = o.node ?? (debug ? debugNode() : undefined) ?? process.execPath;
  const version = parseVersion(node === process.execPath ? process.version : nodeVersionOf(node));
  const containment = chooseContainment(version, debug, o.containment);
  const heapMb = o.heapMb ?? DEFAULT_LIMITS.heapMb;
  const cwd = path.resolve(o.cwd ?? process.cwd());
  return { node, debug, containment, heapMb, cwd, key: JSON.stringify([node, debug, containment, heapMb, cwd]) };
}

const versions = new Map<string, string>();
function nodeVersionOf(node: string): string {
  let v = versions.get(node);
  if (v === undefined) versions.set(node, (v = execFileSync(node, ["--version"], { encoding: "utf8" }).trim()));
  return v;
}

/** What a host process did, in the order it happened: what a run sees, replayed from its spawn on. */
export type HostProcessEvent =
  | { readonly kind: "line"; readonly line: string }
  | { readonly kind: "too-long"; readonly length: number }
  | { readonly kind: "stderr"; readonly text: string }
  | { readonly kind: "error"; readonly error: Error }
  | { readonly kind: "close"; readonly code: number | null; readonly signal: string | null };

/** Stderr an unclaimed host may hold (the run keeps its own bound too). */
const IDLE_STDERR_KEEP = 64 * 1024;

/**
 * A started host that no run has claimed yet. Until claimed it holds what the
 * process sends (its "ready", or why it died) and does not keep this process
 * alive: the child and its pipes are unref'd. Claimed, it is a run's alone.
 */
export class HostProcess {
  readonly options: ResolvedHostOptions;
  readonly child: ChildProcess;
  private held: HostProcessEvent[] = [];
  private heldStderr = 0;
  private sink: ((e: HostProcessEvent) => void) | undefined;
  private claimedFlag = false;
  private closedFlag = false;
  private readyFlag = false;
  /** Called when the process ends before any run claimed it (the pool's cue to drop it). */
  onIdleExit: ((p: HostProcess) => void) | undefined;

  constructor(options: ResolvedHostOptions) {
    this.options = options;
    const { entry, read } = hostEntry();
    // The host reads only its own code: the driver and the scenario arrive as bundles in the request.
    const args = [...hostFlags({ version: parseVersion(options.node === process.execPath ? process.version : nodeVersionOf(options.node)), read, heapMb: options.heapMb, debug: options.debug, containment: options.containment }), entry,
      // A debug host starts its inspector relay with itself (relay.ts): an argument, as realm containment has no flags.
      ...(options.debug ? [DEBUG_HOST_ARG] : [])];
    // fd 3: messages; debug hosts add fd 4 (CDP in) and fd 5 (CDP out) for the inspector relay.
    const stdio: Array<"pipe" | "ignore"> = ["pipe", "ignore", "pipe", "pipe", ...(options.debug ? ["pipe", "pipe"] as const : [])];
    const child = (this.child = spawn(options.node, args, { stdio, cwd: options.cwd, env: {} }));
    readLines(child.stdio[3] as NodeJS.ReadableStream, (line) => {
      if (!this.claimedFlag && !this.readyFlag) {
        try { if ((JSON.parse(line) as { type?: unknown }).type === "ready") this.readyFlag = true; } catch { /* the run that claims it reports it */ }
      }
      this.deliver({ kind: "line", line });
    }, MAX_MESSAGE_BYTES, (length) => this.deliver({ kind: "too-long", length }));
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => this.deliver({ kind: "stderr", text }));
    child.stdin!.on("error", () => { /* the host died before reading its request: its close says so */ });
    child.on("error", (error) => { this.closedFlag = true; this.deliver({ kind: "error", error }); this.idleEnd(); });
    child.on("close", (code, signal) => { this.closedFlag = true; this.deliver({ kind: "close", code, signal }); this.idleEnd(); });
    this.setRef(false);
  }

  /** Not claimed, and as far as this process knows still running. */
  get usable(): boolean {
    return !this.claimedFlag && !this.closedFlag && this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  get claimed(): boolean { return this.claimedFlag; }
  /** The host said it can take its request. */
  get ready(): boolean { return this.readyFlag; }

  /**
   * Makes the process a run's: what it sent so far is replayed to `sink` at
   * once, the rest as it comes, and it keeps this process alive again. Once only.
   */
  claim(sink: (e: HostProcessEvent) => void): ChildProcess {
    if (this.claimedFlag) throw new Error("a host process serves one run only");
    this.claimedFlag = true;
    this.setRef(true);
    const held = this.held;
    this.held = [];
    for (const e of held) sink(e);
    this.sink = sink;
    return this.child;
  }

  /** Ends the process (a spare no longer wanted, or a run's host). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private deliver(e: HostProcessEvent): void {
    if (this.sink) { this.sink(e); return; }
    if (e.kind === "stderr") {
      if (this.heldStderr >= IDLE_STDERR_KEEP) return;
      const text = e.text.slice(0, IDLE_STDERR_KEEP - this.heldStderr);
      this.heldStderr += text.length;
      this.held.push({ kind: "stderr", text });
    } else this.held.push(e);
  }

  private idleEnd(): void {
    if (!this.claimedFlag) this.onIdleExit?.(this);
  }

  /** While idle the host must not hold this process open: a CLI that is done exits, its spare with it. */
  private setRef(on: boolean): void {
    if (on) this.child.ref(); else this.child.unref();
    for (const s of this.child.stdio) {
      const h = s as unknown as { ref?: () => void; unref?: () => void } | null;
      if (on) h?.ref?.(); else h?.unref?.();
    }
  }
}

/** A host process started now, for a run to claim later. Throws as resolveHostOptions does. */
export function spawnHost(o: HostProcessOptions | ResolvedHostOptions): HostProcess {
  return new HostProcess("key" in o ? o : resolveHostOptions(o));
}

export interface HostPoolOptions {
  /** Spares kept ready per option set (one per concurrent run: `faultline test` keeps one per job). Default 1. */
  readonly perKey?: number;
  /** How many spares the pool may start over its life (a command that knows how many runs are left). Default: no bound. */
  readonly budget?: number;
}

/**
 * Spares, `perKey` per option set, each handed out once. Taking one starts
 * its replacement at once; a spare that dies while idle is dropped (never
 * handed out) and replaced if it had come up, so a Node that cannot start
 * does not spawn for ever.
 */
export class HostPool {
  private readonly spares = new Map<string, HostProcess[]>();
  private readonly perKey: number;
  private budget: number;
  private disposed = false;
  /** Spares started so far (tests and the bench read it). */
  started = 0;

  constructor(o: HostPoolOptions = {}) {
    this.perKey = Math.max(1, o.perKey ?? 1);
    this.budget = o.budget ?? Infinity;
  }

  /** Starts spares for these options now, up to perKey (ahead of the first run). */
  warm(o: HostProcessOptions | ResolvedHostOptions): void {
    const r = "key" in o ? o : resolveHostOptions(o);
    this.fill(r);
  }

  /**
   * A started, unclaimed host for these options, or undefined when none is up
   * (the caller spawns one). Either way the pool starts one for the next run, now, or (`refill` false) when
   * the caller calls warm(): a debug launch does once it has stopped, so that the next host's start does not
   * take CPU from this one's.
   */
  take(o: HostProcessOptions | ResolvedHostOptions, refill = true): HostProcess | undefined {
    if (this.disposed) return undefined;
    const r = "key" in o ? o : resolveHostOptions(o);
    const list = this.spares.get(r.key) ?? [];
    // The oldest first: the likeliest to be ready.
    const i = list.findIndex((p) => p.usable);
    const got = i >= 0 ? list.splice(i, 1)[0] : undefined;
    if (got) got.onIdleExit = undefined;
    if (refill) this.fill(r);
    return got;
  }

  /** Spares idle now (tests). */
  idle(key?: string): HostProcess[] {
    return [...this.spares.entries()].filter(([k]) => key === undefined || k === key).flatMap(([, l]) => l);
  }

  /** Kills every idle spare; the pool starts no more. */
  dispose(): void {
    this.disposed = true;
    for (const l of this.spares.values()) for (const p of l) { p.onIdleExit = undefined; p.kill(); }
    this.spares.clear();
  }

  private fill(r: ResolvedHostOptions): void {
    if (this.disposed) return;
    const list = this.spares.get(r.key) ?? [];
    this.spares.set(r.key, list);
    while (list.length < this.perKey && this.budget > 0) {
      let p: HostProcess;
      try {
        p = spawnHost(r);
      } catch {
        return; // the run's own start will report why
      }
      this.budget--;
      this.started++;
      p.onIdleExit = (dead) => {
        const l = this.spares.get(r.key);
        const at = l?.indexOf(dead) ?? -1;
        if (at >= 0) l!.splice(at, 1);
        // A spare that came up and then died (killed from outside, the machine short of memory) is replaced;
        // one that died before its "ready" would most likely die again.
        if (dead.ready) this.fill(r);
      };
      list.push(p);
    }
  }
}
