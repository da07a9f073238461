// Random edits of the samples — deletions, insertions of kernel calls and
// punctuation, truncations — never make the analysis throw: a language server
// sees every half-typed state of a driver. And the incremental re-parse of an
// edited file finds exactly what a fresh parse of the same text finds.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { analyzeSource, type StaticFinding } from "../src";
import { sampleFiles } from "./markers";

const SNIPPETS = [
  "dma_map_single(dev, buf, 64, DMA_TO_DEVICE)", "dma_unmap_single(", "kfree(", "kmap(", "kunmap_atomic(", "spin_lock(", "if (", "} else {", "for (;;) {",
  "return", "return -ENOMEM;", "}", "{", "(", ")", ";", ",", "=", "=>", "`", "\"", "/*", "//", "\n", "const x = ", "x.y.z[", "!", "...", "async ", "class C {",
  "dma_sync_single_for_cpu(d.rx_handle", "remap_pfn_range(vma, ", "vma.vm_pgoff", "function f(a, b) {", "break;", "continue;", "switch (x) { case 1:", "try {",
];

type Edit = { kind: "delete"; at: number; len: number } | { kind: "insert"; at: number; snippet: number } | { kind: "truncate"; at: number } | { kind: "swap"; a: number; b: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), snippet: fc.nat({ max: SNIPPETS.length - 1 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
);

function apply(text: string, edits: readonly Edit[]): string {
  for (const e of edits) {
    const n = Math.max(1, text.length);
    if (e.kind === "delete") { const at = e.at % n; text = text.slice(0, at) + text.slice(at + e.len); }
    else if (e.kind === "insert") { const at = e.at % n; text = text.slice(0, at) + SNIPPETS[e.snippet] + text.slice(at); }
    else if (e.kind === "truncate") text = text.slice(0, e.at % n);
    else {
      const lines = text.split("\n");
      const a = e.a % lines.length, b = e.b % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      text = lines.join("\n");
    }
  }
  return text;
}

function wellFormed(findings: StaticFinding[], text: string): void {
  const lines = text.split("\n").length;
  for (const f of findings) {
    assert.ok(f.range.start.line >= 0 && f.range.start.line < lines, `${f.rule} line in range`);
    assert.ok(f.range.end.line >= f.range.start.line);
    assert.ok(f.message.length > 0);
  }
}

describe("fuzz: the analysis never throws on edited samples", function () {
  this.timeout(300_000);
  const samples = sampleFiles();
  const runs = Number(process.env.FUZZ_RUNS ?? 1000);
  let n = 0;

  it(`${runs} random edit sequences over ${samples.length} drivers`, () => {
    fc.assert(
      fc.property(fc.nat({ max: samples.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, edits) => {
        const s = samples[i]!;
        const text = apply(s.text, edits);
        const got = analyzeSource(s.file, text);
        wellFormed(got, text);
        // The tree is re-parsed incrementally from the last text of this file: it must find what a fresh parse finds.
        const fresh = analyzeSource(`${s.file}#${++n}`, text);
        const shape = (fs: StaticFinding[]) => fs.map((f) => `${f.rule}@${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.message}`);
        assert.deepEqual(shape(got), shape(fresh));
      }),
      { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 20261204) },
    );
  });

  it("every prefix of a driver, line by line", () => {
    const s = samples.find((x) => x.file.endsWith("edu_dma.ts"))!;
    const lines = s.text.split("\n");
    for (let n = 0; n <= lines.length; n += 3) {
      const text = lines.slice(0, n).join("\n");
      wellFormed(analyzeSource(s.file, text), text);
    }
  });
});
