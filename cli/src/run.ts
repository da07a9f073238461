// `faultline run <driver> [--scenario NAME] [--arch …] [--mem …] [--seed N] [--json]`:
// each scenario of the driver in a driver host of its own; the kernel log as
// it happens, then the program's output, /proc/<pid>/maps at the end of the
// scenario, the findings and the failures. Exit 1 when a rule fired or the
// run failed (an oops, a scenario assertion, a limit), 0 when all is clean.

import { runInHost } from "../../host/src/host";
import type { HostLimits } from "../../host/src/protocol";
import { UsageError } from "./args";
import { driverTarget, type DriverTarget } from "./project";
import { JSON_FORMAT_VERSION, headerLine, logAfterBoot, logLine, outcomeOf, runJson, summaryJson, textTail, type RunRecord } from "./report";

export interface RunOptions {
  readonly json: boolean;
  readonly bootLog: boolean;
  readonly limits?: Partial<HostLimits>;
}

/** Runs one target's scenarios one after another; `out` sees text as it happens (nothing in JSON mode until the end). */
export async function runTarget(target: DriverTarget, opts: RunOptions, out: (s: string) => void): Promise<RunRecord[]> {
  const recs: RunRecord[] = [];
  for (const scenario of target.scenarios) {
    if (!opts.json) out(headerLine(target, scenario) + "\n");
    const t0 = performance.now();
    let live = !opts.json && opts.bootLog;
    const result = await runInHost({
      driver: target.file, scenario: scenario.file, module: target.module, boot: target.boot, params: target.params, limits: opts.limits,
      onMessage: (m) => {
        if (opts.json) return;
        if (m.type === "phase" && m.phase === "booted") live = true;
        else if (m.type === "log" && live) out(logLine(m.record) + "\n");
      },
    });
    const rec: RunRecord = { target, scenario, result, wallMs: performance.now() - t0 };
    recs.push(rec);
    if (!opts.json) {
      // A host that died before booting printed nothing live: show what it left.
      if (!live) for (const r of logAfterBoot(result, opts.bootLog)) out(logLine(r) + "\n");
      out(textTail(rec).join("\n") + "\n\n");
    }
  }
  return recs;
}

export async function runCommand(files: readonly string[], scenario: string | undefined, overrides: DriverTarget["boot"], opts: RunOptions, out: (s: string) => void): Promise<number> {
  if (!files.length) throw new UsageError("faultline run needs a driver file: faultline run path/to/driver.ts [--scenario NAME]");
  const targets = files.map((f) => driverTarget(f, scenario, overrides));
  const recs: RunRecord[] = [];
  for (const t of targets) recs.push(...(await runTarget(t, opts, out)));
  if (opts.json) {
    out(JSON.stringify({ faultline: JSON_FORMAT_VERSION, command: "run", runs: recs.map((r) => runJson(r, opts.bootLog)), summary: summaryJson(recs) }, null, 2) + "\n");
  }
  return recs.every((r) => outcomeOf(r.result) === "clean") ? 0 : 1;
}
