// Golden files: expected output kept beside the tests. Run with
// UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

/** sim-core/test/golden, found from the compiled test in out/sim-core/test as well as from the sources. */
const GOLDEN_DIR = path.resolve(__dirname, "../../../sim-core/test/golden");

export interface Placeholder { pattern: RegExp; replacement: string }

/** Paths and line numbers of test sources change with every edit: keep them out of goldens. */
export const SOURCE_LINES: Placeholder = { pattern: /\(([^()\s]+\.ts):\d+\)/g, replacement: "($1:<line>)" };

export function expectGolden(name: string, actual: string, placeholders: readonly Placeholder[] = []): void {
  for (const p of placeholders) actual = actual.replace(p.pattern, p.replacement);
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) assert.fail(`golden file ${path.relative(process.cwd(), file)} is missing: run the tests with UPDATE_GOLDEN=1 to create it`);
  const expected = fs.readFileSync(file, "utf8");
  if (actual !== expected) {
    // assert.equal's diff on whole files is unreadable; point at the first differing line.
    const a = actual.split("\n"), e = expected.split("\n");
    const i = a.findIndex((l, n) => l !== e[n]);
    assert.fail(`${name} differs from the golden file at line ${i + 1}:\n  expected: ${JSON.stringify(e[i])}\n  actual:   ${JSON.stringify(a[i])}\n(UPDATE_GOLDEN=1 rewrites it if the change is intended)`);
  }
}
