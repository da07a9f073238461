// How `faultline test` shows a run of its suite: a live progress bar on a
// terminal, TAP version 13 for CI, JUnit XML for CI servers that want it, or
// one JSON document (cli/schema/test.schema.json). Runs finish in any order
// (several hosts at once); every reporter prints them in suite order.

import * as path from "node:path";
import type { Failure, FindingData, SourceLocation } from "../../host/src/protocol";
import type { DriverTarget, Scenario } from "./project";
import { JSON_FORMAT_VERSION, logAfterBoot, logLine, outcomeOf, rel, runJson, type RunRecord } from "./report";

export const REPORTERS = ["auto", "progress", "tap", "junit", "json"] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** One driver × scenario of the suite. */
export interface TestCase {
  /** Its place in the suite, from 0. */
  readonly index: number;
  readonly target: DriverTarget;
  readonly scenario: Scenario;
  /** "path/to/driver.ts [scenario]", relative to the current directory. */
  readonly name: string;
}

export interface TestResult {
  readonly test: TestCase;
  readonly rec: RunRecord;
  readonly ok: boolean;
  /** Why it passed or failed (meetsExpectation's words). */
  readonly why: string;
}

export interface TestSummary {
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  readonly jobs: number;
  readonly wallMs: number;
  /** The runs' own times added up: what the suite would take one run at a time (wallMs is what running them together gave). */
  readonly runsMs?: number;
}

/** Where a reporter writes. `out` is standard output; `err` standard error. */
export interface TestIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Standard output is a terminal: `auto` draws a progress bar, else it prints TAP. */
  readonly isTTY: boolean;
  /** The terminal's width, for the progress bar. */
  readonly columns?: number;
}

export interface Reporter {
  start(tests: readonly TestCase[], jobs: number): void;
  /** A run has started (several may be running at once). */
  begin(test: TestCase): void;
  /** A run has ended; ends arrive in any order. */
  end(result: TestResult): void;
  /** Every run has ended; results are in suite order. */
  finish(results: readonly TestResult[], summary: TestSummary): void;
}

export function testName(target: DriverTarget, scenario: Scenario): string {
  return `${rel(target.file)} [${scenario.name}]`;
}

const where = (l: SourceLocation): string => `${rel(l.file)}:${l.line}`;

/** What a test expected, in words. */
export function expectation(target: DriverTarget): string {
  return target.expectRule ? `exactly ${target.expectRule}` : "clean";
}

/** What a run did, in words: "clean", "findings MM004, MEM001", "failed (oops)". */
export function got(rec: RunRecord): string {
  const r = rec.result;
  switch (outcomeOf(r)) {
    case "clean": return "clean";
    case "findings": return `findings ${[...new Set(r.findings.map((f) => f.rule))].join(", ")}`;
    case "failed": return `failed (${[...new Set(r.failures.map((f) => f.kind))].join(", ")})`;
  }
}

/**
 * The first thing that made a run fail: the first failure, else the first
 * finding that was not the expected rule, else the first finding. Undefined
 * for a twin that tripped nothing.
 */
export function culprit(rec: RunRecord): { failure: Failure } | { finding: FindingData } | undefined {
  const r = rec.result, want = rec.target.expectRule;
  const rules = new Set(r.findings.map((f) => f.rule as string));
  // meetsExpectation forgives an oops that follows the twin's own rule; so does this.
  const failure = r.failures.find((f) => !(want && f.kind === "oops" && rules.has(want)));
  if (failure) return { failure };
  const finding = r.findings.find((f) => f.rule !== want) ?? r.findings[0];
  return finding ? { finding } : undefined;
}

/** The first location a failed test points at ("file:line"), if it has one. */
export function culpritLocation(rec: RunRecord): string | undefined {
  const c = culprit(rec);
  if (!c) return undefined;
  if ("finding" in c) return c.finding.location ? where(c.finding.location) : undefined;
  if (c.failure.location) return where(c.failure.location);
  // A bundle failure names its place in its message, as a compiler does: file:line:column.
  const m = /^(.+?):(\d+):\d+: /m.exec(c.failure.message);
  return m ? `${rel(path.resolve(m[1]))}:${m[2]}` : undefined;
}

/** A failed test for a person: why, and the first finding or failure with its place. */
export function failureDetail(t: TestResult): string[] {
  const lines = [t.why];
  const c = culprit(t.rec);
  if (c && "finding" in c) {
    lines.push(`${c.finding.rule} at ${c.finding.location ? where(c.finding.location) : "an unknown place"}: ${c.finding.message}`);
    const fix = c.finding.fix;
    if (fix) lines.push(`fix here: ${fix.fn}${fix.location ? ` (${where(fix.location)})` : ""}: ${fix.why}`);
  } else if (c) {
    const f = c.failure;
    // The reason already carries the failure's message; add where it happened and what more it says.
    if (f.location) lines.push(`at ${where(f.location)}${f.location.fn ? ` (${f.location.fn})` : ""}`);
    lines.push(...(f.detail ?? []).slice(0, 6));
  }
  return lines;
}

/** The list of failures printed after a run, numbered. */
export function failureReport(results: readonly TestResult[]): string {
  const failed = results.filter((r) => !r.ok);
  if (!failed.length) return "";
  const out = [`failures (${failed.length}):`];
  failed.forEach((t, i) => {
    out.push(`  ${i + 1}) ${t.test.name}`);
    for (const l of failureDetail(t)) for (const part of l.split("\n")) out.push(`       ${part}`);
  });
  return out.join("\n") + "\n";
}

/** The closing line: "12 passed, 1 failed" (the plain form CI tools read). */
export function summaryLine(s: TestSummary): string {
  return `${s.passed} passed, ${s.failed} failed`;
}

function summaryTail(s: TestSummary): string {
  const runs = s.runsMs === undefined ? "" : ` (the runs add up to ${(s.runsMs / 1000).toFixed(1)} s)`;
  return `${s.tests} test${s.tests === 1 ? "" : "s"} in ${(s.wallMs / 1000).toFixed(1)} s, ${s.jobs} at a time${runs}`;
}

export function makeReporter(name: ReporterName, io: TestIO): Reporter {
  switch (name) {
    case "auto": return io.isTTY ? progressReporter(io) : tapReporter(io);
    case "progress": return progressReporter(io);
    case "tap": return tapReporter(io);
    case "junit": return junitReporter(io);
    case "json": return jsonReporter(io);
  }
}

// ---------------------------------------------------------------- progress

const BAR = 24;

/**
 * On a terminal: one line redrawn in place (done/total, passes, failures, the
 * driver that started last), each failure printed above it as it happens,
 * then the list of failures and the closing line. Elsewhere: a dot per pass,
 * an F per failure, then the same list.
 */
export function progressReporter(io: TestIO): Reporter {
  let total = 0, done = 0, passed = 0, failed = 0;
  const running: TestCase[] = [];
  const columns = Math.max(40, io.columns || 80);
  const draw = () => {
    if (!io.isTTY) return;
    const filled = total ? Math.round((done / total) * BAR) : BAR;
    const current = running.length ? running[running.length - 1].name : done === total ? "done" : "";
    const line = `[${"█".repeat(filled)}${"░".repeat(BAR - filled)}] ${done}/${total}  ✓ ${passed}  ✗ ${failed}  ${current}`;
    // Never wider than the terminal: a wrapped line cannot be redrawn with \r.
    io.out(`\r${line.length >= columns ? line.slice(0, columns - 2) + "…" : line}\x1b[K`);
  };
  return {
    start(tests) { total = tests.length; draw(); },
    begin(test) { running.push(test); draw(); },
    end(r) {
      const i = running.indexOf(r.test);
      if (i >= 0) running.splice(i, 1);
      done++;
      if (r.ok) passed++; else failed++;
      if (io.isTTY) {
        if (!r.ok) io.out(`\r\x1b[K✗ ${r.test.name}: ${r.why.split("\n")[0]}\n`);
        draw();
      } else {
        io.out(r.ok ? "." : "F");
        if (done % 60 === 0 || done === total) io.out("\n");
      }
    },
    finish(results, s) {
      if (io.isTTY) io.out("\r\x1b[K");
      const report = failureReport(results);
      if (report) io.out("\n" + report + "\n");
      io.out(`${summaryLine(s)}\n${summaryTail(s)}\n`);
    },
  };
}

// ---------------------------------------------------------------- TAP

/** A description on a test line: no newlines, and # would start a directive. */
function tapDescription(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").replace(/\\/g, "\\\\").replace(/#/g, "\\#");
}

/** A YAML scalar: JSON's double-quoted strings are YAML's too. */
const yaml = (s: string | number | boolean | null): string => JSON.stringify(s);

function tapYaml(t: TestResult): string[] {
  const rec = t.rec;
  const lines = [
    "  ---",
    `  message: ${yaml(t.why)}`,
    `  severity: ${t.ok ? "comment" : "fail"}`,
    `  driver: ${yaml(rel(rec.target.file))}`,
    `  scenario: ${yaml(rec.scenario.name)}`,
    `  expected: ${yaml(expectation(rec.target))}`,
    `  got: ${yaml(got(rec))}`,
  ];
  const at = culpritLocation(rec);
  if (at) lines.push(`  at: ${yaml(at)}`);
  const detail = failureDetail(t).slice(1).flatMap((l) => l.split("\n"));
  if (detail.length) lines.push("  detail:", ...detail.map((l) => `    - ${yaml(l)}`));
  lines.push(`  duration_ms: ${Math.round(rec.wallMs)}`, "  ...");
  return lines;
}

/**
 * TAP version 13: the plan first (the suite is known before it runs), one
 * test line per driver × scenario in suite order, a YAML block under each
 * failure, and comments with the counts and the failures at the end.
 */
export function tapReporter(io: TestIO): Reporter {
  const ready: (TestResult | undefined)[] = [];
  let next = 0;
  const flush = () => {
    for (; next < ready.length && ready[next]; next++) {
      const t = ready[next]!;
      io.out(`${t.ok ? "ok" : "not ok"} ${next + 1} - ${tapDescription(t.test.name)}\n`);
      if (!t.ok) io.out(tapYaml(t).join("\n") + "\n");
    }
  };
  return {
    start(tests) {
      ready.length = tests.length;
      io.out(`TAP version 13\n1..${tests.length}\n`);
    },
    begin() {},
    end(r) { ready[r.test.index] = r; flush(); },
    finish(results, s) {
      for (const r of results) ready[r.test.index] ??= r;
      flush();
      const lines = [`# tests ${s.tests}`, `# pass ${s.passed}`, `# fail ${s.failed}`];
      for (const t of results.filter((r) => !r.ok)) {
        const at = culpritLocation(t.rec);
        lines.push(`# failed: ${t.test.name}: ${t.why.split("\n")[0]}${at ? ` (at ${at})` : ""}`);
      }
      io.out(lines.join("\n") + "\n");
    },
  };
}

// ---------------------------------------------------------------- JUnit

/** Text safe in XML: characters XML 1.0 cannot hold at all are dropped, markup is escaped. */
export function xmlEscape(s: string, attribute = false): string {
  // eslint-disable-next-line no-control-regex
  let out = s.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  if (attribute) out = out.replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
  return out;
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v), true)}"`).join("");

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * JUnit XML, as Jenkins, GitLab and most CI servers read it: a testsuite per
 * driver folder, a testcase per driver × scenario (classname the driver,
 * name the scenario), a <failure> with the reason and the first finding or
 * failure, and the run's output and kernel log in <system-out> for failures.
 * The list of failures goes to standard error, so standard output stays XML.
 */
export function junitReporter(io: TestIO): Reporter {
  const started = new Date();
  return {
    start() {}, begin() {}, end() {},
    finish(results, s) {
      const suites = new Map<string, TestResult[]>();
      for (const r of results) {
        const key = rel(r.rec.target.file).replace(/\/[^/]*$/, "") || ".";
        suites.set(key, [...(suites.get(key) ?? []), r]);
      }
      const x: string[] = [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<testsuites${attrs({ name: "faultline test", tests: s.tests, failures: s.failed, errors: 0, time: seconds(s.wallMs) })}>`,
      ];
      for (const [name, rs] of suites) {
        const time = rs.reduce((n, r) => n + r.rec.wallMs, 0);
        x.push(`  <testsuite${attrs({
          name, tests: rs.length, failures: rs.filter((r) => !r.ok).length, errors: 0, skipped: 0,
          time: seconds(time), timestamp: started.toISOString().replace(/\.\d+Z$/, ""),
        })}>`);
        for (const r of rs) {
          const tc = attrs({ classname: rel(r.rec.target.file), name: r.rec.scenario.name, file: rel(r.rec.target.file), time: seconds(r.rec.wallMs) });
          if (r.ok) { x.push(`    <testcase${tc}/>`); continue; }
          const body = failureDetail(r).join("\n");
          const c = culprit(r.rec);
          x.push(`    <testcase${tc}>`,
            `      <failure${attrs({ message: r.why, type: c && "failure" in c ? c.failure.kind : "findings" })}>${xmlEscape(body)}</failure>`);
          const log = logAfterBoot(r.rec.result, false).map(logLine).join("\n");
          const sysout = [log && `$ dmesg\n${log}`, r.rec.result.stdout && `$ ${r.rec.scenario.name}\n${r.rec.result.stdout.trimEnd()}`].filter(Boolean).join("\n");
          if (sysout) x.push(`      <system-out>${xmlEscape(sysout)}</system-out>`);
          if (r.rec.result.stderr.trim()) x.push(`      <system-err>${xmlEscape(r.rec.result.stderr.trimEnd())}</system-err>`);
          x.push(`    </testcase>`);
        }
        x.push(`  </testsuite>`);
      }
      x.push(`</testsuites>`);
      io.out(x.join("\n") + "\n");
      io.err(failureReport(results) + summaryLine(s) + "\n");
    },
  };
}

// ---------------------------------------------------------------- JSON

/** One test of the JSON document: the run as `faultline run --json` has it, with the verdict. */
export function testJson(t: TestResult): Record<string, unknown> {
  return { name: t.test.name, ok: t.ok, reason: t.why, at: t.ok ? null : culpritLocation(t.rec) ?? null, run: runJson(t.rec, false) };
}

/** One JSON document at the end (cli/schema/test.schema.json); the list of failures goes to standard error. */
export function jsonReporter(io: TestIO): Reporter {
  return {
    start() {}, begin() {}, end() {},
    finish(results, s) {
      io.out(JSON.stringify({
        faultline: JSON_FORMAT_VERSION, command: "test",
        tests: results.map(testJson),
        summary: { tests: s.tests, passed: s.passed, failed: s.failed, jobs: s.jobs, wallMs: Math.round(s.wallMs), ...(s.runsMs === undefined ? {} : { runsMs: Math.round(s.runsMs) }) },
      }, null, 2) + "\n");
      io.err(failureReport(results) + summaryLine(s) + "\n");
    },
  };
}
