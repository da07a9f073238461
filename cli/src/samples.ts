// What `npm start` ends with: every sample through the driver host, as
// `faultline run` runs it, and a table of what each did against what its
// sample.json says it should.

import * as fs from "node:fs";
import * as path from "node:path";
import { getRule, isRuleId } from "../../sim-core/src/rules/catalogue";
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
  const statics = new Map<string, StaticRow>();
  const staticOf = (t: DriverTarget) => {
    let row = statics.get(t.file);
    if (!row) statics.set(t.file, (row = staticRow(t)));
    return row;
  };
  const rows = recs.map((r: RunRecord) => {
    const m = meetsExpectation(r);
    const rules = [...new Set(r.result.findings.map((f) => f.rule))].join(",") || "-";
    const s = staticOf(r.target);
    return [rel(r.target.file), r.scenario.name, r.target.expectRule ?? "silent", outcomeOf(r.result) === "failed" ? "FAILED" : rules, s.shown, m.ok ? "ok" : `NOT OK: ${m.why}`];
  });
  const head = ["driver", "scenario", "expects", "got", "static", ""];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd();
  out([line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n") + "\n");
  const ok = recs.filter((r) => meetsExpectation(r).ok).length;
  out(`samples: ${ok} of ${recs.length} runs as expected\n`);
  const srows = [...statics.values()];
  const sok = srows.filter((x) => x.ok).length;
  out(`static: ${sok} of ${srows.length} drivers as expected by faultline check (a twin whose rule is static flagged with it alone, every other driver silent)\n`);
  for (const x of srows) if (!x.ok) out(`  NOT OK: ${x.why}\n`);
  return { ok, total: recs.length };
}

interface StaticRow { readonly shown: string; readonly ok: boolean; readonly why: string }

/**
 * What `faultline check` finds in a driver against sample.json: a twin whose
 * rule is static must be flagged with that rule and no other; every other
 * driver (correct ones, and twins of dynamic-only rules) must be silent.
 */
export function staticRow(t: DriverTarget): StaticRow {
  const { checkResults } = require("./check") as typeof import("./check");
  const found = [...new Set(checkResults([t.file]).map((r) => r.rule))].sort();
  const expected = t.expectRule && isRuleId(t.expectRule) && getRule(t.expectRule).static ? t.expectRule : undefined;
  const got = found.join(",") || "-";
  const ok = expected ? found.length === 1 && found[0] === expected : found.length === 0;
  return { shown: `${got} ${ok ? "ok" : "NOT OK"}`, ok, why: `${rel(t.file)}: check found ${got}, expected ${expected ?? "nothing"}` };
}
