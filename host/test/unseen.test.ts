// Drivers written for issue 13 in styles the samples do not use (classes,
// closures, labeled-block cleanup, page halves, nested kmaps, ping-pong ISA
// buffers…), each folder host/test/unseen/<name>/ laid out like a sample:
// <name>.ts must run its scenario without a finding and pass the static
// checker silently; each twin <name>_<bug>.ts holds one bug, marked with a
// `// BUG:` comment, and must trip exactly the rule sample.json's "twins"
// names, at that line (where the report points, or in its call trace when
// Linux's report points at the allocation or the free). "static" names the
// twins the static checker must catch too, at the same line; for the others
// it may stay silent but must not name another rule.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { runFiles } from "../src/run";

// host does not reference the analysis project; its build output sits beside ours.
type StaticFinding = { rule: string; message: string; range: { start: { line: number } } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { analyzeFiles } = require(path.join(__dirname, "..", "..", "analysis", "src")) as { analyzeFiles(paths: readonly string[]): StaticFinding[] };

const ROOT = path.join(__dirname, "..", "..", "..", "host", "test", "unseen");

interface UnseenConfig {
  boot?: Record<string, unknown>;
  twins?: Record<string, string>;
  static?: Record<string, string>;
  /**
   * Static findings a driver is known to get wrongly ("RULE:line"), open defects written down rather
   * than hidden: the test fails when they change, fixed or not.
   */
  knownStatic?: Record<string, string[]>;
  /** Twins whose bug the static checker misses, and why: the test fails once it is caught (then move it to "static"). */
  staticMiss?: Record<string, string>;
}

const dirs = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => fs.existsSync(path.join(ROOT, d, "scenario.ts"))) : [];

function bugLine(file: string): number {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes("// BUG:"));
  assert.ok(i >= 0, `${path.basename(file)} marks its bug with // BUG:`);
  return i + 1;
}

/** Where the report may point instead: a `// REPORTED:` line (the access after the wrong sync, say). */
function reportedLine(file: string): number | undefined {
  const i = fs.readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes("// REPORTED:"));
  return i >= 0 ? i + 1 : undefined;
}

describe("unseen-style drivers", function () {
  this.timeout(60000);
  it("there are some", () => assert.ok(dirs.length >= 8, `only ${dirs.length} folders under ${ROOT}`));
  for (const dir of dirs) {
    const base = path.join(ROOT, dir);
    const config = JSON.parse(fs.readFileSync(path.join(base, "sample.json"), "utf8")) as UnseenConfig;
    const drivers = fs.readdirSync(base).filter((f) => f.endsWith(".ts") && f !== "scenario.ts").map((f) => f.replace(/\.ts$/, ""));
    describe(dir, () => {
      for (const drv of drivers) {
        const file = path.join(base, `${drv}.ts`);
        const rule = config.twins?.[drv];
        it(rule ? `${drv}: one ${rule} at its BUG line` : `${drv}: runs clean`, () => {
          // An oops kills the scenario's process and ends the run early but "completed": it must not pass as clean.
          const oopses: string[] = [];
          const r = runFiles({ driver: file, scenario: path.join(base, "scenario.ts"), module: dir, boot: config.boot as never, onEvent: (e) => { if (e.type === "oops") oopses.push(e.message); } });
          assert.equal(r.failure, undefined, r.failure);
          const shown = r.findings.map((f) => `${f.rule} ${f.location?.file}:${f.location?.line} ${f.message}`);
          if (!rule) {
            assert.deepEqual(shown, [], "a correct driver must be silent");
            assert.deepEqual(oopses, [], "a correct driver must not oops");
            return;
          }
          assert.ok(drivers.includes(dir), "the correct driver sits beside its twin");
          const line = bugLine(file);
          assert.deepEqual([...new Set(r.findings.map((f) => f.rule))], [rule], shown.join("\n"));
          // One bug, one finding: repeats of the same report (one per buffer) are that finding's count.
          assert.equal(r.findings.length, 1, shown.join("\n"));
          const f = r.findings[0];
          const lines = [f.location, f.fix?.location, ...f.stack].filter((x) => x && x.file.endsWith(`${drv}.ts`)).map((x) => x!.line);
          const alt = reportedLine(file);
          assert.ok(lines.includes(line) || (alt !== undefined && f.location?.line === alt), `the bug is at line ${line}; the finding points at ${lines.join(", ")}`);
        });
        it(rule ? `${drv}: static checker` : `${drv}: static checker is silent`, () => {
          const known = config.knownStatic?.[drv] ?? [];
          const all = analyzeFiles([file]).map((f) => ({ rule: f.rule, line: f.range.start.line + 1, msg: f.message }));
          assert.deepEqual(all.map((x) => `${x.rule}:${x.line}`).filter((x) => known.includes(x)), known, "the known static defects are still there (remove them from knownStatic once fixed)");
          const found = all.filter((x) => !known.includes(`${x.rule}:${x.line}`));
          const shown = found.map((x) => `${x.rule}:${x.line} ${x.msg}`);
          if (!rule) { assert.deepEqual(shown, []); return; }
          const want = config.static?.[drv];
          if (config.staticMiss?.[drv]) assert.ok(!found.some((x) => x.rule === rule && x.line === bugLine(file)), `${drv} is caught statically now: move it from "staticMiss" to "static"`);
          assert.ok(found.every((x) => x.rule === rule), `only ${rule} may be found: ${shown.join("; ")}`);
          if (want) assert.deepEqual(found.map((x) => `${x.rule}:${x.line}`), [`${want}:${bugLine(file)}`], shown.join("\n"));
        });
      }
    });
  }
});
