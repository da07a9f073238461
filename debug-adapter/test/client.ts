// Test harness: the standalone adapter (out/debug-adapter/src/main.js) driven
// over stdio by @vscode/debugadapter-testsupport's DebugClient, with a
// transcript of every request, response and event for the goldens.

import * as path from "node:path";
import { DebugClient } from "@vscode/debugadapter-testsupport";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { debugNode } from "../../host/src/node";

export const ROOT = path.resolve(__dirname, "../../..");
export const ADAPTER = path.join(__dirname, "../src/main.js");
export const FIXTURES = path.join(ROOT, "debug-adapter/test/fixtures");
export const sample = (name: string, file: string) => path.join(ROOT, "samples", name, file);
export const hasDebugNode = () => debugNode() !== undefined;

export type Entry = { type: "request"; command: string; args?: unknown } | { type: "response"; command: string; success: boolean; body?: unknown; message?: string } | { type: "event"; event: string; body?: unknown };

export class Client extends DebugClient {
  readonly transcript: Entry[] = [];
  readonly output: Array<{ category: string; output: string; line?: number; source?: string }> = [];

  constructor() {
    super("node", ADAPTER, "faultline", { cwd: ROOT }, true);
    this.defaultTimeout = 30_000;
    for (const e of ["initialized", "stopped", "terminated", "faultline/kernelEvent", "breakpoint", "memory", "invalidated"]) {
      this.on(e, (ev: DebugProtocol.Event) => this.transcript.push({ type: "event", event: ev.event, body: ev.body }));
    }
    this.on("output", (ev: DebugProtocol.OutputEvent) => this.output.push({ category: ev.body.category ?? "console", output: ev.body.output, line: ev.body.line, source: ev.body.source?.path }));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override send(command: string, args?: any): Promise<any> {
    this.transcript.push({ type: "request", command, args });
    return super.send(command, args).then((r: DebugProtocol.Response) => {
      this.transcript.push({ type: "response", command, success: r.success, body: r.body });
      return r;
    }, (e: Error) => {
      this.transcript.push({ type: "response", command, success: false, message: e.message });
      throw e;
    });
  }

  /** Everything the adapter printed, one string. */
  text(category?: string): string {
    return this.output.filter((o) => !category || o.category === category).map((o) => o.output).join("");
  }

  /**
   * initialize → launch; on `initialized`, the breakpoints and filters, then configurationDone.
   * Resolves with the first stop (or undefined when `waitStop` is false).
   */
  async launchTo(args: Record<string, unknown>, setup: {
    breakpoints?: Array<{ path: string; lines: number[]; conditions?: Array<string | undefined> }>;
    filters?: string[];
    filterOptions?: DebugProtocol.ExceptionFilterOptions[];
    functions?: string[];
  } = {}, waitStop = true): Promise<{ stopped?: DebugProtocol.StoppedEvent; breakpoints: DebugProtocol.Breakpoint[][] }> {
    await this.initializeRequest({ adapterID: "faultline", linesStartAt1: true, columnsStartAt1: true, pathFormat: "path" });
    const breakpoints: DebugProtocol.Breakpoint[][] = [];
    const configured = this.waitForEvent("initialized").then(async () => {
      for (const b of setup.breakpoints ?? []) {
        const r = await this.setBreakpointsRequest({ source: { path: b.path }, breakpoints: b.lines.map((line, i) => ({ line, condition: b.conditions?.[i] })) });
        breakpoints.push(r.body.breakpoints);
      }
      if (setup.functions) await this.setFunctionBreakpointsRequest({ breakpoints: setup.functions.map((name) => ({ name })) });
      await this.setExceptionBreakpointsRequest({ filters: setup.filters ?? ["violation", "oops"], filterOptions: setup.filterOptions });
      await this.configurationDoneRequest();
    });
    const stopped = waitStop ? this.waitForEvent("stopped") : undefined;
    await Promise.all([this.launchRequest(args as DebugProtocol.LaunchRequestArguments), configured]);
    return { stopped: (await stopped) as DebugProtocol.StoppedEvent | undefined, breakpoints };
  }

  async top(): Promise<DebugProtocol.StackFrame> {
    return (await this.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  }

  /** Runs a request that resumes and waits for the next stop (or the end). */
  async resumeTo(f: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent | undefined> {
    const next = Promise.race([this.waitForEvent("stopped"), this.waitForEvent("terminated").then(() => undefined)]);
    await f();
    return (await next) as DebugProtocol.StoppedEvent | undefined;
  }

  /** The children of a variable by name path from a scope. */
  async find(frameId: number, scope: string, ...names: Array<string | RegExp>): Promise<DebugProtocol.Variable> {
    const scopes = (await this.scopesRequest({ frameId })).body.scopes;
    const sc = scopes.find((s) => s.name === scope);
    if (!sc) throw new Error(`no scope ${scope} (have ${scopes.map((s) => s.name).join(", ")})`);
    let ref = sc.variablesReference;
    let v: DebugProtocol.Variable | undefined;
    for (const n of names) {
      const vars = (await this.variablesRequest({ variablesReference: ref })).body.variables;
      v = vars.find((x) => (typeof n === "string" ? x.name === n : n.test(x.name)));
      if (!v) throw new Error(`no ${n} among ${vars.map((x) => x.name).join(", ")}`);
      ref = v.variablesReference;
    }
    return v!;
  }
}
