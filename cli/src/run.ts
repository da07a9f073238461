// `faultline run <driver> [--scenario NAME] [--arch …] [--mem …] [--seed N] [--json]`:
// each scenario of the driver in a driver host of its own; the kernel log as
// it happens, then the program's output, /proc/<pid>/maps at the end of the
// scenario, the findings and the failures. Exit 1 when a rule fired or the
// run failed (an oops, a scenario assertion, a limit), 0 when all is clean.

import { HostPool, runInHost } from "../../host/src/host";
import type { HostLimits } from "../../host/src/protocol";
import type { HostProcess } from "../../host/src/spare";
import { UsageError } from "./args";
import { driverTarget, type DriverTarget } from "./project";
import { JSON_FORMAT_VERSION, headerLine, logAfterBoot, logLine, outcomeOf, runJson, summaryJson, textTail, type RunRecord } from "./report";

export interface RunOptions {
  readonly json: boolean;
  readonly bootLog: boolean;
  readonly limits?: Partial<HostLimits>;
  /** A host started ahead for the first run (main.ts spawns it before loading the rest of the run). */
  readonly spare?: HostProcess;
}

/**
 * Runs one target's scenarios one after another; `out` sees text as it happens (nothing in JSON mode until the end).
 * With a pool, each run takes its host from it: the next run's host starts while this one runs.
 */
export async function runTarget(target: DriverTarget, opts: RunOptions, out: (s: string) => void, pool?: HostPool): Promise<RunRecord[]> {
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
    }, { pool, spare: opts.spare });
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
  // Several runs: a spare host for each but the first (which starts cold, as a single run does); none left over.
  const runs = targets.reduce((n, t) => n + t.scenarios.length, 0);
  const pool = runs > 1 ? new HostPool({ budget: runs - 1 }) : undefined;
  try {
    for (const t of targets) recs.push(...(await runTarget(t, opts, out, pool)));
  } finally {
    pool?.dispose();
  }
  if (opts.json) {
    out(JSON.stringify({ faultline: JSON_FORMAT_VERSION, command: "run", runs: recs.map((r) => runJson(r, opts.bootLog)), summary: summaryJson(recs) }, null, 2) + "\n");
  }
  return recs.every((r) => outcomeOf(r.result) === "clean") ? 0 : 1;
}
