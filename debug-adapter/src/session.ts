// FaultlineDebugSession: DAP on one side, a DebugRun (runtime.ts) on the
// other, as vscode-mock-debug's mockDebug.ts is to its runtime. Only
// protocol translation lives here. Every handler goes through one wrapper
// that turns a failure into an error response (an async handler that
// rejects is otherwise never answered by @vscode/debugadapter), and
// arguments are checked at the boundary, so a malformed or out-of-order
// request gets a one-line error and the adapter carries on.

import {
  Breakpoint, BreakpointEvent, InitializedEvent, LoggingDebugSession, MemoryEvent, InvalidatedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, ContinuedEvent, Event,
} from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import * as path from "node:path";
import { debugNode } from "../../host/src/node";
import { LaunchError, resolveLaunch } from "./launch";
import { DebugRun, describe, startSessionHost, type EventWatch, type KernelStopEvent, type LineBreakpoint, type RunConfig, type Stop } from "./runtime";
import { Timeline, type ResumeAction } from "./timeline";
import { VariableStore, type Container } from "./store";
import type { HostProcess } from "../../host/src/spare";
import { hex, record, type KernelSource, type KNode } from "./kernel/node";
import { processScope, type ProcessData } from "./kernel/process";
import { memoryScope } from "./kernel/memory";
import { dmaScope, findingsScope, kmapScope, logScope } from "./kernel/dma";
import {
  CONTINUE_TO_KERNEL_EVENT, KERNEL_EVENT_FILTERS, KERNEL_EVENT_STOP, KERNEL_VIEWS, MEMORY_MAP,
  type ContinueToKernelEventArguments, type FaultlineLaunchArguments, type KernelEventStopBody, type KernelViewsResponse, type MemoryMapResponse,
} from "./protocol";
import { parseMemoryReference } from "./memory";

export enum ErrorCodes {
  LaunchFailed = 3001,
  NotLaunched = 3002,
  NotPaused = 3003,
  NotRunning = 3004,
  BadArguments = 3005,
  EvaluateFailed = 3006,
  StaleReference = 3007,
  Memory = 3008,
  Internal = 3099,
}

class RequestError extends Error {
  constructor(readonly code: ErrorCodes, message: string, readonly showUser = false) { super(message); }
}

/** How the session is built: the Node it runs hosts on, and what it says about containment. */
export interface FaultlineSessionOptions {
  /** A Node with --allow-inspector (default: the one host/src/node.ts debugNode() finds). */
  readonly nodePath?: string;
  /**
   * "process": the host runs under Node's permission model (the normal case; a launch on a Node without
   * --allow-inspector fails). "realm" (also the launch attribute `containment`): the host's Node cannot contain it (e.g. VS Code's own runtime, ELECTRON_RUN_AS_NODE); the
   * driver is contained by its realm alone, and the Debug Console says so in one line at launch.
   */
  readonly containment?: "process" | "realm";
}

const THREAD_ID = 1;
const CAUGHT = "caught", UNCAUGHT = "uncaught";

export class FaultlineDebugSession extends LoggingDebugSession {
  private run: DebugRun | undefined;
  private readonly store = new VariableStore();
  private configurationDone: (() => void) | undefined;
  private readonly configured = new Promise<void>((r) => { this.configurationDone = r; });
  private launched = false;
  /** The launch's host, started at initialize; the launch's DebugRun takes it (and kills it if it does not fit). */
  private spare: HostProcess | undefined;
  private lastStop: Stop | undefined;
  private readonly pendingBreakpoints = new Map<string, DebugProtocol.SetBreakpointsArguments>();
  // What a re-run needs to reach the same place (step back, reverse continue, restart): the run's
  // configuration, every breakpoint and filter as last set, and the resumes since the run started.
  private config: RunConfig | undefined;
  private readonly lineBps = new Map<string, LineBreakpoint[]>();
  private fnBps: Array<{ name: string; condition?: string }> = [];
  private watches: EventWatch[] = [{ kind: "violation" }, { kind: "oops" }];
  private exceptionMode: "none" | "uncaught" | "all" = "none";
  private readonly timeline = new Timeline();
  /** While a re-run replays the resumes up to its target stop, its stops and output are not the user's. */
  private replay: { target: number; seen: number; reason: string; description: string } | undefined;

  constructor(private readonly options: FaultlineSessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ------------------------------------------------------------ plumbing

  /** Requests not yet answered (by seq), and whether a `cancel` asked for them. */
  private readonly inflight = new Map<number, boolean>();

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request.command !== "cancel") this.inflight.set(request.seq, false);
    super.dispatchRequest(request);
  }

  // A cancelled request still answers (DAP): with `cancelled` instead of its result, whenever its work ends.
  override sendResponse(response: DebugProtocol.Response): void {
    if (this.inflight.get(response.request_seq)) {
      response.success = false;
      response.message = "cancelled";
      response.body = undefined;
    }
    this.inflight.delete(response.request_seq);
    super.sendResponse(response);
  }

  protected override cancelRequest(response: DebugProtocol.CancelResponse, args: DebugProtocol.CancelArguments): void {
    // An id already answered (or never seen) is no error: the answer may have crossed the cancel on the wire.
    if (args?.requestId !== undefined && this.inflight.has(args.requestId)) this.inflight.set(args.requestId, true);
    this.sendResponse(response);
  }

  /** Runs a handler; whatever it throws or rejects becomes an error response. */
  private handle<R extends DebugProtocol.Response>(response: R, f: () => Promise<void> | void): void {
    let p: Promise<void> | void;
    try {
      p = f();
    } catch (e) {
      this.fail(response, e);
      return;
    }
    if (p) p.then(undefined, (e) => this.fail(response, e));
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    const err = e instanceof RequestError ? e : e instanceof LaunchError ? new RequestError(ErrorCodes.LaunchFailed, e.message, true) : new RequestError(ErrorCodes.Internal, (e as Error)?.message ?? String(e));
    this.sendErrorResponse(response, { id: err.code, format: err.message.replace(/[{}]/g, (c) => (c === "{" ? "(" : ")")), showUser: err.showUser });
  }

  private needRun(): DebugRun {
    if (!this.run || this.run.isEnded) throw new RequestError(ErrorCodes.NotLaunched, this.run ? "the run has ended" : "no run: launch first");
    return this.run;
  }

  private needPaused(): DebugRun {
    const r = this.needRun();
    if (!r.isPaused) throw new RequestError(ErrorCodes.NotPaused, "the run is not paused");
    return r;
  }

  private source(file: string): Source {
    return new Source(path.basename(file), this.convertDebuggerPathToClient(file));
  }

  // ------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, _args: DebugProtocol.InitializeRequestArguments): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ["."],
      supportsExceptionInfoRequest: true,
      supportsCancelRequest: true,
      supportsExceptionFilterOptions: true,
      exceptionBreakpointFilters: [
        ...KERNEL_EVENT_FILTERS.map((f) => ({ filter: f.filter, label: f.label, default: f.default, supportsCondition: true, conditionDescription: f.conditionDescription })),
        { filter: UNCAUGHT, label: "Uncaught exceptions (driver and scenario)", default: false },
        { filter: CAUGHT, label: "Caught exceptions (driver and scenario)", default: false },
      ],
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsTerminateRequest: true,
      supportsStepBack: true,
      supportsDataBreakpoints: true,
      supportsRestartRequest: true,
      supportsValueFormattingOptions: false,
      supportsDelayedStackTraceLoading: false,
    };
    this.sendResponse(response);
    // The launch comes next: its host's Node starts now, while the client sends it and the adapter bundles the
    // driver. Only what the adapter was started with is known yet; a launch that needs other options has it killed.
    if (!this.launched && !this.spare) {
      const node = this.options.nodePath ?? debugNode() ?? (this.options.containment === "realm" && !process.versions.electron ? process.execPath : undefined);
      if (node) this.spare = startSessionHost({ node, containment: this.options.containment, cwd: process.cwd() });
    }
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    this.handle(response, async () => {
      if (this.launched) throw new RequestError(ErrorCodes.BadArguments, "this session has launched already");
      this.launched = true;
      const a = (args ?? {}) as Partial<FaultlineLaunchArguments>;
      let config: RunConfig;
      try {
        config = resolveLaunch(a, { node: this.options.nodePath ?? debugNode(), ...(this.options.containment ? { containment: this.options.containment } : {}) });
      } catch (e) {
        this.launched = false;
        throw e;
      }
      // Realm containment asks nothing of the Node, so the adapter's own serves when it is Node (not Electron, which needs its env).
      if (!config.node && config.containment === "realm" && !process.versions.electron) config = { ...config, node: process.execPath };
      if (!config.node) throw new RequestError(ErrorCodes.LaunchFailed, "no Node with --allow-inspector (24.10 or later) for the debug run: set faultline.nodePath, put one on PATH, or run `node scripts/debug-node.mjs`", true);
      this.config = config;
      const run = (this.run = new DebugRun(config, this.spare));
      this.spare = undefined;

      this.wire(run);
      try {
        await run.prepare();
      } catch (e) {
        run.terminate();
        throw new RequestError(ErrorCodes.LaunchFailed, (e as Error).message, true);
      }
      // Only once the host runs, and from what it runs under: a realm request on a Node 24.10+ still gets "process".
      if (run.containment === "realm") this.sendEvent(new OutputEvent("Faultline: containment: realm only. This Node cannot run the driver host under its permission model, so the driver is contained by its realm alone (no file, process or network containment); set faultline.nodePath to a Node 24.10+ for full containment.\n", "important"));
      // Rule violations and oopses stop by default, also for a client that never sends setExceptionBreakpoints.
      await run.setEventWatches(this.watches);
      // Breakpoints that came before the run existed are bound now.
      for (const [, bp] of this.pendingBreakpoints) {
        const list = (bp.breakpoints ?? []).map((b) => ({ line: this.convertClientLineToDebugger(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage }));
        this.lineBps.set(this.convertClientPathToDebugger(bp.source.path!), list);
        await run.setBreakpoints(this.convertClientPathToDebugger(bp.source.path!), list);
      }
      this.sendEvent(new InitializedEvent());
      await this.configured;
      run.start();
      this.sendResponse(response);
    });
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone?.();
    this.sendResponse(response);
  }

  private wire(run: DebugRun): void {
    run.on("stopped", (s) => {
      if (run !== this.run) return;
      if (this.replay && this.replayStop(s)) return;
      this.timeline.stopped(s);
      this.store.reset();
      this.lastStop = s;
      const reason = s.reason === "event" ? "exception" : s.reason;
      const e = new StoppedEvent(reason, THREAD_ID) as DebugProtocol.StoppedEvent;
      e.body.description = s.description ?? e.body.description;
      if (s.text) e.body.text = s.text;
      if (s.breakpointIds) e.body.hitBreakpointIds = s.breakpointIds;
      e.body.allThreadsStopped = true;
      this.sendEvent(e);
      if (s.event) this.sendEvent(new Event(KERNEL_EVENT_STOP, { kind: s.event.kind as KernelEventStopBody["kind"], description: s.event.description, fields: s.event.fields } satisfies KernelEventStopBody));
    });
    run.on("breakpoint", (b) => {
      if (run !== this.run) return;
      const bp = new Breakpoint(b.verified, this.convertDebuggerLineToClient(b.line), undefined, this.source(b.file)) as DebugProtocol.Breakpoint;
      bp.id = b.id;
      this.sendEvent(new BreakpointEvent("changed", bp));
    });
    run.on("continued", () => { if (run === this.run) { this.store.reset(); this.lastStop = undefined; } });
    run.on("output", (o) => {
      if (run !== this.run || this.replay) return;
      const e = new OutputEvent(o.text, o.category) as DebugProtocol.OutputEvent;
      if (o.file) {
        e.body.source = this.source(o.file);
        e.body.line = this.convertDebuggerLineToClient(o.line ?? 1);
        e.body.column = this.convertDebuggerColumnToClient(o.column ?? 1);
      }
      this.sendEvent(e);
    });
    run.on("ended", (r) => {
      if (run !== this.run) return; // a run replaced by a re-run ends quietly
      this.replay = undefined;
      const how = r.failures.length ? `the run failed: ${r.failures.map((f) => f.kind).join(", ")}` : r.summary?.completed ? "the run completed" : "the run ended";
      this.sendEvent(new OutputEvent(`Faultline: ${how}; ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}.\n`, "console"));
      this.sendEvent(new TerminatedEvent());
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.run?.terminate();
    // A session that ends without launching leaves no host behind.
    this.spare?.kill();
    this.spare = undefined;
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.handle(response, () => {
      const r = this.needRun();
      r.terminate();
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------ breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, async () => {
      const file = args?.source?.path;
      if (typeof file !== "string") throw new RequestError(ErrorCodes.BadArguments, "setBreakpoints: source.path is required");
      const bps: DebugProtocol.SourceBreakpoint[] = Array.isArray(args.breakpoints) ? args.breakpoints : (args.lines ?? []).map((line) => ({ line }));
      if (!this.run) {
        this.pendingBreakpoints.set(file, { ...args, breakpoints: bps });
        response.body = { breakpoints: bps.map((b) => ({ verified: false, line: b.line, message: "bound when the run starts" })) };
        this.sendResponse(response);
        return;
      }
      const list = bps.map((b) => {
        if (typeof b.line !== "number") throw new RequestError(ErrorCodes.BadArguments, "setBreakpoints: every breakpoint needs a line");
        return { line: this.convertClientLineToDebugger(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage };
      });
      this.lineBps.set(this.convertClientPathToDebugger(file), list);
      const bound = await this.run.setBreakpoints(this.convertClientPathToDebugger(file), list);
      response.body = {
        breakpoints: bound.map((b) => {
          const bp = new Breakpoint(b.verified, this.convertDebuggerLineToClient(b.line), undefined, this.source(file)) as DebugProtocol.Breakpoint;
          bp.id = b.id;
          if (b.message) bp.message = b.message;
          return bp;
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.handle(response, async () => {
      const run = this.needRun();
      if (!Array.isArray(args?.breakpoints)) throw new RequestError(ErrorCodes.BadArguments, "setFunctionBreakpoints: breakpoints is required");
      this.fnBps = args.breakpoints.map((b) => ({ name: String(b.name), condition: b.condition }));
      const bound = await run.setFunctionBreakpoints(this.fnBps);
      response.body = { breakpoints: bound.map((b) => ({ id: b.id, verified: b.verified, message: b.message })) };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.handle(response, async () => {
      const run = this.needRun();
      const options = [...(args?.filters ?? []).map((filter) => ({ filterId: filter, condition: undefined as string | undefined })), ...(args?.filterOptions ?? [])];
      const kinds = new Set<string>(KERNEL_EVENT_FILTERS.map((f) => f.filter));
      this.watches = options.filter((o) => kinds.has(o.filterId)).map((o) => ({ kind: o.filterId, condition: o.condition }));
      await run.setEventWatches(this.watches);
      const ids = new Set(options.map((o) => o.filterId));
      this.exceptionMode = ids.has(CAUGHT) ? "all" : ids.has(UNCAUGHT) ? "uncaught" : "none";
      await run.setExceptionMode(this.exceptionMode);
      response.body = { breakpoints: options.map(() => ({ verified: true })) };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------ data breakpoints

  /** What can be watched: a kernel row with a physical memory reference (a frame, a DMA buffer), or `phys:0x…[/len]`. */
  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.handle(response, async () => {
      this.needRun();
      let ref: string | undefined, size = 1;
      const c = args?.variablesReference !== undefined ? this.store.get(args.variablesReference) : undefined;
      if (c?.kind === "kernel" && c.node.children && this.run!.isPaused) {
        const kids = await c.node.children(this.run! as KernelSource, 0, 10_000);
        const n = kids.find((x) => x.name === args.name);
        if (n?.memoryReference) { ref = n.memoryReference; size = n.size ?? 1; }
      } else {
        const m = /^\s*(phys:0x[0-9a-fA-F]+)(?:\/(\d+|0x[0-9a-fA-F]+))?\s*$/.exec(String(args?.name ?? ""));
        if (m) { ref = m[1]; size = m[2] ? Number(m[2]) : 1; }
      }
      const addr = ref ? parseMemoryReference(ref) : undefined;
      if (!addr || addr.space !== "phys") {
        response.body = { dataId: null, description: "data breakpoints watch physical memory: a frame, a DMA buffer, or phys:0x…/length" };
      } else {
        response.body = { dataId: `phys:${hex(addr.addr)}/${size}`, description: `writes to phys ${hex(addr.addr)}-${hex(addr.addr + size)} (CPU or device DMA)`, accessTypes: ["write"], canPersist: true };
      }
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.handle(response, async () => {
      const run = this.needRun();
      if (!Array.isArray(args?.breakpoints)) throw new RequestError(ErrorCodes.BadArguments, "setDataBreakpoints: breakpoints is required");
      const parsed = args.breakpoints.map((b) => /^phys:(0x[0-9a-f]+)\/(\d+)$/.exec(String(b.dataId)));
      this.dataBps = parsed.flatMap((m, i) => (m ? [{ start: Number(m[1]), end: Number(m[1]) + Number(m[2]), id: String(args.breakpoints[i].dataId) }] : []));
      await run.setDataWatches(this.dataBps);
      response.body = { breakpoints: parsed.map((m) => (m ? { verified: true } : { verified: false, message: "not a data breakpoint id of this adapter" })) };
      this.sendResponse(response);
    });
  }

  private dataBps: Array<{ start: number; end: number; id: string }> = [];

  // ------------------------------------------------------------ execution

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, "scenario")] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.handle(response, async () => { const run = this.needPaused(); this.timeline.resumed({ kind: "continue" }); await run.resume(); response.body = { allThreadsContinued: true }; this.sendResponse(response); });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.handle(response, async () => { const run = this.needPaused(); this.timeline.resumed({ kind: "next" }); await run.stepOver(); this.sendResponse(response); });
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.handle(response, async () => { const run = this.needPaused(); this.timeline.resumed({ kind: "stepIn" }); await run.stepIn(); this.sendResponse(response); });
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.handle(response, async () => { const run = this.needPaused(); this.timeline.resumed({ kind: "stepOut" }); await run.stepOut(); this.sendResponse(response); });
  }

  // Resumes are recorded before they are sent: the stop can arrive before CDP answers the resume.

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.handle(response, async () => {
      this.needPaused();
      const target = this.timeline.previous();
      if (target < 0) throw new RequestError(ErrorCodes.NotRunning, "this is the run's first stop: there is nothing to step back to");
      this.sendResponse(response);
      await this.rerun(target, "step", "stepped back (the run was replayed to its previous stop)");
    });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.handle(response, async () => {
      this.needPaused();
      const target = this.timeline.previousBreak();
      if (target < 0) throw new RequestError(ErrorCodes.NotRunning, "no earlier breakpoint or kernel-event stop in this run");
      this.sendResponse(response);
      await this.rerun(target, "breakpoint", "reverse continue (the run was replayed to the previous breakpoint or kernel event)");
    });
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse): void {
    this.handle(response, async () => {
      this.needRun();
      this.sendResponse(response);
      await this.rerun(undefined, "entry", "restarted");
    });
  }

  /**
   * A fresh run of the same configuration with every breakpoint and filter as they are now, replaying
   * the recorded resumes up to stop `target` (runs are deterministic, so it is the same stop), or
   * simply started again (`target` undefined: restart). Costs one launch.
   */
  private async rerun(target: number | undefined, reason: string, description: string): Promise<void> {
    const old = this.run!;
    const run = new DebugRun(this.config!);
    this.run = run;
    old.terminate();
    this.store.reset();
    this.lastStop = undefined;
    this.wire(run);
    this.sendEvent(new ContinuedEvent(THREAD_ID, true));
    this.replay = target === undefined ? undefined : { target, seen: -1, reason, description };
    const history = this.timeline.actions.slice();
    this.timeline.reset(target === undefined ? 0 : target, history);
    try {
      await run.prepare();
      for (const [file, list] of this.lineBps) await run.setBreakpoints(file, list);
      await run.setFunctionBreakpoints(this.fnBps);
      await run.setEventWatches(this.watches);
      await run.setExceptionMode(this.exceptionMode);
      await run.setDataWatches(this.dataBps);
      this.replayActions = history;
      run.start();
    } catch (e) {
      this.replay = undefined;
      run.terminate();
      this.sendEvent(new OutputEvent(`Faultline: the re-run failed: ${(e as Error).message}\n`, "important"));
    }
  }

  private replayActions: ResumeAction[] = [];

  /** A stop of a replaying run: resume as the user did, until the target stop, which is shown. True when handled. */
  private replayStop(s: Stop): boolean {
    const r = this.replay!;
    r.seen++;
    if (process.env.FAULTLINE_DA_DEBUG) process.stderr.write(`replay stop ${r.seen}/${r.target} ${s.reason} action ${JSON.stringify(this.replayActions[r.seen])}\n`);
    if (r.seen < r.target) {
      const a = this.replayActions[r.seen];
      const run = this.run!;
      const go = !a || a.kind === "continue" ? run.resume() : a.kind === "next" ? run.stepOver() : a.kind === "stepIn" ? run.stepIn() : a.kind === "stepOut" ? run.stepOut() : run.continueToKernelEvent((a as { kinds?: string[] }).kinds ?? []);
      go.catch(() => undefined);
      return true;
    }
    this.replay = undefined;
    this.timeline.stopped(s);
    this.store.reset();
    this.lastStop = s;
    const e = new StoppedEvent(r.reason, THREAD_ID) as DebugProtocol.StoppedEvent;
    e.body.description = r.description;
    e.body.allThreadsStopped = true;
    this.sendEvent(e);
    return true;
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.handle(response, async () => {
      const r = this.needRun();
      if (r.isPaused) throw new RequestError(ErrorCodes.NotRunning, "the run is already paused");
      await r.pause();
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------ inspection

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, () => {
      const all = this.needPaused().stack();
      const start = args?.startFrame ?? 0, levels = args?.levels || all.length;
      response.body = {
        totalFrames: all.length,
        stackFrames: all.slice(start, start + levels).map((f) => {
          if (f.kind === "kernel") {
            const sf = new StackFrame(f.id, "[kernel]") as DebugProtocol.StackFrame;
            sf.presentationHint = "label";
            return sf;
          }
          return new StackFrame(f.id, f.name, this.source(f.file!), this.convertDebuggerLineToClient(f.line!), this.convertDebuggerColumnToClient(f.column!));
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.handle(response, () => {
      const run = this.needPaused();
      const frame = run.frame(args?.frameId);
      if (!frame) throw new RequestError(ErrorCodes.StaleReference, `no frame ${args?.frameId} in this stop`);
      const scopes: DebugProtocol.Scope[] = run.scopes(frame.id).map((s) => new Scope(s.name, this.store.add({ kind: "object", objectId: s.objectId, frameId: frame.id, scope: true }), s.expensive));
      const kernelScope = (n: KNode, expensive = true) => {
        const sc = new Scope(n.name, this.store.add({ kind: "kernel", node: n }), expensive) as DebugProtocol.Scope;
        sc.presentationHint = "registers";
        return sc;
      };
      if (this.lastStop?.event) scopes.push(kernelScope(eventNode(this.lastStop.event), false));
      scopes.push(kernelScope(processScope()), kernelScope(memoryScope()), kernelScope(dmaScope()), kernelScope(kmapScope()), kernelScope(logScope()), kernelScope(findingsScope()));
      response.body = { scopes };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, async () => {
      const c = typeof args?.variablesReference === "number" ? this.store.get(args.variablesReference) : undefined;
      // A stale reference (from an earlier stop) answers an empty list: clients do send them.
      if (!c || !this.run?.isPaused) { response.body = { variables: [] }; this.sendResponse(response); return; }
      response.body = { variables: await this.children(c, args.start ?? 0, args.count || Number.MAX_SAFE_INTEGER, args.filter) };
      this.sendResponse(response);
    });
  }

  private async children(c: Container, start: number, count: number, filter?: "indexed" | "named"): Promise<DebugProtocol.Variable[]> {
    const run = this.run!;
    if (c.kind === "kernel") {
      if (!c.node.children) return [];
      if (filter === "named" && c.node.indexed !== undefined) return [];
      const nodes = await c.node.children(run as KernelSource, start, Math.min(count, 10_000));
      return nodes.map((n) => this.kernelVariable(n));
    }
    const props = await run.properties(c.objectId);
    return props.filter((p) => p.value || p.get).slice(start, start + count).map((p) => {
      if (!p.value) return { name: p.name, value: "(…)", variablesReference: 0 };
      const ref = p.value.objectId && p.value.type === "object" && p.value.subtype !== "null" ? this.store.add({ kind: "object", objectId: p.value.objectId }) : 0;
      const v: DebugProtocol.Variable = { name: p.name, value: describe(p.value), type: p.value.className ?? p.value.type, variablesReference: ref };
      if (c.scope) v.evaluateName = p.name;
      return v;
    });
  }

  private kernelVariable(n: KNode): DebugProtocol.Variable {
    const expandable = !!n.children;
    const v: DebugProtocol.Variable = { name: n.name, value: n.value, variablesReference: expandable ? this.store.add({ kind: "kernel", node: n }) : 0 };
    if (n.type) v.type = n.type;
    if (n.memoryReference) v.memoryReference = n.memoryReference;
    if (n.evaluateName) v.evaluateName = n.evaluateName;
    if (n.indexed !== undefined) { v.indexedVariables = n.indexed; v.namedVariables = 0; }
    return v;
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.handle(response, async () => {
      const run = this.needPaused();
      const c = this.store.get(args?.variablesReference);
      if (!c) throw new RequestError(ErrorCodes.StaleReference, "that variable belongs to an earlier stop");
      if (c.kind !== "object") throw new RequestError(ErrorCodes.BadArguments, "kernel state is read-only here: change memory with writeMemory");
      await run.setVariable(c.objectId, String(args.name), String(args.value), c.frameId);
      // A scope's property list is a snapshot of the pause: read the binding back by name in its frame.
      const now = c.scope
        ? (await run.evaluate(String(args.name), c.frameId)).value
        : await run.properties(c.objectId).then((ps) => { const p = ps.find((x) => x.name === args.name); return p?.value ? describe(p.value) : String(args.value); });
      const want = await run.evaluate(String(args.value), c.frameId);
      // V8 leaves a const binding as it was without a word: say so rather than show the old value as the new one.
      if (want.objectId === undefined && now !== want.value) throw new RequestError(ErrorCodes.BadArguments, `${args.name} was not changed (a const binding?)`);
      response.body = { value: now };
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(["variables"]));
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, async () => {
      const run = this.needPaused();
      if (typeof args?.expression !== "string") throw new RequestError(ErrorCodes.BadArguments, "evaluate: expression is required");
      const walk = /^\s*pagewalk\s+(0x[0-9a-fA-F]+|\d+)(?:\s+(\d+))?\s*$/.exec(args.expression);
      if (walk) {
        const r = await run.kernel<{ space: string; pid?: number; levels?: Array<{ level: string; tablePfn: number; index: number; entry?: number; bits: string | null }>; walk?: Record<string, unknown> }>("pagewalk", Number(walk[2] ?? 0), Number(walk[1]));
        const text = r.levels
          ? [`pid ${r.pid}, ${walk[1]}:`, ...r.levels.map((l) => `  ${l.level.padEnd(4)} table pfn ${hex(l.tablePfn)} [${l.index}] = ${l.entry === undefined ? "none" : hex(l.entry)}${l.bits ? ` (${l.bits})` : ""}`)].join("\n")
          : JSON.stringify(r.walk, (_k, v) => (typeof v === "number" ? hex(v) : v));
        response.body = { result: text, variablesReference: 0 };
        this.sendResponse(response);
        return;
      }
      let r;
      try {
        r = await run.evaluate(args.expression, args.frameId);
      } catch (e) {
        throw new RequestError(ErrorCodes.EvaluateFailed, (e as Error).message);
      }
      const ref = r.objectId && r.type === "object" && r.remote.subtype !== "null" ? this.store.add({ kind: "object", objectId: r.objectId }) : 0;
      response.body = { result: r.value, type: r.type, variablesReference: ref };
      this.sendResponse(response);
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.handle(response, async () => {
      const run = this.needPaused();
      const text = String(args?.text ?? "").slice(0, Math.max(0, (args?.column ?? 1) - 1));
      const names = await run.completions(text, args?.frameId);
      const word = /[\w$]*$/.exec(text)?.[0] ?? "";
      const extra = "pagewalk".startsWith(text.trim()) && text.trim() ? ["pagewalk"] : [];
      response.body = { targets: [...extra, ...names].slice(0, 500).map((label) => ({ label, start: text.length - word.length, length: word.length })) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, _args: DebugProtocol.ExceptionInfoArguments): void {
    this.handle(response, () => {
      this.needPaused();
      const s = this.lastStop;
      if (!s) throw new RequestError(ErrorCodes.NotPaused, "not stopped");
      const ev = s.event;
      const id = ev ? (ev.kind === "violation" ? String(ev.fields.rule) : ev.kind) : s.text ?? s.reason;
      response.body = {
        exceptionId: id, description: s.description ?? s.reason, breakMode: ev ? "always" : "unhandled",
        details: ev ? { message: ev.description, typeName: ev.kind, stackTrace: typeof ev.fields.report === "string" ? ev.fields.report : undefined } : undefined,
      };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------ memory

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.handle(response, async () => {
      const run = this.needPaused();
      const ref = parseMemoryReference(String(args?.memoryReference), args?.offset ?? 0);
      if (!ref) throw new RequestError(ErrorCodes.Memory, `not a memory reference: ${args?.memoryReference} (phys:0x…, kva:0x…, uva:<pid>:0x…)`);
      const count = Math.max(0, Math.min(Number(args.count) || 0, 1 << 20));
      const r = await run.kernel<{ data: string; unreadable: number }>("read", ref.space, ref.pid, ref.addr, count);
      response.body = { address: hex(ref.addr), data: r.data, unreadableBytes: r.unreadable };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.handle(response, async () => {
      const run = this.needPaused();
      const ref = parseMemoryReference(String(args?.memoryReference), args?.offset ?? 0);
      if (!ref) throw new RequestError(ErrorCodes.Memory, `not a memory reference: ${args?.memoryReference}`);
      const r = await run.kernel<{ written: number }>("write", ref.space, ref.pid, ref.addr, String(args.data ?? ""));
      response.body = { bytesWritten: r.written };
      this.sendResponse(response);
      this.sendEvent(new MemoryEvent(String(args.memoryReference), args.offset ?? 0, r.written));
      this.sendEvent(new InvalidatedEvent(["variables"]));
    });
  }

  // ------------------------------------------------------------ Faultline's requests

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    switch (command) {
      case CONTINUE_TO_KERNEL_EVENT:
        this.handle(response, async () => {
          const a = (args ?? {}) as ContinueToKernelEventArguments;
          const run = this.needPaused();
          this.timeline.resumed({ kind: "event", kinds: Array.isArray(a.kinds) ? a.kinds : [] });
          await run.continueToKernelEvent(Array.isArray(a.kinds) ? a.kinds : []);
          this.sendEvent(new ContinuedEvent(THREAD_ID, true));
          this.sendResponse(response);
        });
        return;
      case MEMORY_MAP:
        this.handle(response, async () => {
          const run = this.needPaused();
          const pid = (args as { pid?: number } | undefined)?.pid;
          const [summary, zones, byOwner, runs, proc] = await Promise.all([
            run.kernel<{ arch: string; memBytes: number }>("summary"),
            run.kernel<Array<{ name: string; startPfn: number; endPfn: number; freePages: number }>>("zones"),
            run.kernel<Record<string, number>>("framesByOwner"),
            run.kernel<Array<{ startPfn: number; count: number; owner: string }>>("frameRuns", 4096),
            run.kernel<ProcessData>("process", pid ?? 0),
          ]);
          const body: MemoryMapResponse = {
            arch: summary.arch, memBytes: summary.memBytes,
            zones: zones.map((z) => ({ name: z.name, startPfn: z.startPfn, endPfn: z.endPfn, free: z.freePages, byOwner })),
            runs,
            process: proc.kthread ? undefined : {
              pid: proc.pid, comm: proc.comm,
              vmas: proc.vmas.map((v) => ({ start: hex(v.start), end: hex(v.end), perms: v.maps.split(/\s+/)[1] ?? "", pgoff: v.pgoff, file: v.file, present: v.present, memoryReference: `uva:${proc.pid}:${hex(v.start)}`, maps: v.maps })),
            },
          };
          response.body = body;
          this.sendResponse(response);
        });
        return;
      case KERNEL_VIEWS:
        this.handle(response, () => {
          this.needPaused();
          const views = [processScope(), memoryScope(), dmaScope(), kmapScope(), logScope(), findingsScope()];
          const body: KernelViewsResponse = { views: views.map((n) => ({ id: n.name.toLowerCase().replace(/\s+/g, "-"), label: n.name, variablesReference: this.store.add({ kind: "kernel", node: n }) })) };
          response.body = body;
          this.sendResponse(response);
        });
        return;
      default:
        super.customRequest(command, response, args);
    }
  }
}

function eventNode(e: KernelStopEvent): KNode {
  return record("Event", e.description, { kind: e.kind, seq: e.seq, ...e.fields });
}
