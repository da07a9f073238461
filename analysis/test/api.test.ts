// The library's contract with its callers: quick fixes that remove their
// finding when applied, suppression comments, rule settings, cancellation,
// helpers in sibling files, and the doc path of every rule.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { RULES } from "../../sim-core/src/rules/catalogue";
import { AnalysisCancelled, analyzeSource, ruleDocPath } from "../src";
import { applyEdits, fixtureFiles, ROOT } from "./markers";


describe("analysis API", () => {
  it("every quick fix, applied, removes its finding and adds no error", () => {
    const targets = [...fixtureFiles().filter((f) => !f.endsWith(".ok.ts")), ...["edu_dma/edu_dma_nosync.ts", "dma_map_single/dma_map_single_nocheck.ts", "kmalloc_mmap/kmalloc_mmap_noreserve.ts", "kmalloc_mmap/kmalloc_mmap_nocheck.ts", "simple/simple_noref.ts", "dio/dio_nodirty.ts", "dio/dio_nolock.ts", "isa_bounce/isa_bounce_nomask.ts", "isa_dma/isa_dma_nogfpdma.ts"].map((s) => path.join(ROOT, "samples", s))];
    let applied = 0;
    const failures: string[] = [];
    for (const file of targets) {
      const text = fs.readFileSync(file, "utf8");
      for (const f of analyzeSource(file, text)) {
        for (const fix of f.fixes) {
          applied++;
          const fixed = applyEdits(text, fix.edits);
          const syntax = ts.transpileModule(fixed, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
          if (syntax.length) failures.push(`${path.basename(file)}: "${fix.title}" breaks the syntax: ${ts.flattenDiagnosticMessageText(syntax[0]!.messageText, " ")}`);
          const after = analyzeSource(file, fixed);
          // The finding's line moves by the lines inserted above it.
          const shift = fix.edits.filter((e) => e.range.start.line <= f.range.start.line).reduce((n, e) => n + (e.newText.split("\n").length - 1) - (e.range.end.line - e.range.start.line), 0);
          const still = after.filter((g) => g.rule === f.rule && Math.abs(g.range.start.line - (f.range.start.line + shift)) <= 1);
          const before = analyzeSource(file, text);
          const newErrors = after.filter((g) => g.severity === "error" && !before.some((b) => b.rule === g.rule));
          if (still.length || newErrors.length) failures.push(`${path.basename(file)}: "${fix.title}" left ${still.map((g) => `${g.rule}@${g.range.start.line + 1}`).join(",")} added ${newErrors.map((g) => g.rule).join(",")}`);
        }
      }
    }
    assert.ok(applied >= 15, `${applied} fixes applied`);
    assert.deepEqual(failures, []);
  });

  const driver = `import { DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask, DMA_BIT_MASK } from "linux/dma-mapping";
import { GFP_KERNEL } from "linux/gfp";
import { kmalloc } from "linux/slab";
import { memset } from "linux/string";
export function f(dev: any): number {
  if (dma_set_mask(dev, DMA_BIT_MASK(32))) return -5;
  const b = kmalloc(64, GFP_KERNEL);
  if (!b) return -12;
  const h = dma_map_single(dev, b, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -12;
  MARK
  return 0;
}
`;
  const touch = "memset(b, 0, 64);";

  it("suppression comments: next-line and line, by rule id or for all rules", () => {
    const base = analyzeSource("a.ts", driver.replace("MARK", touch));
    assert.deepEqual(base.map((f) => f.rule), ["DMA001"]);
    for (const [variant, silenced] of [
      [`// faultline-disable-next-line DMA001\n  ${touch}`, true],
      [`${touch} // faultline-disable-line DMA001`, true],
      [`${touch} // faultline-disable-line`, true],
      [`// faultline-disable-next-line DMA002, MEM001\n  ${touch}`, false],
      [`// faultline-disable-next-line DMA001\n\n  ${touch}`, false],
    ] as const) {
      const got = analyzeSource("a.ts", driver.replace("MARK", variant));
      assert.equal(got.length === 0, silenced, variant);
    }
  });

  it("rule settings turn a rule off or change its severity", () => {
    const text = driver.replace("MARK", touch);
    assert.deepEqual(analyzeSource("a.ts", text, { rules: { DMA001: "off" } }), []);
    assert.deepEqual(analyzeSource("a.ts", text, { rules: { DMA001: "hint" } }).map((f) => f.severity), ["hint"]);
    assert.deepEqual(analyzeSource("a.ts", text, { rules: { MEM001: "off" } }).map((f) => f.rule), ["DMA001"]);
  });

  it("cancellation: the analysis stops with AnalysisCancelled", () => {
    const text = fs.readFileSync(path.join(ROOT, "samples/edu_dma/edu_dma.ts"), "utf8");
    let polls = 0;
    assert.throws(() => analyzeSource("e.ts", text, { isCancelled: () => ++polls > 3 }), AnalysisCancelled);
    assert.ok(polls > 3);
    assert.doesNotThrow(() => analyzeSource("e.ts", text, { isCancelled: () => false }));
  });

  it("a helper in a sibling file is followed: DMA001 at the call that passes the device's buffer", () => {
    const main = driver.replace("MARK", "fill(b);").replace('import { memset } from "linux/string";', 'import { fill } from "./helpers";');
    const helpers = 'import { memset } from "linux/string";\nexport function fill(p: number): void { memset(p, 0, 8); }\n';
    const got = analyzeSource("/d/main.ts", main, {}, (spec) => (spec === "./helpers" ? { fileName: "/d/helpers.ts", text: helpers } : undefined));
    assert.deepEqual(got.map((f) => [f.rule, f.file, f.range.start.line]), [["DMA001", "/d/main.ts", 10]]);
    assert.ok(got[0]!.related.some((r) => r.file === "/d/helpers.ts"), "related location in the helper's file");
    assert.deepEqual(analyzeSource("/d/main.ts", main), [], "without the sibling nothing is known of fill()");
  });

  it("renamed and namespace imports count; a same-named local function does not", () => {
    const renamed = driver.replace("MARK", "wipe(b, 0, 64);").replace("import { memset }", "import { memset as wipe }");
    assert.deepEqual(analyzeSource("a.ts", renamed).map((f) => f.rule), ["DMA001"]);
    const ns = driver.replace("MARK", "str.memset(b, 0, 64);").replace('import { memset } from "linux/string";', 'import * as str from "linux/string";');
    assert.deepEqual(analyzeSource("a.ts", ns).map((f) => f.rule), ["DMA001"]);
    const local = driver.replace("MARK", "memset2(b);").replace('import { memset } from "linux/string";', "function memset2(_p: number): void {}");
    assert.deepEqual(analyzeSource("a.ts", local), []);
  });

  it("findings carry related locations: DMA001 points at the map that handed the buffer over", () => {
    const [f] = analyzeSource("a.ts", driver.replace("MARK", touch));
    assert.equal(f!.related[0]!.message, "mapped for the device here");
    assert.equal(f!.related[0]!.range.start.line, 8);
  });

  it("ruleDocPath names the generated page of every rule", () => {
    for (const r of RULES) {
      assert.equal(ruleDocPath(r.id), `docs/rules/${r.id}.md`);
      assert.ok(fs.existsSync(path.join(ROOT, ruleDocPath(r.id))), r.id);
    }
  });
});
