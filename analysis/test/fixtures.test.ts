// Every rule's fixture: the findings are exactly its inline markers (rule,
// line and column), and its correct twin (<RULE>.ok.ts) is silent. Every
// rule the analyses claim to implement has a fixture where it fires.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeSource, IMPLEMENTED_RULES } from "../src";
import { covers, fixtureFiles, markersOf } from "./markers";

describe("rule fixtures", () => {
  const files = fixtureFiles();
  const fired = new Set<string>();

  for (const file of files) {
    const name = path.basename(file);
    const twin = name.endsWith(".ok.ts");
    it(twin ? `${name} is silent` : `${name}: findings are exactly its markers`, () => {
      const text = fs.readFileSync(file, "utf8");
      const findings = analyzeSource(file, text);
      const markers = markersOf(text);
      if (twin) {
        assert.equal(markers.length, 0, "a twin carries no markers");
        assert.deepEqual(findings.map((f) => `${f.rule}:${f.range.start.line + 1}: ${f.message}`), []);
        return;
      }
      assert.ok(markers.length > 0, "a fixture marks what it expects");
      const missing = markers.filter((m) => !findings.some((f) => covers(f, m)));
      const extra = findings.filter((f) => !markers.some((m) => covers(f, m)));
      assert.deepEqual(missing.map((m) => `${m.rule} at ${m.line + 1}:${m.column + 1}`), [], "every marker is found");
      assert.deepEqual(extra.map((f) => `${f.rule} at ${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.message}`), [], "nothing unmarked is found");
      for (const f of findings) fired.add(f.rule);
    });
  }

  it("every fixture has its correct twin", () => {
    const names = new Set(files.map((f) => path.basename(f)));
    for (const n of names) if (!n.endsWith(".ok.ts")) assert.ok(names.has(n.replace(/\.ts$/, ".ok.ts")), `${n} has a twin`);
  });

  it("every implemented rule fires in some fixture, and nothing else does", () => {
    assert.deepEqual([...IMPLEMENTED_RULES].filter((r) => !fired.has(r)), [], "implemented rules without a fixture that fires");
    assert.deepEqual([...fired].filter((r) => !IMPLEMENTED_RULES.includes(r as never)), []);
  });
});
