// The incremental analysis (re-parse plus the per-function flow cache) must
// find exactly what a fresh, uncached analysis of the same text finds, after
// any sequence of edits: random edits of the sample drivers, one file (or two
// drivers pasted into one, so names clash and one driver's probe state reaches
// the other's handlers) edited step by step, every step compared in full:
// ranges, messages, related locations, fixes.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { analyzeSource } from "../src";
import { sampleFiles } from "./markers";

const SNIPPETS = [
  " ", "  ", "\n", "}", "{", ";", "(", ")", "return 0;", "return -ENOMEM;", "if (!buf) ", "kfree(buf);", "dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);",
  "spin_lock(&d.lock);", "const x = kmalloc(64, GFP_KERNEL);", "// faultline-disable-next-line", "/*", "*/", "d.buf = null;", "SetPageReserved(p);",
];

type Edit =
  | { kind: "insert"; at: number; snippet: number }
  | { kind: "delete"; at: number; len: number }
  | { kind: "deleteLine"; line: number }
  | { kind: "copyLine"; from: number; to: number }
  | { kind: "swapLines"; a: number; b: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), snippet: fc.nat({ max: SNIPPETS.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("deleteLine" as const), line: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("copyLine" as const), from: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }) },
);

function apply(text: string, e: Edit): string {
  const n = Math.max(1, text.length);
  if (e.kind === "insert") { const at = e.at % n; return text.slice(0, at) + SNIPPETS[e.snippet] + text.slice(at); }
  if (e.kind === "delete") { const at = e.at % n; return text.slice(0, at) + text.slice(at + e.len); }
  const lines = text.split("\n");
  const m = lines.length;
  if (e.kind === "deleteLine") lines.splice(e.line % m, 1);
  else if (e.kind === "copyLine") lines.splice(e.to % m, 0, lines[e.from % m]!);
  else { const a = e.a % m, b = e.b % m; [lines[a], lines[b]] = [lines[b]!, lines[a]!]; }
  return lines.join("\n");
}

describe("flow cache: incremental analysis equals a fresh one", function () {
  this.timeout(600_000);
  const drivers = sampleFiles().filter((d) => !d.file.endsWith(".d.ts"));
  const runs = Number(process.env.FLOWCACHE_RUNS ?? 120);
  let n = 0;

  it(`${runs} random edit sequences, every step compared`, () => {
    fc.assert(
      fc.property(fc.nat({ max: drivers.length - 1 }), fc.option(fc.nat({ max: drivers.length - 1 }), { nil: undefined }), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, j, edits) => {
        const a = drivers[i]!;
        // A file name of its own per run: the first analysis fills the caches, the edits reuse them.
        const file = `${a.file}.${++n}.ts`;
        let text = j === undefined ? a.text : `${a.text}\n${drivers[j]!.text}`;
        analyzeSource(file, text);
        for (const e of edits) {
          text = apply(text, e);
          const got = analyzeSource(file, text);
          const fresh = analyzeSource(file, text, { reuse: false });
          assert.deepStrictEqual(got, fresh);
        }
      }),
      { numRuns: runs, seed: Number(process.env.FLOWCACHE_SEED ?? 20261205) },
    );
  });

  it("a finding reported in an unchanged handler moves with the text above it", () => {
    const d = drivers.find((x) => analyzeSource(x.file, x.text, { reuse: false }).length > 0)!;
    const file = `${d.file}.moved.ts`;
    const before = analyzeSource(file, d.text);
    const text = `// a line above everything\n\n${d.text}`;
    const after = analyzeSource(file, text);
    assert.ok(before.length > 0);
    assert.deepStrictEqual(after, analyzeSource(file, text, { reuse: false }));
    assert.deepStrictEqual(after.map((f) => f.range.start.line), before.map((f) => f.range.start.line + 2));
  });
});
