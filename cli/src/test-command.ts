// `faultline test [dir|driver.ts]... [--jobs N] [--reporter auto|progress|tap|junit|json]`:
// every driver × scenario under the folders (default: the current one) as a
// test suite. Each run is a driver host of its own, N at a time (one per core
// by default). A driver must run clean; a buggy twin its folder's sample.json
// names must trip exactly its rule. Exit 0 when every test passes, 1 when any
// fails, 2 on a usage error.

import * as fs from "node:fs";
import { HostPool, runInHost, type HostRunResult } from "../../host/src/host";
import type { HostLimits } from "../../host/src/protocol";
import { UsageError } from "./args";
import { defaultJobs, pool } from "./pool";
import { collectTargets, driverTarget, type DriverTarget } from "./project";
import { meetsExpectation, type RunRecord } from "./report";
import { REPORTERS, makeReporter, testName, type ReporterName, type TestCase, type TestIO, type TestResult } from "./reporters";

export interface TestOptions {
  /** Runs at a time (default: one per core). */
  readonly jobs?: number;
  readonly reporter?: string;
  /** --arch, --mem, --seed: over every folder's sample.json. */
  readonly overrides?: DriverTarget["boot"];
  readonly limits?: Partial<HostLimits>;
}

export function isReporter(s: string): s is ReporterName {
  return (REPORTERS as readonly string[]).includes(s);
}

/** The drivers the arguments name: folders are searched (collectTargets), .ts files taken as they are. */
export function testTargets(paths: readonly string[], overrides: DriverTarget["boot"] = {}): DriverTarget[] {
  const roots = paths.length ? paths : ["."];
  const seen = new Set<string>();
  const out: DriverTarget[] = [];
  for (const p of roots) {
    if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
    let found: DriverTarget[];
    if (fs.statSync(p).isDirectory()) {
      found = collectTargets(p, overrides);
      if (!found.length) {
        throw new UsageError(`${p}: no driver with a scenario in it or below it (a folder needs a scenario.ts, a *.scenario.ts or a scenarios/ folder beside its drivers)`);
      }
    } else {
      found = [driverTarget(p, undefined, overrides)];
    }
    for (const t of found) if (!seen.has(t.file)) { seen.add(t.file); out.push(t); }
  }
  return out;
}

/** Runs one driver × scenario; whatever goes wrong on this side becomes the run's failure, not the suite's. */
async function runCase(c: TestCase, limits: Partial<HostLimits> | undefined, hosts: HostPool): Promise<RunRecord> {
  const { target, scenario } = c;
  const t0 = performance.now();
  let result: HostRunResult;
  try {
    result = await runInHost({ driver: target.file, scenario: scenario.file, module: target.module, boot: target.boot, params: target.params, limits }, { pool: hosts });
  } catch (e) {
    result = {
      log: [], stdout: "", findings: [], maps: [], phases: {}, exit: { code: null, signal: null }, stderr: "",
      failures: [{ kind: "internal", message: `the run could not be started: ${(e as Error)?.message ?? String(e)}` }],
    };
  }
  return { target, scenario, result, wallMs: performance.now() - t0 };
}

export async function testCommand(paths: readonly string[], opts: TestOptions, io: TestIO): Promise<number> {
  const reporterName = opts.reporter ?? "auto";
  if (!isReporter(reporterName)) throw new UsageError(`--reporter must be one of ${REPORTERS.join(", ")}, got "${reporterName}"`);
  const jobs = opts.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive whole number, got ${jobs}`);
  const targets = testTargets(paths, opts.overrides);
  const cases: TestCase[] = targets.flatMap((target) => target.scenarios.map((scenario) => ({ target, scenario, name: testName(target, scenario) })))
    .map((c, index) => ({ ...c, index }));
  const reporter = makeReporter(reporterName, io);
  const t0 = performance.now();
  reporter.start(cases, jobs);
  // A spare host per job: while a run goes on, the host of that job's next run starts. The first wave starts
  // cold, so the pool starts one spare per run after it and none is left over (a replay for stacks may take one).
  const hosts = new HostPool({ perKey: jobs, budget: Math.max(0, cases.length - jobs) });
  let results: TestResult[];
  try {
    results = await pool(cases, jobs, async (c): Promise<TestResult> => {
      reporter.begin(c);
      const rec = await runCase(c, opts.limits, hosts);
      const { ok, why } = meetsExpectation(rec);
      const r: TestResult = { test: c, rec, ok, why };
      reporter.end(r);
      return r;
    });
  } finally {
    hosts.dispose();
  }
  const passed = results.filter((r) => r.ok).length;
  reporter.finish(results, { tests: results.length, passed, failed: results.length - passed, jobs: Math.min(jobs, cases.length), wallMs: performance.now() - t0, runsMs: results.reduce((n, r) => n + r.rec.wallMs, 0) });
  return passed === results.length ? 0 : 1;
}
