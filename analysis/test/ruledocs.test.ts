// docs/rules/ is generated (scripts/rule-docs.mjs): the committed pages must
// be what the catalogue and the implemented rules render today.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { RULES } from "../../sim-core/src/rules/catalogue";
import { detectionOf, renderRuleDocsTree } from "../src/ruledocs";
import { IMPLEMENTED_RULES } from "../src";
import { ROOT } from "./markers";

describe("docs/rules", () => {
  const dir = path.join(ROOT, "docs/rules");

  it("the committed pages are current (regenerate: npx tsc -b analysis && node scripts/rule-docs.mjs)", () => {
    const want = renderRuleDocsTree();
    const have = fs.readdirSync(dir).filter((f) => f.endsWith(".md")).sort();
    assert.deepEqual(have, [...want.keys()].sort());
    for (const [name, text] of want) assert.equal(fs.readFileSync(path.join(dir, name), "utf8"), text, `docs/rules/${name} is stale`);
  });

  it("the index says static exactly for the implemented rules", () => {
    for (const r of RULES) {
      const d = detectionOf(r);
      assert.equal(d === "static" || d === "both", IMPLEMENTED_RULES.includes(r.id as never), r.id);
      assert.equal(d === "dynamic" || d === "both", r.dynamic, r.id);
    }
    const index = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    for (const r of RULES) assert.match(index, new RegExp(`\\| \\[${r.id}\\]\\(${r.id}\\.md\\) \\| .* \\| ${detectionOf(r)} \\|`));
  });
});
