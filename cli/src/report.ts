// What a run looks like to a person (text) and to a program (JSON, whose
// shape cli/schema/run.schema.json pins down), and how it is judged.

import type { LogRecord } from "../../sim-core/src";
import { formatSize, parseSize } from "../../sim-core/src/util/addr";
import type { HostRunResult } from "../../host/src/host";
import { displayPath } from "../../host/src/sourcemap";
import type { Failure, FindingData, SourceLocation } from "../../host/src/protocol";
import type { DriverTarget, Scenario } from "./project";

export const JSON_FORMAT_VERSION = 1;

/** clean: nothing fired; findings: rules fired; failed: the run itself went wrong (oops, assertion, limits). */
export type Outcome = "clean" | "findings" | "failed";

export interface RunRecord {
  readonly target: DriverTarget;
  readonly scenario: Scenario;
  readonly result: HostRunResult;
  readonly wallMs: number;
}

export function outcomeOf(r: HostRunResult): Outcome {
  if (r.failures.length) return "failed";
  return r.findings.length ? "findings" : "clean";
}

/** For `faultline test`: a driver must be clean; a buggy twin must trip its rule and no other, and not fail otherwise. */
export function meetsExpectation(rec: RunRecord): { ok: boolean; why: string } {
  const r = rec.result, want = rec.target.expectRule;
  const rules = [...new Set(r.findings.map((f) => f.rule))];
  const failures = r.failures.filter((f) => !(want && f.kind === "oops" && rules.includes(want as never)));
  if (failures.length) return { ok: false, why: `${failures[0].kind}: ${failures[0].message}` };
  if (!want) return rules.length ? { ok: false, why: `expected no findings, got ${rules.join(", ")}` } : { ok: true, why: "clean" };
  if (rules.length === 1 && rules[0] === want) return { ok: true, why: `trips ${want}, as its sample.json says` };
  return { ok: false, why: `expected exactly ${want}, got ${rules.join(", ") || "nothing"}` };
}

export const rel = displayPath;

const where = (l: SourceLocation | undefined) => (l ? `${rel(l.file)}:${l.line}` : "-");

export function logLine(r: LogRecord): string {
  return `[${(r.tsNs / 1e9).toFixed(6).padStart(12)}] ${r.text}`;
}

export function describeBoot(b: DriverTarget["boot"]): string {
  const mem = b.mem === undefined ? "256 MiB" : formatSize(typeof b.mem === "number" ? b.mem : parseSize(b.mem));
  return [b.arch ?? "x86_64", mem, ...(b.devices?.length ? [`devices ${b.devices.join(",")}`] : []), ...(b.seed !== undefined ? [`seed ${b.seed}`] : [])].join(", ");
}

export function headerLine(target: DriverTarget, scenario: Scenario): string {
  return `== ${rel(target.file)} · scenario ${scenario.name} (${describeBoot(target.boot)})`;
}

export function findingLines(f: FindingData): string[] {
  const fix = f.fix ? [`    fix here: ${f.fix.fn}${f.fix.location ? ` (${where(f.fix.location)})` : ""}: ${f.fix.why}`] : [];
  const times = f.count ? ` (${f.count} times at this line; the message is the first's)` : "";
  return [`  ${f.rule} ${where(f.location)}: ${f.message}${times}`, ...fix];
}

export function failureLines(f: Failure): string[] {
  return [`  ${f.kind}${f.location ? ` at ${where(f.location)}` : ""}: ${f.message}`, ...(f.detail ?? []).map((d) => `    ${d}`)];
}

/** The parts of a run's text that come after the live kernel log. */
export function textTail(rec: RunRecord): string[] {
  const r = rec.result;
  const out: string[] = [];
  if (r.stdout) out.push(`$ ${rec.scenario.name}   # the scenario's output`, r.stdout.trimEnd());
  for (const m of r.maps) out.push(`$ cat /proc/${m.pid}/maps   # ${m.comm}, at the end of the scenario`, m.text.trimEnd());
  if (r.findings.length) out.push(`findings (${r.findings.length}):`, ...r.findings.flatMap(findingLines));
  if (r.failures.length) out.push(`failures (${r.failures.length}):`, ...r.failures.flatMap(failureLines));
  const o = outcomeOf(r);
  const rules = [...new Set(r.findings.map((f) => f.rule))];
  out.push(`result: ${o === "clean" ? "clean" : o === "findings" ? `${r.findings.length} finding${r.findings.length === 1 ? "" : "s"} (${rules.join(", ")})` : `failed (${r.failures.map((f) => f.kind).join(", ")})`}${rec.target.expectRule ? `; sample.json expects ${rec.target.expectRule}` : ""}`);
  return out;
}

/** A run's kernel log after boot (the boot log is the same every time; --boot-log shows it). */
export function logAfterBoot(r: HostRunResult, withBoot: boolean): LogRecord[] {
  if (withBoot) return r.log;
  // Without a summary (the host died), the boot log ends where the SLUB banner is.
  const boot = r.summary ? r.summary.bootLines : r.log.findIndex((x) => x.text.startsWith("SLUB:")) + 1;
  return r.log.slice(boot);
}

const loc = (l: SourceLocation) => ({ file: rel(l.file), line: l.line, column: l.column, ...(l.fn ? { function: l.fn } : {}) });

/** One run as the JSON output has it. */
export function runJson(rec: RunRecord, withBoot: boolean): Record<string, unknown> {
  const r = rec.result;
  return {
    driver: rel(rec.target.file),
    scenario: rec.scenario.name,
    scenarioFile: rel(rec.scenario.file),
    module: rec.target.module,
    boot: rec.target.boot,
    outcome: outcomeOf(r),
    expectRule: rec.target.expectRule ?? null,
    findings: r.findings.map((f) => ({
      rule: f.rule, title: f.title, message: f.message,
      location: f.location ? loc(f.location) : null,
      stack: f.stack.map(loc), report: f.report,
      ...(f.fix ? { fix: { function: f.fix.fn, location: f.fix.location ? loc(f.fix.location) : null, why: f.fix.why } } : {}),
      ...(f.count ? { count: f.count } : {}),
    })),
    failures: r.failures.map((f) => ({ kind: f.kind, message: f.message, location: f.location ? loc(f.location) : null, detail: f.detail ?? [] })),
    log: logAfterBoot(r, withBoot).map((x) => ({ time: x.tsNs / 1e9, level: x.level, text: x.text })),
    output: r.stdout,
    maps: r.maps,
    processes: r.summary?.processes ?? [],
    insmod: r.summary?.insmod ?? null,
    rmmod: r.summary?.rmmod ?? null,
    completed: r.summary?.completed ?? false,
    wallMs: Math.round(rec.wallMs),
  };
}

export function summaryJson(recs: readonly RunRecord[]): Record<string, number> {
  const count = (o: Outcome) => recs.filter((r) => outcomeOf(r.result) === o).length;
  return { runs: recs.length, clean: count("clean"), findings: count("findings"), failed: count("failed") };
}
