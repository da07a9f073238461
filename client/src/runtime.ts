// The extension's heavy half, loaded on the first run or debug session and
// never at activation: the driver host's parent side, the TypeScript-based
// bundler behind it and the command line's reporting. Nothing here imports
// 'vscode', so unit tests run it under plain Node.

import type { BootOptions } from "../../sim-core/src";
import { HostPool, runInHost, type HostRunResult } from "../../host/src/host";
import type { HostLimits } from "../../host/src/protocol";
import { driverTarget, type DriverTarget, type Scenario } from "../../cli/src/project";
import { createSession } from "../../debug-adapter/src/index";
import { disposeDebugSpareHosts } from "../../debug-adapter/src/runtime";
import { toRunFinding, type RunFinding } from "../../server/src/protocol";
import { headerLine, logAfterBoot, logLine, textTail, type RunRecord } from "../../cli/src/report";

export type { DriverTarget, Scenario, RunRecord, HostRunResult };

export interface DriverRunRequest {
  readonly driver: string;
  /** A scenario name beside the driver or a file; all of the folder's when absent. */
  readonly scenario?: string;
  /** Boot options over the folder's sample.json (from the launch configuration or the machine profile). */
  readonly overrides?: Omit<BootOptions, "onLog">;
  /** Options that apply only where sample.json says nothing (the machine profile). */
  readonly defaults?: Omit<BootOptions, "onLog">;
  /** The Node that runs the host; the extension host's when absent. */
  readonly node?: string;
  readonly cwd?: string;
  readonly limits?: Partial<HostLimits>;
}

export interface RunSink {
  /** Text as it happens: a header per scenario, the kernel log line by line, the tail. */
  line(text: string): void;
  /** One scenario finished. */
  done?(rec: RunRecord): void;
}

/** The driver folder's target as `faultline run` reads it, with the profile's defaults under sample.json. */
export function resolveTarget(req: DriverRunRequest): DriverTarget {
  const t = driverTarget(req.driver, req.scenario, req.overrides ?? {});
  return req.defaults ? { ...t, boot: { ...req.defaults, ...t.boot } } : t;
}

/**
 * Hosts started ahead of need: after a run, one is up for the next (same Node, working folder and heap cap), so
 * a run from the editor pays for its request, not for a Node start. Each serves one run (isolation unchanged).
 */
let spares: HostPool | undefined;

/** Kills the spare hosts (the extension's deactivation). */
export function disposeSpareHosts(): void {
  spares?.dispose();
  spares = undefined;
  disposeDebugSpareHosts();
}

/** Runs each scenario of a driver in a host of its own, as `faultline run` does, streaming the same text. */
export async function runDriver(req: DriverRunRequest, sink: RunSink, isCancelled: () => boolean = () => false): Promise<RunRecord[]> {
  const target = resolveTarget(req);
  const recs: RunRecord[] = [];
  for (const scenario of target.scenarios) {
    if (isCancelled()) break;
    sink.line(headerLine(target, scenario));
    const t0 = performance.now();
    let live = false;
    const result = await runInHost({
      driver: target.file, scenario: scenario.file, module: target.module, boot: target.boot, params: target.params,
      limits: req.limits, node: req.node, cwd: req.cwd,
      onMessage: (m) => {
        if (m.type === "phase" && m.phase === "booted") live = true;
        else if (m.type === "log" && live) sink.line(logLine(m.record));
      },
    }, { pool: (spares ??= new HostPool()) });
    const rec: RunRecord = { target, scenario, result, wallMs: performance.now() - t0 };
    if (!live) for (const r of logAfterBoot(result, false)) sink.line(logLine(r));
    for (const l of textTail(rec)) sink.line(l);
    recs.push(rec);
    sink.done?.(rec);
  }
  return recs;
}

/** The debug adapter, run inline in the extension host (the session speaks DAP messages as vscode.DebugAdapter wants). */
export function createDebugSession(nodePath?: string): import("vscode").DebugAdapter {
  return createSession(nodePath ? { nodePath } : {}) as unknown as import("vscode").DebugAdapter;
}

/** A run's findings, and its failures that have a driver line (an oops, an assertion), as the server's RunFinding. */
export function runFindingsOf(recs: readonly RunRecord[], uriOf: (file: string) => string): RunFinding[] {
  const out: RunFinding[] = [];
  const frame = (l: { file: string; line: number; column: number; fn?: string }) => ({ fn: l.fn ?? "", file: l.file, line: l.line, column: l.column });
  for (const r of recs) {
    for (const f of r.result.findings) {
      const fix = f.fix && { fn: f.fix.fn, why: f.fix.why, ...(f.fix.location ? { location: frame(f.fix.location) } : {}) };
      const rf = toRunFinding({ rule: f.rule, message: f.message, report: f.report, location: f.location && frame(f.location), stack: f.stack.map(frame), ...(fix ? { fix } : {}), ...(f.count ? { count: f.count } : {}) }, uriOf);
      if (rf) out.push(rf);
    }
    for (const fl of r.result.failures) {
      if (!fl.location) continue;
      const rf = toRunFinding({ rule: fl.kind, message: fl.message, report: fl.detail, location: frame(fl.location), stack: (fl.stack ?? []).map(frame) }, uriOf);
      if (rf) out.push(rf);
    }
  }
  return out;
}
