// Ownership per byte range inside a streaming mapping: the igb/ixgbe
// half-page receive pattern (one mapping per page, each half handed back and
// forth with dma_sync_single_range_for_cpu/_for_device) runs clean, on a
// coherent and a non-coherent device; touching the half the device owns is
// DMA001 with advice about ranges; partial syncs of a bidirectional buffer;
// and property tests of the range bookkeeping and of the checker against a
// per-byte reference model.

import assert from "node:assert/strict";
import fc from "fast-check";

import type { Kernel } from "../src";
import { Device, type DeviceConfig } from "../src/dev/device";
import { Ownership } from "../src/dma/ownership";
import { load_bytes, store_bytes } from "../src/api/faultline/ptr";
import { GFP_KERNEL, alloc_pages, __free_pages } from "../src/api/linux/gfp";
import { page_address } from "../src/api/linux/mm";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent,
  dma_sync_single_range_for_cpu, dma_sync_single_range_for_device, dma_unmap_page,
} from "../src/api/linux/dma-mapping";
import { boot, rulesFired } from "./helpers";

const PAGE = 4096, HALF = 2048;

function setup(cfg: Partial<DeviceConfig> = {}): { k: Kernel; dev: Device } {
  const k = boot();
  const dev = new Device({ name: "igb", vendor: 0x8086, device: 0x10c9, ...cfg }, "0000:00:05.0");
  k.dma.attach(dev);
  assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
  return { k, dev };
}

/** igb's receive side for one page: the device fills a half, the driver syncs that half for the CPU, reads it, gives it back. */
function halfPageRing(k: Kernel, dev: Device, rounds: number): string[] {
  const page = alloc_pages(GFP_KERNEL, 0)!;
  const va = page_address(page);
  const dma = dma_map_page(dev, page, 0, PAGE, DMA_FROM_DEVICE);
  assert.equal(dma_mapping_error(dev, dma), 0);
  const got: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const off = (i % 2) * HALF;
    dev.dma.write(dma + off, new TextEncoder().encode(`packet ${i}`));     // the NIC fills this half
    dma_sync_single_range_for_cpu(dev, dma, off, HALF, DMA_FROM_DEVICE);
    got.push(new TextDecoder().decode(load_bytes(va + off, 8)));
    dma_sync_single_range_for_device(dev, dma, off, HALF, DMA_FROM_DEVICE); // igb_reuse_rx_page(): the half goes back
  }
  dma_unmap_page(dev, dma, PAGE, DMA_FROM_DEVICE);
  __free_pages(page, 0);
  void k;
  return got;
}

describe("DMA ownership per byte range", () => {
  it("the igb half-page pattern is clean on a coherent device", () => {
    const { k, dev } = setup();
    assert.deepEqual(halfPageRing(k, dev, 4), ["packet 0", "packet 1", "packet 2", "packet 3"]);
    assert.deepEqual(rulesFired(k), []);
  });

  it("and on a device that does not snoop the cache: the range syncs invalidate just their half, and the data is right", () => {
    const { k, dev } = setup({ coherent: false });
    assert.deepEqual(halfPageRing(k, dev, 6), ["packet 0", "packet 1", "packet 2", "packet 3", "packet 4", "packet 5"]);
    assert.deepEqual(rulesFired(k), []);
  });

  it("DMA001 when the driver reads the half it did not take back, with advice about ranges", () => {
    const { k, dev } = setup();
    const page = alloc_pages(GFP_KERNEL, 0)!;
    const va = page_address(page);
    const dma = dma_map_page(dev, page, 0, PAGE, DMA_FROM_DEVICE);
    dma_mapping_error(dev, dma);
    dma_sync_single_range_for_cpu(dev, dma, 0, HALF, DMA_FROM_DEVICE);
    load_bytes(va, 64);                                // its own half: fine
    load_bytes(va + HALF - 16, 32);                    // the bug: 16 bytes run into the device's half
    const f = k.findings.filter((x) => x.rule === "DMA001");
    assert.equal(f.length, 1, k.findings.map((x) => x.message).join("; "));
    assert.match(f[0].report.join("\n"), /The CPU owns only \[0, 2048\) of this 4096-byte mapping; byte 2048 onwards of the access belongs to the device: take that range back with dma_sync_single_range_for_cpu\(\) first/);
    assert.match(f[0].message, /^CPU read of 32 bytes at 0x[0-9a-f]+ while the device owns/);
    dma_unmap_page(dev, dma, PAGE, DMA_FROM_DEVICE);
    __free_pages(page, 0);
  });

  it("a bidirectional ring synced in parts: the CPU writes the part it owns, the device gets it back, no findings", () => {
    const { k, dev } = setup({ coherent: false });
    const page = alloc_pages(GFP_KERNEL, 0)!;
    const va = page_address(page);
    const dma = dma_map_page(dev, page, 0, PAGE, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, dma);
    for (let slot = 0; slot < 8; slot++) {
      const off = slot * 512;
      dma_sync_single_range_for_cpu(dev, dma, off, 512, DMA_BIDIRECTIONAL);
      store_bytes(va + off, new Uint8Array(64).fill(slot + 1));       // the driver fills a descriptor-sized slot
      dma_sync_single_range_for_device(dev, dma, off, 512, DMA_BIDIRECTIONAL);
      assert.deepEqual(dev.dma.read(dma + off, 4), new Uint8Array(4).fill(slot + 1), `slot ${slot} reached the device`);
      dev.dma.write(dma + off + 64, new Uint8Array([0xee]));          // the device writes its answer beside it
      dma_sync_single_range_for_cpu(dev, dma, off + 64, 1, DMA_BIDIRECTIONAL);
      assert.equal(load_bytes(va + off + 64, 1)[0], 0xee);
      dma_sync_single_range_for_device(dev, dma, off + 64, 1, DMA_BIDIRECTIONAL);
    }
    dma_unmap_page(dev, dma, PAGE, DMA_BIDIRECTIONAL);
    __free_pages(page, 0);
    assert.deepEqual(rulesFired(k), []);
  });

  it("a partial sync of a scatterlist: one segment taken back with dma_sync_single_for_cpu(sg_dma_address(), sg_dma_len()) is the CPU's, the others stay the device's", async () => {
    const { sg_init_table, sg_set_page, sg_dma_address, sg_dma_len } = await import("../src/api/linux/scatterlist");
    const { dma_map_sg, dma_unmap_sg, dma_sync_single_for_cpu, dma_sync_single_for_device } = await import("../src/api/linux/dma-mapping");
    const { k, dev } = setup();
    const pages = [alloc_pages(GFP_KERNEL, 0)!, alloc_pages(GFP_KERNEL, 0)!];
    const sgl: import("../src/api/linux/scatterlist").scatterlist[] = [];
    sg_init_table(sgl, 2);
    pages.forEach((p, i) => sg_set_page(sgl[i], p, PAGE, 0));
    const n = dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE);
    assert.equal(n, 2);
    dev.dma.write(sg_dma_address(sgl[1]), new Uint8Array([7, 7]));
    dma_sync_single_for_cpu(dev, sg_dma_address(sgl[1]), sg_dma_len(sgl[1]), DMA_FROM_DEVICE);
    assert.deepEqual([...load_bytes(page_address(pages[1]), 2)], [7, 7]);
    dma_sync_single_for_device(dev, sg_dma_address(sgl[1]), sg_dma_len(sgl[1]), DMA_FROM_DEVICE);
    assert.deepEqual(rulesFired(k), []);
    load_bytes(page_address(pages[0]), 4);           // the bug: segment 0 was never taken back
    assert.deepEqual(rulesFired(k), ["DMA001"]);
    dma_unmap_sg(dev, sgl, 2, DMA_FROM_DEVICE);
    pages.forEach((p) => __free_pages(p, 0));
  });

  it("Ownership matches a per-byte model under any sequence of range hand-overs", () => {
    const size = 96;
    const op = fc.record({ lo: fc.integer({ min: -8, max: size + 8 }), len: fc.integer({ min: 0, max: size }), device: fc.boolean() });
    fc.assert(fc.property(fc.boolean(), fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: size }), fc.integer({ min: 0, max: size }), (start, ops, qa, qb) => {
      const o = new Ownership(size, start);
      const model = new Uint8Array(size).fill(start ? 1 : 0);
      for (const { lo, len, device } of ops) {
        o.set(lo, lo + len, device);
        for (let i = Math.max(0, lo); i < Math.min(size, lo + len); i++) model[i] = device ? 1 : 0;
      }
      const [a, b] = qa <= qb ? [qa, qb] : [qb, qa];
      let first = -1;
      for (let i = a; i < b; i++) if (model[i]) { first = i; break; }
      assert.equal(o.firstDevice(a, b), first);
      const cpu: Array<[number, number]> = [];
      for (let i = 0; i < size; i++) {
        if (model[i]) continue;
        if (cpu.length && cpu[cpu.length - 1][1] === i) cpu[cpu.length - 1][1] = i + 1;
        else cpu.push([i, i + 1]);
      }
      assert.deepEqual(o.cpuRanges(), cpu);
      assert.equal(o.allDevice, model.every((x) => x === 1));
    }), { numRuns: 400 });
  });

  it("the checker reports DMA001 exactly at the first CPU access that touches a device-owned byte (per-byte model)", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constantFrom("cpu", "dev"), off: fc.integer({ min: 0, max: 15 }), n: fc.integer({ min: 1, max: 16 }) }),
      fc.record({ kind: fc.constant("read"), off: fc.integer({ min: 0, max: 15 }), n: fc.integer({ min: 1, max: 16 }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
      const { k, dev } = setup();
      const page = alloc_pages(GFP_KERNEL, 0)!;
      const va = page_address(page);
      const dma = dma_map_page(dev, page, 0, PAGE, DMA_FROM_DEVICE);
      dma_mapping_error(dev, dma);
      const unit = 256;                                  // offsets and lengths in 256-byte units
      const model = new Uint8Array(PAGE).fill(1);
      let expectedAt = -1, reportedAt = -1;
      steps.forEach((s, i) => {
        const off = s.off * unit, n = Math.min(s.n * unit, PAGE - off);
        if (s.kind === "read") {
          const before = k.findings.length;
          load_bytes(va + off, n);
          if (expectedAt < 0 && model.subarray(off, off + n).some((x) => x === 1)) expectedAt = i;
          if (k.findings.length > before && reportedAt < 0) reportedAt = i;
        } else if (s.kind === "cpu") {
          dma_sync_single_range_for_cpu(dev, dma, off, n, DMA_FROM_DEVICE);
          model.fill(0, off, off + n);
        } else {
          dma_sync_single_range_for_device(dev, dma, off, n, DMA_FROM_DEVICE);
          model.fill(1, off, off + n);
        }
      });
      assert.equal(reportedAt, expectedAt);
      assert.ok(k.findings.every((f) => f.rule === "DMA001"), k.findings.map((f) => f.rule).join());
    }), { numRuns: 60 });
  });
});
