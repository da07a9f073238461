// makeFrame() keeps each function's locals and definitions per function node
// (values.ts), since an incremental re-parse keeps the nodes an edit does not
// touch. After any sequence of random edits, re-parsed incrementally as the
// server does, every function's kept shape must equal the one computed afresh
// from the same node: the same names, the same definition nodes, in order.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parseUnit } from "../src/program";
import { frameShape, makeFrame } from "../src/values";
import { ROOT } from "./markers";

const SNIPPETS = [" ", "\n", "}", "{", ";", "(", ")", "let x = 1;", "x = buf;", "const p = d.buf + 16;", "for (const q of list) ", "n++;", "() => { let y = 2; }", "/*", "*/"];

function drivers(): string[] {
  const out: string[] = [];
  const dir = path.join(ROOT, "samples");
  for (const d of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, d);
    if (!fs.statSync(p).isDirectory()) continue;
    for (const f of fs.readdirSync(p).sort()) if (f.endsWith(".ts") && !f.endsWith(".d.ts")) out.push(fs.readFileSync(path.join(p, f), "utf8"));
  }
  return out;
}

describe("frame shapes kept per function node equal fresh ones", function () {
  this.timeout(600_000);
  const texts = drivers();
  let n = 0;
  it("after random edits, re-parsed incrementally", () => {
    const edit = fc.oneof(
      fc.record({ at: fc.nat(), ins: fc.nat({ max: SNIPPETS.length - 1 }), del: fc.constant(0) }),
      fc.record({ at: fc.nat(), ins: fc.constant(-1), del: fc.integer({ min: 1, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (i, edits) => {
        const file = `frameshape-${++n}.ts`;
        let text = texts[i]!;
        const check = () => {
          const unit = parseUnit(file, text, true);
          for (const fn of unit.functions.values()) {
            const kept = makeFrame(unit, fn, new Map(), undefined, undefined, false);
            const fresh = frameShape(fn);
            assert.deepStrictEqual([...kept.locals], [...fresh.locals]);
            assert.deepStrictEqual([...kept.defs.keys()], [...fresh.defs.keys()]);
            for (const [k, v] of fresh.defs) {
              const got = kept.defs.get(k)!;
              assert.equal(got.length, v.length);
              v.forEach((e, j) => assert.ok(got[j] === e, `${fn.name}: ${k}'s definition ${j} is another node`));
            }
          }
        };
        check();
        for (const e of edits) {
          const at = e.at % Math.max(1, text.length);
          text = e.ins >= 0 ? text.slice(0, at) + SNIPPETS[e.ins] + text.slice(at) : text.slice(0, at) + text.slice(at + e.del);
          check();
        }
      }),
      { numRuns: Number(process.env.FRAMESHAPE_RUNS ?? 200), seed: 20261205 },
    );
  });
});
