// Where the static finding points and where the fix goes (issue 13): a
// finding stays where the analysis sees the misuse (the use of an unchecked
// handle, the kmap a path leaves behind, the remap of unreserved RAM), and
// when the line to change is another one it is the first related location,
// its message starting "fix here: ". In each driver below the line the fix
// belongs on ends with `// FIX`.
import { strict as assert } from "node:assert";
import { analyzeSource, type StaticFinding } from "../src";
import { FIX_HERE } from "../src/report";

function fixLineOf(text: string): number {
  const i = text.split("\n").findIndex((l) => l.trimEnd().endsWith("// FIX"));
  assert.ok(i >= 0, "the driver marks its fix line");
  return i;
}

/** The one finding of `rule`, with its "fix here" on the marked line and the finding itself elsewhere. */
function fixOf(name: string, text: string, rule: string): StaticFinding {
  const fs = analyzeSource(name, text).filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `one ${rule} expected, got ${fs.map((f) => f.message).join("; ") || "none"}`);
  const f = fs[0]!;
  const fix = f.related.filter((r) => r.message.startsWith(FIX_HERE));
  assert.equal(fix.length, 1, `${rule}: one "fix here" related location, got ${JSON.stringify(f.related.map((r) => r.message))}`);
  assert.equal(fix[0]!.range.start.line, fixLineOf(text), `${rule}: ${fix[0]!.message}`);
  assert.notEqual(f.range.start.line, fix[0]!.range.start.line, "the finding stays at the detection");
  return f;
}

const DMA_IMPORTS = `import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single } from "linux/dma-mapping";
import type { device } from "linux/device";
`;

describe("static findings: the line to change as a 'fix here' related location", () => {
  it("DMA002: used at the unmap (or handed to the device); the fix is right after the map", () => {
    const text = `${DMA_IMPORTS}
export function setup(dev: device): number { return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)); }
export function xmit(dev: device, buf: number, ring: number[]): void {
  const h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE); // FIX
  ring.push(h);
  dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
}
`;
    const f = fixOf("dma002.ts", text, "DMA002");
    assert.match(f.related[0]!.message, /^fix here: test the handle with dma_mapping_error\(\) right after this dma_map_single\(\)/);
  });

  it("DMA002 twin: tested right after the map, nothing to fix", () => {
    const text = `${DMA_IMPORTS}
export function setup(dev: device): number { return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)); }
export function xmit(dev: device, buf: number, ring: number[]): number {
  const h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -12;
  ring.push(h);
  dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
  return 0;
}
`;
    assert.deepEqual(analyzeSource("dma002ok.ts", text).map((f) => f.rule), []);
  });

  it("MEM007: used without a NULL check; the fix is right after the allocation", () => {
    const text = `import { GFP_KERNEL } from "linux/gfp";
import { kfree, kmalloc } from "linux/slab";
import { memset } from "linux/string";
export function make(): number {
  const p = kmalloc(64, GFP_KERNEL); // FIX
  memset(p, 0, 64);
  kfree(p);
  return 0;
}
`;
    const f = fixOf("mem007.ts", text, "MEM007");
    assert.match(f.related[0]!.message, /^fix here: test what kmalloc\(\) returns for NULL right after this allocation/);
  });

  it("PG003: reported at the kmap; the fix is the error path's return that leaves it mapped", () => {
    const text = `import { kmap, kunmap } from "linux/highmem";
import type { page } from "linux/mm";
import { memset } from "linux/string";
export function peek(pg: page, fail: boolean): number {
  const p = kmap(pg);
  if (fail) return -5; // FIX
  memset(p, 0, 16);
  kunmap(pg);
  return 0;
}
`;
    const f = fixOf("pg003.ts", text, "PG003");
    assert.match(f.related[0]!.message, /^fix here: kunmap\(\) before this return/);
  });

  it("PG003 twin: the error path undoes the kmap", () => {
    const text = `import { kmap, kunmap } from "linux/highmem";
import type { page } from "linux/mm";
import { memset } from "linux/string";
export function peek(pg: page, fail: boolean): number {
  const p = kmap(pg);
  if (fail) { kunmap(pg); return -5; }
  memset(p, 0, 16);
  kunmap(pg);
  return 0;
}
`;
    assert.deepEqual(analyzeSource("pg003ok.ts", text).map((f) => f.rule), []);
  });

  it("MM001: reported at remap_pfn_range(); the fix is where the buffer is allocated, to reserve its pages", () => {
    const text = `import { PAGE_SIZE } from "asm/page";
import { EINVAL, ENOMEM } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { virt_to_phys } from "linux/io";
import { PFN_DOWN, remap_pfn_range, type vm_area_struct } from "linux/mm";
import { kmalloc } from "linux/slab";
import { module_init } from "linux/module";

const SIZE = 4 * PAGE_SIZE;
let buf = 0;
function fx_init(): number {
  buf = kmalloc(SIZE, GFP_KERNEL);
  if (!buf) return -ENOMEM;
  return 0;
}
function fx_mmap(_f: file, vma: vm_area_struct): number {
  const size = vma.vm_end - vma.vm_start;
  if (vma.vm_pgoff >= 4 || size > SIZE - vma.vm_pgoff * PAGE_SIZE) return -EINVAL;
  return remap_pfn_range(vma, vma.vm_start, PFN_DOWN(virt_to_phys(buf)) + vma.vm_pgoff, size, vma.vm_page_prot);
}
export const fops: file_operations = { mmap: fx_mmap };
module_init(fx_init);
`;
    const fs = analyzeSource("mm001.ts", text).filter((f) => f.rule === "MM001");
    assert.equal(fs.length, 1);
    const fix = fs[0]!.related.filter((r) => r.message.startsWith(FIX_HERE));
    assert.equal(fix.length, 1, JSON.stringify(fs[0]!.related));
    // The reservation goes after the allocation succeeded, in the function that allocates.
    const lines = text.split("\n");
    const at = fix[0]!.range.start.line;
    assert.ok(at >= lines.findIndex((l) => l.includes("kmalloc(SIZE")) && at <= lines.findIndex((l) => l.includes("return 0;")), `fix at line ${at + 1}: ${lines[at]}`);
    assert.notEqual(fs[0]!.range.start.line, at);
  });
});
