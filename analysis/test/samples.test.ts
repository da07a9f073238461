// Every sample driver as a baseline: correct drivers are silent; a twin
// whose rule (sample.json) is static is flagged with that rule, and no other,
// on the line of its `// BUG:` comment; a twin of a dynamic-only rule is silent.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { getRule, isRuleId } from "../../sim-core/src/rules/catalogue";
import { analyzeFiles, type StaticFinding } from "../src";
import { ROOT } from "./markers";

const SAMPLES = path.join(ROOT, "samples");

/**
 * The lines a `// BUG:` comment points at: its own line when it trails code;
 * for a comment on a line of its own (a missing call), the code lines just
 * before and after it, where the missing call belongs.
 */
export function bugLines(text: string): Set<number> {
  const lines = text.split("\n");
  const code = (i: number) => { const t = lines[i]!.trim(); return t !== "" && !t.startsWith("//") && !t.startsWith("*") && !t.startsWith("/*"); };
  const out = new Set<number>();
  lines.forEach((l, i) => {
    const at = l.indexOf("// BUG:");
    if (at < 0) return;
    if (l.slice(0, at).trim()) { out.add(i); return; }
    for (let j = i - 1; j >= 0; j--) if (code(j)) { out.add(j); break; }
    for (let j = i + 1; j < lines.length; j++) if (code(j)) { out.add(j); break; }
  });
  return out;
}

interface Driver { file: string; expect?: string }

function drivers(): Driver[] {
  const out: Driver[] = [];
  for (const dir of fs.readdirSync(SAMPLES).sort()) {
    const d = path.join(SAMPLES, dir);
    const cfgFile = path.join(d, "sample.json");
    if (!fs.existsSync(cfgFile)) continue;
    const twins = (JSON.parse(fs.readFileSync(cfgFile, "utf8")) as { twins?: Record<string, string> }).twins ?? {};
    for (const f of fs.readdirSync(d).sort()) {
      if (!f.endsWith(".ts") || f === "scenario.ts" || f.endsWith(".scenario.ts")) continue;
      out.push({ file: path.join(d, f), expect: twins[f.replace(/\.ts$/, "")] });
    }
  }
  return out;
}

const where = (f: StaticFinding) => `${f.rule}:${f.range.start.line + 1}`;

describe("samples as a baseline", () => {
  const all = drivers();
  it("finds the sample drivers", () => assert.ok(all.length >= 40, `${all.length} drivers`));
  for (const d of all) {
    const name = path.relative(SAMPLES, d.file);
    const rule = d.expect && isRuleId(d.expect) ? getRule(d.expect) : undefined;
    const title = !d.expect ? `${name} (correct) is silent` : rule?.static ? `${name} is flagged ${d.expect} on its bug line, and nothing else` : `${name} (${d.expect}, dynamic only) is silent`;
    it(title, () => {
      const findings = analyzeFiles([d.file]);
      if (!rule?.static) {
        assert.deepEqual(findings.map((f) => `${where(f)}: ${f.message}`), []);
        return;
      }
      const bug = bugLines(fs.readFileSync(d.file, "utf8"));
      assert.ok(bug.size > 0, "the twin marks its bug");
      assert.deepEqual([...new Set(findings.map((f) => f.rule))], [rule.id], `only ${rule.id}: ${findings.map(where).join(", ")}`);
      const onBug = findings.filter((f) => bug.has(f.range.start.line) || f.related.some((r) => bug.has(r.range.start.line)));
      assert.ok(onBug.length > 0, `a ${rule.id} finding on line ${[...bug].map((l) => l + 1).join(" or ")}; got ${findings.map(where).join(", ")}`);
    });
  }
});
