// DebugRun: one debug session's driver host, its inspector and its source
// maps, in Faultline's terms (no DAP types: session.ts translates). It
// starts a debug run of the host (host.ts startHost({debug:true})), binds
// breakpoints in the bundles before the run starts, keeps the stepping in
// the user's code by blackboxing every script that is not a bundle (the
// kernel, the host, Node), presents kernel events from a breakpoint in the
// host's trap (host/src/debug-hooks.ts), and reads kernel state through the
// host's debug API while paused.

import { EventEmitter } from "node:events";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { fromData } from "../../host/src/sourcemap";
import { HostPool, spawnHost, startHost, type HostProcess, type HostRunResult, type HostSession } from "../../host/src/host";
import { resolveHostOptions } from "../../host/src/spare";
import type { BundleData, Failure, FindingData, HostMessage } from "../../host/src/protocol";
import type { BootOptions, LogRecord } from "../../sim-core/src";
import { Cdp, type CallFrame, type EvaluateResult, type PausedEvent, type PropertyDescriptor, type RemoteObject } from "./cdp";
import { firstUserLine, originalOf, resolveBreakpoint, scriptBundle, type ScriptBundle } from "./breakpoints";

export interface RunConfig {
  readonly driver: string;
  readonly scenario: string;
  readonly module: string;
  readonly boot: Omit<BootOptions, "onLog">;
  readonly params?: Record<string, string>;
  readonly stopOnEntry: boolean;
  readonly cwd: string;
  /** A Node with --allow-inspector (see ARCHITECTURE.md, "Debug adapter"). */
  readonly node?: string;
  /** "realm" lets a Node without --allow-inspector run the host with no permission model (host.ts). */
  readonly containment?: "process" | "realm";
}

export interface LineBreakpoint { line: number; condition?: string; hitCondition?: string; logMessage?: string }
export interface BoundBreakpoint { id: number; verified: boolean; line: number; message?: string }

/** What a kernel event stop carries (host/src/debug-hooks.ts TrapEvent). */
export interface KernelStopEvent { kind: string; description: string; fields: Record<string, string | number | boolean | null>; seq: number }

export type StopReason = "entry" | "breakpoint" | "step" | "pause" | "event" | "exception" | "function breakpoint" | "data breakpoint";
export interface Stop { reason: StopReason; description?: string; text?: string; event?: KernelStopEvent; breakpointIds?: number[] }

export interface RunFrame {
  readonly id: number;
  readonly name: string;
  /** user: a driver or scenario line; kernel: the kernel's own frames between user frames, shown as one. */
  readonly kind: "user" | "kernel";
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Index into the CDP call frames (user frames). */
  readonly cdp?: number;
}

export interface RunScope { name: string; objectId: string; expensive: boolean }

export interface RunOutput { category: "console" | "stdout" | "stderr" | "important"; text: string; file?: string; line?: number; column?: number }

/** A kernel-event watch: the filter's kind and an optional condition over its fields. */
export interface EventWatch { kind: string; condition?: string }

const DEBUG_GLOBAL = "__faultlineDebug";

/**
 * A debug host started ahead of the next launch once a session has run (debug flags, the debug Node): a launch
 * then waits for its request, not for a Node start. Each serves one session (isolation unchanged). The next one
 * starts a second after a run's first stop, not beside the run's own start (on two cores it would halve it).
 */
let spares: HostPool | undefined;

/** How long a run has been stopped (at its first stop) before the pool's next host starts. */
const NEXT_HOST_DELAY_MS = 1_000;

/** What a session can know of its launch's host before the launch: what the adapter was started with. */
export interface SpareHostOptions { readonly node?: string; readonly containment?: "process" | "realm"; readonly cwd: string }

/**
 * The host for a session's launch, started when the session is initialized (a client sends initialize before
 * launch): the pool's idle spare for these options if one is up, else a process started now. It is the
 * session's alone; its launch runs in it when the launch needs exactly these options (DebugRun kills it
 * otherwise). Undefined when no such host can be started (the launch says why).
 */
export function startSessionHost(o: SpareHostOptions): HostProcess | undefined {
  try {
    const r = resolveHostOptions({ node: o.node, debug: true, containment: o.containment, cwd: o.cwd });
    return spares?.take(r, false) ?? spawnHost(r);
  } catch {
    return undefined;
  }
}

/** Kills the spare debug host (the extension's deactivation). */
export function disposeDebugSpareHosts(): void {
  spares?.dispose();
  spares = undefined;
}
/** Frames deeper than this are not examined (a runaway recursion's stack). */
const MAX_FRAMES = 200;

export declare interface DebugRun {
  on(event: "stopped", l: (s: Stop) => void): this;
  on(event: "continued", l: () => void): this;
  on(event: "output", l: (o: RunOutput) => void): this;
  on(event: "breakpoint", l: (b: BoundBreakpoint & { file: string }) => void): this;
  on(event: "ended", l: (r: HostRunResult) => void): this;
}

export class DebugRun extends EventEmitter {
  private host: HostSession | undefined;
  private cdp: Cdp | undefined;
  private scripts: ScriptBundle[] = [];
  private readonly scriptUrls = new Map<string, string>(); // scriptId → url
  private apiId: string | undefined;
  private trapBp: string | undefined;
  private entryBp: string | undefined;
  private readonly userBps = new Map<string, Array<{ cdpId: string; id: number; bp: LineBreakpoint; hits: number; line: number }>>(); // file → bps
  /** CDP breakpoints by bundle location: V8 refuses a second one at a place, so breakpoints there share it. */
  private readonly cdpAt = new Map<string, string>();
  private readonly fnBps = new Map<string, { id: number; name: string; condition?: string }>(); // cdp id → bp
  private nextBpId = 1;
  private watches: EventWatch[] = [];
  private continueKinds: string[] | undefined;
  private paused: PausedEvent | undefined;
  private frames: RunFrame[] = [];
  private frameBase = 0;
  private stepping = false;
  private pauseRequested = false;
  private ended = false;
  private result: HostRunResult | undefined;
  private conditionErrors = new Set<string>();
  readonly config: RunConfig;

  /** `spare`: the session's host started at initialize (startSessionHost); used if it fits, else killed. */
  constructor(config: RunConfig, private spare?: HostProcess) {
    super();
    this.config = config;
  }

  /** What contains the running host: "process" (Node's permission model) or "realm" (nothing but the realm). */
  get containment(): "process" | "realm" | undefined { return this.host?.containment; }
  get isPaused(): boolean { return this.paused !== undefined; }
  get isEnded(): boolean { return this.ended; }
  get lastEvent(): KernelStopEvent | undefined { return this.stopEvent; }
  private stopEvent: KernelStopEvent | undefined;

  /** Bundles the driver and scenario, starts the host and its inspector; the run waits for start(). */
  async prepare(): Promise<void> {
    const c = this.config;
    const pool = (spares ??= new HostPool());
    const host = startHost({
      driver: c.driver, scenario: c.scenario, module: c.module, boot: c.boot, params: c.params, debug: true, node: c.node, cwd: c.cwd,
      ...(c.containment ? { containment: c.containment } : {}),
      onMessage: (m) => this.onHostMessage(m),
    }, { pool, refill: "later", ...(this.spare ? { spare: this.spare } : {}) });
    // Started for other options (a nodePath, cwd or containment in the launch): nobody else may have it.
    if (this.spare && !this.spare.claimed) this.spare.kill();
    this.spare = undefined;
    // The pool's next host (a re-run's: step back, restart; the next session's in an inline adapter) starts while
    // the user looks at the first stop, not while this run starts nor while it answers the first steps.
    let refill: NodeJS.Timeout | undefined;
    this.once("stopped", () => {
      refill = setTimeout(() => {
        try {
          pool.warm({ node: c.node, debug: true, containment: c.containment, cwd: c.cwd });
        } catch { /* a later run starts its own host and says why it cannot */ }
      }, NEXT_HOST_DELAY_MS);
      refill.unref();
    });
    this.once("ended", () => clearTimeout(refill));
    this.host = host;
    void host.done.then((r) => this.onEnded(r));
    if (!host.debugReady) throw new Error((await host.done).failures.map((f) => f.message).join("; ") || "the driver host did not start a debug run");
    const ready = await Promise.race([host.debugReady.then(() => true), host.done.then(() => false)]);
    if (!ready) throw new Error(`the driver host could not start: ${(this.result?.failures ?? []).map((f) => f.message).join("; ") || "no reason given"}`);
    const cdp = (this.cdp = new Cdp(host.inspector!));
    cdp.on<{ scriptId: string; url: string }>("Debugger.scriptParsed", (p) => { this.scriptUrls.set(p.scriptId, p.url); });
    cdp.on<PausedEvent>("Debugger.paused", (p) => { void this.onPaused(p).catch((e) => this.output("important", `Faultline: ${(e as Error).message}\n`)); });
    cdp.on("Debugger.resumed", () => { this.paused = undefined; });
    cdp.on<{ breakpointId: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }>("Debugger.breakpointResolved", (p) => this.onResolved(p.breakpointId, p.location));
    // The relay answers in order and nothing here depends on an earlier answer but the API's id: pipelined, in
    // three round trips rather than eight (the launch's time is mostly process starts; this is its share).
    const [, , api] = await Promise.all([
      cdp.send("Debugger.enable", { maxScriptsCacheSize: 0 }),
      // skipFiles by construction: only the bundles are the user's; the kernel, the host and Node are stepped through.
      cdp.send("Debugger.setBlackboxPatterns", { patterns: ["^(?!file://.*\\.bundle\\.js$)"] }),
      cdp.send<EvaluateResult>("Runtime.evaluate", { expression: `globalThis.${DEBUG_GLOBAL}`, silent: true }),
    ]);
    this.apiId = api.result.objectId;
    if (!this.apiId) throw new Error("the driver host has no debug API (host/src/debug-hooks.ts)");
    // The bundles the host was handed, maps included: known before any driver code runs, and not built twice.
    const [data, trap] = await Promise.all([
      cdp.callByValue<BundleData[]>(this.apiId, "function () { return this.bundles(); }"),
      cdp.send<{ result: RemoteObject }>("Runtime.callFunctionOn", { objectId: this.apiId, functionDeclaration: "function () { return this.trap; }", silent: true }),
    ]);
    this.scripts = data.map((d) => scriptBundle(fromData(d)));
    if (this.scripts.length !== 2) throw new Error("the driver host did not hand over the run's bundles");
    const first = c.stopOnEntry ? firstUserLine(this.scripts[0], c.driver) : undefined;
    const [trapBp, , entryBp] = await Promise.all([
      cdp.send<{ breakpointId: string }>("Debugger.setBreakpointOnFunctionCall", { objectId: trap.result.objectId }),
      this.applyWatches(),
      first ? cdp.send<{ breakpointId: string }>("Debugger.setBreakpointByUrl", { url: this.scripts[0].url, ...first }) : undefined,
    ]);
    this.trapBp = trapBp.breakpointId;
    if (first && entryBp) {
      this.entryBp = entryBp.breakpointId;
      this.cdpAt.set(`${this.scripts[0].url}:${first.lineNumber}:${first.columnNumber}`, this.entryBp);
    }
  }

  /** Lets the run begin: every breakpoint set by now is bound. */
  start(): void {
    this.host?.start();
  }

  terminate(): void {
    this.host?.kill();
    if (this.spare && !this.spare.claimed) this.spare.kill();
    this.spare = undefined;
  }

  /** The run's files (driver, scenario and what they import), for "is this file part of the run". */
  get sourceFiles(): string[] {
    return this.scripts.flatMap((s) => [...s.sources.keys()]);
  }

  // ------------------------------------------------------------ breakpoints

  async setBreakpoints(file: string, bps: LineBreakpoint[]): Promise<BoundBreakpoint[]> {
    const abs = path.resolve(file);
    const cdp = this.cdp;
    const olds = this.userBps.get(abs) ?? [];
    this.userBps.set(abs, []);
    for (const old of olds) {
      const shared = old.cdpId === this.entryBp || [...this.userBps.values()].some((l) => l.some((b) => b.cdpId === old.cdpId));
      if (shared) continue;
      for (const [k, v] of this.cdpAt) if (v === old.cdpId) this.cdpAt.delete(k);
      await cdp?.send("Debugger.removeBreakpoint", { breakpointId: old.cdpId }).catch(() => undefined);
    }
    const out: BoundBreakpoint[] = [];
    for (const bp of bps) {
      const id = this.nextBpId++;
      const r = resolveBreakpoint(this.scripts, abs, bp.line);
      if (!r.ok || !cdp) {
        out.push({ id, verified: false, line: bp.line, message: r.ok ? "the run has not started" : r.message });
        continue;
      }
      try {
        const key = `${r.script.url}:${r.lineNumber}:${r.columnNumber}`;
        let cdpId = this.cdpAt.get(key);
        if (!cdpId) {
          // Conditions are evaluated here (condition()), so a shared CDP breakpoint serves breakpoints with different ones.
          cdpId = (await cdp.send<{ breakpointId: string }>("Debugger.setBreakpointByUrl", { url: r.script.url, lineNumber: r.lineNumber, columnNumber: r.columnNumber })).breakpointId;
          this.cdpAt.set(key, cdpId);
        }
        this.userBps.get(abs)!.push({ cdpId, id, bp, hits: 0, line: r.line });
        out.push({ id, verified: true, line: r.line });
      } catch (e) {
        out.push({ id, verified: false, line: bp.line, message: (e as Error).message });
      }
    }
    return out;
  }

  /** V8 bound a breakpoint (its script was parsed): where it really stands, if that is not where we said. */
  private onResolved(cdpId: string, loc: { scriptId: string; lineNumber: number; columnNumber: number }): void {
    const url = this.scriptUrls.get(loc.scriptId);
    const script = this.scripts.find((s) => s.url === url);
    if (!script) return;
    const o = originalOf(script, loc.lineNumber, loc.columnNumber);
    if (!o) return;
    for (const [file, list] of this.userBps) {
      for (const b of list) {
        if (b.cdpId !== cdpId || b.line === o.line || path.resolve(o.file) !== file) continue;
        b.line = o.line;
        this.emit("breakpoint", { id: b.id, verified: true, line: o.line, file });
      }
    }
  }

  /** Breakpoints on kernel API functions by name (dma_sync_single_for_cpu, remap_pfn_range…). */
  async setFunctionBreakpoints(list: Array<{ name: string; condition?: string }>): Promise<BoundBreakpoint[]> {
    const cdp = this.cdp;
    for (const id of this.fnBps.keys()) await cdp?.send("Debugger.removeBreakpoint", { breakpointId: id }).catch(() => undefined);
    this.fnBps.clear();
    const out: BoundBreakpoint[] = [];
    for (const f of list) {
      const id = this.nextBpId++;
      if (!cdp || !this.apiId) { out.push({ id, verified: false, line: 0, message: "the run has not started" }); continue; }
      const fn = await cdp.send<{ result: RemoteObject }>("Runtime.callFunctionOn", {
        objectId: this.apiId, functionDeclaration: "function (n) { return this.fn(n); }", arguments: [{ value: f.name }], silent: true,
      });
      if (!fn.result.objectId) { out.push({ id, verified: false, line: 0, message: `${f.name} is not a function of the kernel API this simulator offers` }); continue; }
      const set = await cdp.send<{ breakpointId: string }>("Debugger.setBreakpointOnFunctionCall", { objectId: fn.result.objectId, condition: f.condition });
      this.fnBps.set(set.breakpointId, { id, name: f.name, condition: f.condition });
      out.push({ id, verified: true, line: 0 });
    }
    return out;
  }

  /** The kernel-event filters in force, with their conditions. */
  async setEventWatches(w: EventWatch[]): Promise<void> {
    this.watches = w;
    await this.applyWatches();
  }

  /** Data breakpoints: physical ranges whose writes (by the CPU or a device's DMA) stop the run. */
  async setDataWatches(ranges: Array<{ start: number; end: number; id: string }>): Promise<void> {
    if (this.cdp && this.apiId) await this.cdp.callByValue(this.apiId, "function (r) { this.watchData(r); }", [ranges]);
  }

  async setExceptionMode(mode: "none" | "uncaught" | "all"): Promise<void> {
    await this.cdp?.send("Debugger.setPauseOnExceptions", { state: mode });
  }

  private async applyWatches(): Promise<void> {
    if (!this.cdp || !this.apiId) return;
    const kinds = [...new Set([...this.watches.map((w) => w.kind), ...(this.continueKinds ?? [])])];
    await this.cdp.callByValue(this.apiId, "function (k) { this.watch(k); }", [kinds]);
  }

  // ------------------------------------------------------------ execution

  async resume(): Promise<void> { await this.run("Debugger.resume"); }
  async stepOver(): Promise<void> { await this.step(this.stopEvent ? "Debugger.stepOut" : "Debugger.stepOver"); }
  async stepIn(): Promise<void> { await this.step("Debugger.stepInto"); }
  async stepOut(): Promise<void> { await this.step("Debugger.stepOut"); }

  async pause(): Promise<void> {
    if (this.paused) throw new Error("the run is already paused");
    this.pauseRequested = true;
    await this.need().send("Debugger.pause");
  }

  /** Resumes until the next kernel event of these kinds (every kind when empty). */
  async continueToKernelEvent(kinds: string[]): Promise<void> {
    this.continueKinds = kinds;
    await this.applyWatches();
    await this.run("Debugger.resume");
  }

  private async step(method: string): Promise<void> {
    this.stepping = true;
    await this.run(method);
  }

  private async run(method: string): Promise<void> {
    if (!this.paused) throw new Error("the run is not paused");
    this.paused = undefined;
    this.stopEvent = undefined;
    this.emit("continued");
    await this.need().send(method);
  }

  private need(): Cdp {
    if (!this.cdp || this.ended) throw new Error("the run has ended");
    return this.cdp;
  }

  private isUserUrl(url: string): boolean {
    return this.scripts.some((s) => s.url === url);
  }

  private async onPaused(p: PausedEvent): Promise<void> {
    this.paused = p;
    this.frames = [];
    this.frameBase += 10_000;
    const cdp = this.need();
    const hit = p.hitBreakpoints ?? [];
    const stepping = this.stepping, pauseRequested = this.pauseRequested;
    this.stepping = false;
    this.pauseRequested = false;
    // A pause that is not the user's (a filtered-out kernel event, a false condition, a logpoint). Resuming
    // would drop a step in progress and run on to the end: finish the step instead, out to the user's frame.
    const skip = async () => {
      if (stepping && p.callFrames[0] && this.isUserUrl(p.callFrames[0].url)) { this.emit("stopped", { reason: "step" } satisfies Stop); return; }
      this.paused = undefined;
      if (stepping) { this.stepping = true; await cdp.send("Debugger.stepOut"); } else await cdp.send("Debugger.resume");
    };

    if (this.trapBp && hit.includes(this.trapBp)) {
      const ev = await cdp.callByValue<KernelStopEvent | null>(this.apiId!, "function () { return this.event(); }");
      if (ev?.kind === "data") {
        this.stopEvent = ev;
        this.emit("stopped", { reason: "data breakpoint", description: ev.description, text: String(ev.fields.breakpoint ?? ""), event: ev } satisfies Stop);
        return;
      }
      if (!ev || !this.wantsEvent(ev)) { await skip(); return; }
      if (this.continueKinds) { this.continueKinds = undefined; await this.applyWatches(); }
      this.stopEvent = ev;
      this.emit("stopped", { reason: "event", description: ev.description, text: ev.kind, event: ev } satisfies Stop);
      return;
    }
    const fn = hit.map((h) => this.fnBps.get(h)).find((x) => x);
    if (fn) {
      const args = await this.describeArgs(p.callFrames[0]).catch(() => "");
      this.emit("stopped", { reason: "function breakpoint", description: `${fn.name}(${args})`, breakpointIds: [fn.id] } satisfies Stop);
      return;
    }
    if (this.entryBp && hit.includes(this.entryBp)) {
      const shared = [...this.userBps.values()].some((l) => l.some((b) => b.cdpId === this.entryBp));
      if (!shared) {
        await cdp.send("Debugger.removeBreakpoint", { breakpointId: this.entryBp }).catch(() => undefined);
        for (const [k, v] of this.cdpAt) if (v === this.entryBp) this.cdpAt.delete(k);
      }
      this.entryBp = undefined;
      this.emit("stopped", { reason: "entry" } satisfies Stop);
      return;
    }
    const mine = [...this.userBps.values()].flat().filter((b) => hit.includes(b.cdpId));
    if (mine.length) {
      const stopFor: number[] = [];
      for (const b of mine) {
        if (b.bp.condition?.trim() && !(await this.condition(p.callFrames[0], b.bp.condition))) continue;
        b.hits++;
        if (b.bp.hitCondition && !hitConditionMet(b.bp.hitCondition, b.hits)) continue;
        if (b.bp.logMessage !== undefined) { await this.logPoint(p.callFrames[0], b.bp.logMessage); continue; }
        stopFor.push(b.id);
      }
      if (!stopFor.length) { await skip(); return; }
      this.emit("stopped", { reason: "breakpoint", breakpointIds: stopFor } satisfies Stop);
      return;
    }
    if (p.reason === "exception" || p.reason === "promiseRejection") {
      const ex = p.data as RemoteObject | undefined;
      this.emit("stopped", { reason: "exception", description: ex?.description?.split("\n")[0] ?? "exception", text: ex?.className } satisfies Stop);
      return;
    }
    if (pauseRequested) { this.emit("stopped", { reason: "pause" } satisfies Stop); return; }
    // A step that ended outside the user's code (a blackboxed frame V8 still stopped in): step on out of it.
    if (stepping && p.callFrames[0] && !this.isUserUrl(p.callFrames[0].url)) {
      if (p.callFrames.some((f) => this.isUserUrl(f.url))) { this.paused = p; this.stepping = true; this.paused = undefined; await cdp.send("Debugger.stepOut"); return; }
    }
    if (stepping) { this.emit("stopped", { reason: "step" } satisfies Stop); return; }
    // A `debugger;` statement in the driver, or a pause we did not ask for.
    this.emit("stopped", { reason: p.reason === "other" ? "breakpoint" : "pause", description: p.reason === "other" ? "debugger statement" : undefined } satisfies Stop);
  }

  /** A breakpoint condition in the paused frame; one that throws stops (and says why), as js-debug does. */
  private async condition(f: CallFrame, cond: string): Promise<boolean> {
    const r = await this.need().send<EvaluateResult>("Debugger.evaluateOnCallFrame", { callFrameId: f.callFrameId, expression: cond, silent: true, returnByValue: true });
    if (r.exceptionDetails) {
      this.output("stderr", `Faultline: breakpoint condition "${cond}" failed: ${r.exceptionDetails.exception?.description?.split("\n")[0] ?? r.exceptionDetails.text}\n`);
      return true;
    }
    return Boolean(r.result.value);
  }

  private wantsEvent(ev: KernelStopEvent): boolean {
    if (this.continueKinds) return this.continueKinds.length === 0 || this.continueKinds.includes(ev.kind);
    const w = this.watches.find((x) => x.kind === ev.kind);
    if (!w) return false;
    if (!w.condition?.trim()) return true;
    try {
      return evalCondition(w.condition, ev.fields);
    } catch (e) {
      if (!this.conditionErrors.has(w.condition)) {
        this.conditionErrors.add(w.condition);
        this.output("stderr", `Faultline: the condition "${w.condition}" of the ${w.kind} filter failed (${(e as Error).message}); stopping on every event of the kind\n`);
      }
      return true;
    }
  }

  /** A kernel function's arguments as its parameters hold them on entry: numbers above 255 in hex. */
  private async describeArgs(f: CallFrame): Promise<string> {
    const local = f.scopeChain.find((s) => s.type === "local")?.object.objectId;
    if (!local) return "";
    const props = await this.properties(local);
    return props.filter((p) => p.value && p.name !== "this" && p.name !== "arguments").map((p) => {
      const v = p.value!;
      if (v.type === "number" && Number.isInteger(v.value) && (v.value as number) > 255) return "0x" + (v.value as number).toString(16);
      if (v.type === "bigint") return "0x" + BigInt((v.unserializableValue ?? "0").replace(/n$/, "")).toString(16);
      return v.type === "object" && v.subtype !== "null" ? (v.className ?? "object") : describe(v);
    }).join(", ");
  }

  private async logPoint(f: CallFrame, message: string): Promise<void> {
    const parts = message.split(/(\{[^}]*\})/);
    let text = "";
    for (const part of parts) {
      if (/^\{[^}]*\}$/.test(part)) {
        const r = await this.evaluate(part.slice(1, -1), undefined, f).catch((e: Error) => ({ value: `<${e.message}>`, remote: undefined }));
        // A logpoint prints strings as they are, the way console.log does, not quoted as the Variables view shows them.
        text += r.remote?.type === "string" ? String(r.remote.value) : r.value;
      } else text += part;
    }
    const loc = this.mapFrame(f);
    this.output("console", text + "\n", loc);
  }

  // ------------------------------------------------------------ inspection while paused

  /** The stack in TypeScript terms: user frames, and one "[kernel]" frame for each run of kernel frames between them. */
  stack(): RunFrame[] {
    if (!this.paused) return [];
    if (this.frames.length) return this.frames;
    const out: RunFrame[] = [];
    let kernelRun = false;
    const cf = this.paused.callFrames.slice(0, MAX_FRAMES);
    cf.forEach((f, i) => {
      const loc = this.mapFrame(f);
      if (loc) {
        // The kernel's frames above the first user frame are the event's own machinery: the user's line is the top.
        if (kernelRun && out.length) out.push({ id: this.frameBase + out.length, name: "[kernel]", kind: "kernel" });
        kernelRun = false;
        out.push({ id: this.frameBase + out.length, name: loc.name, kind: "user", file: loc.file, line: loc.line, column: loc.column, cdp: i });
      } else kernelRun = true;
    });
    // A pause in kernel code with no user frame at all (a pause while the kernel booted): show where it is.
    if (!out.length && cf.length) out.push({ id: this.frameBase, name: "[kernel]", kind: "kernel" });
    this.frames = out;
    return out;
  }

  frame(id: number): RunFrame | undefined {
    return this.stack().find((f) => f.id === id);
  }

  private mapFrame(f: CallFrame): { file: string; line: number; column: number; name: string } | undefined {
    const url = f.url || this.scriptUrls.get(f.location.scriptId) || "";
    const script = this.scripts.find((s) => s.url === url);
    if (!script) return undefined;
    const o = originalOf(script, f.location.lineNumber, f.location.columnNumber);
    if (!o) return undefined;
    return { file: o.file, line: o.line, column: o.column, name: f.functionName || (isModuleFrame(f) ? `<module ${path.basename(o.file)}>` : "<anonymous>") };
  }

  private cdpFrame(frameId: number | undefined): CallFrame | undefined {
    if (!this.paused) return undefined;
    const frames = this.stack();
    const f = frameId === undefined ? frames.find((x) => x.kind === "user") : frames.find((x) => x.id === frameId);
    return f?.cdp !== undefined ? this.paused.callFrames[f.cdp] : undefined;
  }

  /** Local, Block, Closure and Module scopes of a user frame. */
  scopes(frameId: number): RunScope[] {
    const f = this.cdpFrame(frameId);
    if (!f) return [];
    const closures = f.scopeChain.filter((s) => s.type === "closure");
    const out: RunScope[] = [];
    for (const s of f.scopeChain) {
      if (!s.object.objectId) continue;
      // The bundle wrapper's own frame: its locals are the module's top-level bindings.
      if (s.type === "local") out.push({ name: isModuleFrame(f) ? "Module" : "Local", objectId: s.object.objectId, expensive: false });
      else if (s.type === "block" || s.type === "catch") out.push({ name: s.type === "block" ? "Block" : "Catch", objectId: s.object.objectId, expensive: false });
      // The outermost closure is the bundle's module wrapper: the driver's module scope.
      else if (s.type === "closure") out.push({ name: s === closures[closures.length - 1] ? "Module" : "Closure", objectId: s.object.objectId, expensive: false });
    }
    return out;
  }

  async properties(objectId: string): Promise<PropertyDescriptor[]> {
    const r = await this.need().send<{ result: PropertyDescriptor[] }>("Runtime.getProperties", { objectId, ownProperties: true, generatePreview: false });
    return r.result;
  }

  /** Evaluates in a user frame (the top one by default): watch, hover, the Debug Console. */
  async evaluate(expression: string, frameId?: number, frame?: CallFrame): Promise<{ value: string; type: string; objectId?: string; remote: RemoteObject }> {
    const cdp = this.need();
    const f = frame ?? this.cdpFrame(frameId);
    if (!f) throw new Error(this.paused ? "no user frame to evaluate in" : "the run is not paused");
    const r = await cdp.send<EvaluateResult>("Debugger.evaluateOnCallFrame", { callFrameId: f.callFrameId, expression, silent: true, generatePreview: false });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description?.split("\n")[0] ?? r.exceptionDetails.text);
    return { value: describe(r.result), type: r.result.type, objectId: r.result.objectId, remote: r.result };
  }

  async setVariable(scopeObjectId: string, name: string, valueExpression: string, frameId?: number): Promise<void> {
    const v = await this.evaluate(valueExpression, frameId);
    const f = this.cdpFrame(frameId);
    const idx = f?.scopeChain.findIndex((s) => s.object.objectId === scopeObjectId) ?? -1;
    if (f && idx >= 0) {
      await this.need().send("Debugger.setVariableValue", { scopeNumber: idx, variableName: name, newValue: v.objectId ? { objectId: v.objectId } : { value: v.remote.value, unserializableValue: v.remote.unserializableValue }, callFrameId: f.callFrameId });
      return;
    }
    const r = await this.need().send<EvaluateResult>("Runtime.callFunctionOn", {
      objectId: scopeObjectId, functionDeclaration: "function (n, v) { this[n] = v; }",
      arguments: [{ value: name }, v.objectId ? { objectId: v.objectId } : { value: v.remote.value, unserializableValue: v.remote.unserializableValue }], silent: true,
    });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
  }

  async completions(text: string, frameId?: number): Promise<string[]> {
    const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([\w$]*)$|([\w$]*)$/.exec(text);
    const f = this.cdpFrame(frameId);
    if (!m || !f) return [];
    if (m[1]) {
      const r = await this.need().send<EvaluateResult>("Debugger.evaluateOnCallFrame", {
        callFrameId: f.callFrameId, silent: true, returnByValue: true,
        expression: `(() => { const out = new Set(); for (let o = (${m[1]}); o != null; o = Object.getPrototypeOf(o)) for (const k of Object.getOwnPropertyNames(o)) out.add(k); return [...out]; })()`,
      });
      return ((r.result.value as string[] | undefined) ?? []).filter((k) => k.startsWith(m[2] ?? ""));
    }
    const names = new Set<string>();
    for (const s of f.scopeChain) {
      if (!s.object.objectId || s.type === "global") continue;
      for (const p of await this.properties(s.object.objectId)) names.add(p.name);
    }
    return [...names].filter((k) => k.startsWith(m[3] ?? ""));
  }

  /** A kernel query in the paused host (host/src/debug-inspect.ts). */
  async kernel<T>(name: string, ...args: unknown[]): Promise<T> {
    if (!this.paused) throw new Error("the run is not paused");
    return this.need().callByValue<T>(this.apiId!, "function (n, a) { return this.query(n, a); }", [name, args]);
  }

  // ------------------------------------------------------------ output and the end

  private output(category: RunOutput["category"], text: string, loc?: { file: string; line: number; column: number }): void {
    this.emit("output", { category, text, file: loc?.file, line: loc?.line, column: loc?.column } satisfies RunOutput);
  }

  private onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case "log": this.output("console", formatLog(m.record)); break;
      case "stdout": this.output("stdout", m.text); break;
      case "finding": this.onFinding(m.finding); break;
      case "finding-count": break; // the report was shown once; the kernel log has each repeat
      case "failure": this.onFailure(m.failure); break;
      case "maps": break;
      default: break;
    }
  }

  private onFinding(f: FindingData): void {
    const loc = f.location;
    const fix = f.fix ? `fix here: ${f.fix.fn}${f.fix.location ? ` (${path.basename(f.fix.location.file)}:${f.fix.location.line})` : ""}: ${f.fix.why}\n` : "";
    this.output("stderr", `${f.rule}: ${f.title}: ${f.message}${loc ? ` (${path.basename(loc.file)}:${loc.line})` : ""}\n${f.report.map((l) => `  ${l}`).join("\n")}\n${fix}`, loc);
  }

  private onFailure(f: Failure): void {
    const loc = f.location;
    this.output("stderr", `${f.kind === "oops" ? "oops" : `run failed (${f.kind})`}: ${f.message}${loc ? ` (${path.basename(loc.file)}:${loc.line})` : ""}\n${(f.detail ?? []).map((l) => `  ${l}\n`).join("")}`, loc);
  }

  private onEnded(r: HostRunResult): void {
    this.result = r;
    if (this.ended) return;
    this.ended = true;
    this.paused = undefined;
    this.cdp?.close("the run has ended");
    this.emit("ended", r);
  }
}

/** A frame of a bundle's top-level code: the anonymous module wrapper, with no closure around it. */
function isModuleFrame(f: CallFrame): boolean {
  return !f.functionName && !f.scopeChain.some((s) => s.type === "closure");
}

function formatLog(r: LogRecord): string {
  return `[${(r.tsNs / 1e9).toFixed(6).padStart(12)}] ${r.text}\n`;
}

/** A CDP value as a one-line string. */
export function describe(o: RemoteObject): string {
  if (o.type === "string") return JSON.stringify(o.value);
  if (o.type === "undefined") return "undefined";
  if (o.unserializableValue) return o.unserializableValue;
  if (o.type === "number" || o.type === "boolean") return String(o.value);
  if (o.subtype === "null") return "null";
  return o.description ?? o.className ?? o.type;
}

/** DAP hit conditions: "5" (on the 5th hit), ">=5", ">5", "%3" (every 3rd), "==5". */
export function hitConditionMet(cond: string, hits: number): boolean {
  const m = /^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(cond);
  if (!m) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case ">=": return hits >= n;
    case ">": return hits > n;
    case "<=": return hits <= n;
    case "<": return hits < n;
    case "%": return n > 0 && hits % n === 0;
    default: return hits === n;
  }
}

/** A filter condition over an event's fields (evaluated here, in the adapter: the host realm may not compile code). */
export function evalCondition(cond: string, fields: Record<string, unknown>): boolean {
  const names = Object.keys(fields).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const f = new Function(...names, `"use strict"; return (${cond});`) as (...a: unknown[]) => unknown;
  return Boolean(f(...names.map((n) => fields[n])));
}

export function fileOfUrl(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}
