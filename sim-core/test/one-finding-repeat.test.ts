// One bug, one finding, for any rule: the same misuse at the same driver line
// with the same line to change (the next buffer of a ring, the next call of
// the same handler) is one finding that counts the times, its report and
// message the first one's. The kernel log keeps every report. Distinct bugs
// (another line, another rule, another line to change) stay apart.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { Device } from "../src/dev/device";
import { load8 } from "../src/api/faultline/ptr";
import { GFP_KERNEL } from "../src/api/linux/gfp";
import { kfree, kzalloc } from "../src/api/linux/slab";
import { DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent } from "../src/api/linux/dma-mapping";
import { boot, hex16, lineHere } from "./helpers";

function device(k: Kernel): Device {
  const dev = new Device({ name: "rptdev", vendor: 0x1234, device: 0x11 }, "0000:00:04.0");
  k.dma.attach(dev);
  assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
  return dev;
}

/** Maps `n` receive buffers for the device; never synced back. */
function ring(dev: Device, n: number): number[] {
  const bufs: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = kzalloc(128, GFP_KERNEL);
    dma_mapping_error(dev, dma_map_single(dev, b, 128, DMA_FROM_DEVICE));
    bufs.push(b);
  }
  return bufs;
}

const dmaReports = (k: Kernel) => k.log.records().filter((r) => /DMA-API: .*CPU read of/.test(r.text)).length;

describe("one bug, one finding: repeats at the same line are counted", () => {
  it("a read without a sync, for each of four buffers: one DMA001 with count 4, the first buffer's report; the log has all four", () => {
    const k = boot();
    const bufs = ring(device(k), 4);
    let at = 0;
    function rx_poll(b: number): number { const v = load8(b); at = lineHere(); return v; }
    for (const b of bufs) rx_poll(b);
    const f = k.findings.filter((x) => x.rule === "DMA001");
    assert.equal(f.length, 1, k.findings.map((x) => `${x.rule} ${x.location?.line} ${x.message}`).join("\n"));
    assert.equal(f[0].count, 4);
    assert.equal(f[0].location?.line, at);
    assert.ok(f[0].message.includes(`at 0x${hex16(bufs[0])}`), `the first buffer's message: ${f[0].message}`);
    assert.ok(f[0].report.some((l) => l.includes(hex16(bufs[0]))), "the first buffer's report");
    assert.equal(dmaReports(k), 4, "each report stays in the kernel log");
  });

  it("once is no count", () => {
    const k = boot();
    const [b] = ring(device(k), 1);
    load8(b);
    assert.equal(k.findings.length, 1);
    assert.equal(k.findings[0].count, undefined);
  });

  it("the same misuse at two lines is two findings, each counted on its own", () => {
    const k = boot();
    const dev = device(k);
    const heads = ring(dev, 3), tails = ring(dev, 2);
    function rx_head(b: number): number { return load8(b); }
    function rx_tail(b: number): number { return load8(b + 127); }
    heads.forEach(rx_head);
    tails.forEach(rx_tail);
    const f = k.findings.map((x) => [x.rule, x.location?.fn, x.count]);
    assert.deepEqual(f, [["DMA001", "rx_head", 3], ["DMA001", "rx_tail", 2]]);
  });

  it("another rule at the same line stays its own finding", () => {
    const k = boot();
    const [b, c] = ring(device(k), 2);
    const stray = kzalloc(16, GFP_KERNEL);
    kfree(stray);
    function touch(p: number): number { return load8(p); }
    touch(b);     // DMA001
    touch(stray); // KASAN use-after-free
    touch(c);
    const rules = k.findings.map((x) => `${x.rule}:${x.count ?? 1}`);
    assert.equal(rules.length, 2, rules.join(", "));
    assert.equal(rules[0], "DMA001:2");
    assert.notEqual(k.findings[1].rule, "DMA001");
  });

  it("a test that empties findings starts counting afresh", () => {
    const k = boot();
    const bufs = ring(device(k), 2);
    function rx(b: number): number { return load8(b); }
    rx(bufs[0]);
    k.findings.length = 0;
    rx(bufs[1]);
    assert.deepEqual(k.findings.map((x) => [x.rule, x.count]), [["DMA001", undefined]]);
  });
});
