// What `npm start` ends with: every sample through the driver host, as
// `faultline run` runs it, and a table of what each did against what its
// sample.json says it should.

import * as fs from "node:fs";
import * as path from "node:path";
import { pool, defaultJobs } from "./pool";
import { collectTargets, type DriverTarget } from "./project";
import { meetsExpectation, outcomeOf, rel, type RunRecord } from "./report";
import { runTarget } from "./run";

/** The samples/ folder of this installation (dist/ or out/cli/src/ below the package root). */
export function samplesDir(): string | undefined {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const s = path.join(d, "samples");
    if (fs.existsSync(path.join(d, "package.json")) && fs.existsSync(s)) return s;
  }
  return undefined;
}

export async function runSamples(dir: string, out: (s: string) => void, jobs = defaultJobs()): Promise<{ ok: number; total: number }> {
  const targets: DriverTarget[] = collectTargets(dir);
  out(`# every sample through faultline run (${targets.length} drivers, ${jobs} at a time)\n`);
  const recs = (await pool(targets, jobs, (t) => runTarget(t, { json: false, bootLog: false }, () => {}))).flat();
  const rows = recs.map((r: RunRecord) => {
    const m = meetsExpectation(r);
    const rules = [...new Set(r.result.findings.map((f) => f.rule))].join(",") || "-";
    return [rel(r.target.file), r.scenario.name, r.target.expectRule ?? "silent", outcomeOf(r.result) === "failed" ? "FAILED" : rules, m.ok ? "ok" : `NOT OK: ${m.why}`];
  });
  const head = ["driver", "scenario", "expects", "got", ""];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd();
  out([line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n") + "\n");
  const ok = recs.filter((r) => meetsExpectation(r).ok).length;
  out(`samples: ${ok} of ${recs.length} runs as expected\n`);
  return { ok, total: recs.length };
}
