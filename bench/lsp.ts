// `faultline check samples/` beside `tsc --noEmit -p samples` in the same run,
// interleaved: the static analyses over every sample driver (parse and bind
// per file, the flow analysis, the file-wide rules) against TypeScript type
// checking the same files, both as a user starts them (a fresh Node each).
// The target: check takes at most half of tsc's time at the median.
//
//   node out/bench/lsp.js [--quick] [--json FILE]

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

export const TARGET_CHECK_RATIO = 0.5;
// Quick: one run of each, side by side (each single-threaded, a core each on a 2-core
// machine); tsc alone is over 10 s of CPU, so sequential runs would be most of CI's budget.
export const CHECK_CONFIG = { quick: { runs: 1, parallel: true }, full: { runs: 7, parallel: false } };

const ROOT = path.resolve(__dirname, "../..");
const fmt = (n: number, digits = 2) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

export interface CheckBench {
  readonly runs: number;
  /** The two commands ran at the same time (quick), not one after the other. */
  readonly parallel: boolean;
  readonly files: number;
  readonly findings: number;
  readonly checkMs: number[];
  readonly tscMs: number[];
  readonly checkMedianMs: number;
  readonly tscMedianMs: number;
  readonly ratio: number;
  readonly target: number;
  readonly met: boolean;
}

function cli(): string {
  const dist = path.join(ROOT, "dist", "faultline.js");
  return fs.existsSync(dist) ? dist : path.join(ROOT, "out", "cli", "src", "main.js");
}

function timed(args: string[]): { ms: number; stdout: string; status: number | null } {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  return { ms, stdout: r.stdout, status: r.status };
}

function timedAsync(args: string[]): Promise<{ ms: number; stdout: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    const out: Buffer[] = [];
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.on("error", reject);
    p.on("close", (status) => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, stdout: Buffer.concat(out).toString("utf8"), status }));
  });
}

export async function benchCheck(runs: number, parallel = false): Promise<CheckBench> {
  const tsc = require.resolve("typescript/bin/tsc");
  const checkMs: number[] = [], tscMs: number[] = [];
  let files = 0, findings = 0;
  for (let i = 0; i < runs; i++) {
    const checkArgs = [cli(), "check", "samples", "--format", "json"], tscArgs = [tsc, "--noEmit", "-p", "samples"];
    const both = parallel ? await Promise.all([timedAsync(checkArgs), timedAsync(tscArgs)]) : undefined;
    const c = both?.[0] ?? timed(checkArgs);
    if (c.status !== 0 && c.status !== 1) throw new Error(`faultline check exited ${c.status}`);
    const doc = JSON.parse(c.stdout) as { files: string[]; results: unknown[] };
    files = doc.files.length;
    findings = doc.results.length;
    checkMs.push(c.ms);
    const t = both?.[1] ?? timed(tscArgs);
    if (t.status !== 0) throw new Error(`tsc --noEmit -p samples failed:\n${t.stdout}`);
    tscMs.push(t.ms);
  }
  const checkMedianMs = median(checkMs), tscMedianMs = median(tscMs);
  const ratio = checkMedianMs / tscMedianMs;
  return { runs, parallel, files, findings, checkMs, tscMs, checkMedianMs, tscMedianMs, ratio, target: TARGET_CHECK_RATIO, met: ratio <= TARGET_CHECK_RATIO };
}

export function printCheck(b: CheckBench): void {
  console.log(`## faultline check samples/ vs tsc --noEmit -p samples (${b.runs} run${b.runs === 1 ? "" : "s"} each, ${b.parallel ? "side by side" : "interleaved"}; ${b.files} files, ${b.findings} findings)\n`);
  console.log(`faultline check   median ${fmt(b.checkMedianMs / 1000)} s   (${b.checkMs.map((x) => fmt(x / 1000)).join(", ")})`);
  console.log(`tsc --noEmit      median ${fmt(b.tscMedianMs / 1000)} s   (${b.tscMs.map((x) => fmt(x / 1000)).join(", ")})`);
  console.log(`ratio check/tsc   ${fmt(b.ratio)}   target <= ${fmt(b.target)}: ${b.met ? "met" : "MISSED"}\n`);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, json: { type: "string" } } });
  const cfg = values.quick ? CHECK_CONFIG.quick : CHECK_CONFIG.full;
  benchCheck(cfg.runs, cfg.parallel).then((b) => {
    printCheck(b);
    if (values.json) fs.writeFileSync(values.json, JSON.stringify(b, null, 2) + "\n");
  }, (e) => { console.error(e); process.exit(1); });
}
