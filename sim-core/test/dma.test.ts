// The DMA API and its checker: for every DMA rule a buggy fixture that trips
// exactly that rule (with dma-debug's report line) and a correct twin that
// stays silent; the three routes (direct, IOMMU, swiotlb bounce); the CPU
// cache model of non-coherent devices; and a property test: a correct driver
// doing random map/sync/unmap/transfer sequences never reports, never loses
// data and leaves nothing mapped.

import assert from "node:assert/strict";
import fc from "fast-check";

import type { Finding, Kernel, RuleId } from "../src";
import { Device, type DeviceConfig } from "../src/dev/device";
import { KernelOops } from "../src/kernel/report";
import { load8, load_bytes, store8, store_bytes } from "../src/api/faultline/ptr";
import { GFP_KERNEL, alloc_pages, __free_pages } from "../src/api/linux/gfp";
import { page_to_pfn, pfn_to_page } from "../src/api/linux/mm";
import { kfree, kmalloc, kzalloc } from "../src/api/linux/slab";
import { memset } from "../src/api/linux/string";
import { vfree, vmalloc } from "../src/api/linux/vmalloc";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_MAPPING_ERROR, DMA_NONE, DMA_TO_DEVICE, bus_to_virt, dma_alloc_coherent,
  dma_free_coherent, dma_map_page, dma_map_sg, dma_map_single, dma_mapping_error, dma_set_coherent_mask, dma_set_mask,
  dma_set_mask_and_coherent, dma_set_max_seg_size, dma_sync_sg_for_cpu, dma_sync_single_for_cpu, dma_sync_single_for_device,
  dma_unmap_page, dma_unmap_sg, dma_unmap_single, ref, virt_to_bus,
} from "../src/api/linux/dma-mapping";
import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free, dma_pool_zalloc } from "../src/api/linux/dmapool";
import { for_each_sg, sg_dma_address, sg_dma_len, sg_init_table, sg_next, sg_set_buf, sg_set_page, type scatterlist } from "../src/api/linux/scatterlist";
import type { DmaDirection } from "../src/dma/types";
import { boot } from "./helpers";

const PREFIX = "DMA-API: testdev 0000:00:04.0: ";

interface Setup { k: Kernel; dev: Device }

function setup(cfg: Partial<DeviceConfig> = {}, mask: number | null = 64, bootOpts = {}): Setup {
  const k = boot(bootOpts);
  const dev = new Device({ name: "testdev", vendor: 0x1234, device: 0x11, ...cfg }, "0000:00:04.0");
  k.dma.attach(dev);
  if (mask !== null) assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(mask)), 0);
  return { k, dev };
}

const hex16 = (n: number) => "0x" + BigInt.asUintN(64, BigInt(n)).toString(16).padStart(16, "0");

/** Exactly one finding of this rule, whose report has this line. */
function one(k: Kernel, rule: RuleId, line: string | RegExp): Finding {
  const fs = k.findings.filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `expected one ${rule}, got: ${k.findings.map((f) => `${f.rule}: ${f.message}`).join("; ") || "none"}`);
  const f = fs[0];
  assert.doesNotMatch(f.message, /\{[a-z_]+\}/, `a catalogue placeholder was left unfilled: ${f.message}`);
  const ok = f.report.some((l) => (typeof line === "string" ? l === line : line.test(l)));
  assert.ok(ok, `no line ${line} in the ${rule} report:\n${f.report.join("\n")}`);
  return f;
}

function only(k: Kernel, rule: RuleId, line: string | RegExp): Finding {
  const f = one(k, rule, line);
  assert.deepEqual(k.findings.map((x) => x.rule), [rule]);
  return f;
}

function silent(k: Kernel): void {
  assert.deepEqual(k.findings.map((f) => `${f.rule}: ${f.message}`), []);
}

function phys(k: Kernel, va: number): number { return va - k.profile.pageOffset; }

/** A filled kmalloc buffer, mapped and checked. */
function mapped(k: Kernel, dev: Device, size: number, dir: DmaDirection): { buf: number; dma: number } {
  const buf = kmalloc(size, GFP_KERNEL);
  memset(buf, 0x5a, size);
  const dma = dma_map_single(dev, buf, size, dir);
  assert.equal(dma_mapping_error(dev, dma), 0);
  return { buf, dma };
}

/** A scatterlist of n whole, physically contiguous pages. */
function pagesSg(n: number): { sgl: scatterlist[]; pfn: number } {
  const page = alloc_pages(GFP_KERNEL, Math.ceil(Math.log2(n)))!;
  const sgl: scatterlist[] = [];
  sg_init_table(sgl, n);
  for (let i = 0; i < n; i++) sg_set_page(sgl[i], pfn_to_page(page.pfn + i), 4096, 0);
  return { sgl, pfn: page_to_pfn(page) };
}

describe("DMA API: the routes", () => {
  it("direct: the bus address is the physical address", () => {
    const { k, dev } = setup();
    const { buf, dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    assert.equal(dma, phys(k, buf));
    assert.deepEqual(dev.dma.read(dma, 4), new Uint8Array([0x5a, 0x5a, 0x5a, 0x5a]));
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("dma_set_mask: -EIO below 24 bits and above what the device drives; DMA_BIT_MASK is a u64", () => {
    const { dev } = setup({ maxMaskBits: 32 }, null);
    assert.equal(DMA_BIT_MASK(64), 0xffffffffffffffffn);
    assert.equal(DMA_BIT_MASK(32), 0xffffffffn);
    assert.equal(dma_set_mask(dev, DMA_BIT_MASK(20)), -5);
    assert.equal(dma_set_mask(dev, DMA_BIT_MASK(64)), -5);
    assert.equal(dev.dma_mask, 0xffffffffn, "a refused mask leaves the PCI core's 32-bit default");
    assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)), 0);
    assert.equal(dev.dma_mask, 0xffffffffn);
    assert.equal(dma_set_coherent_mask(dev, DMA_BIT_MASK(24)), 0);
    assert.equal(dev.coherent_dma_mask, 0xffffffn);
  });

  it("coherent memory is zeroed, contiguous and inside the coherent mask (ZONE_DMA for 24 bits)", () => {
    const { k, dev } = setup();
    assert.equal(dma_set_coherent_mask(dev, DMA_BIT_MASK(24)), 0);
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 3 * 4096, h, GFP_KERNEL);
    assert.ok(cpu);
    assert.equal(h.value, phys(k, cpu));
    assert.ok(h.value + 3 * 4096 <= 16 << 20);
    assert.ok(load_bytes(cpu, 3 * 4096).every((b) => b === 0));
    dma_free_coherent(dev, 3 * 4096, cpu, h.value);
    silent(k);
  });

  it("IOMMU: IOVAs below 4 GiB that are not physical addresses; the device reads and writes through them", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { buf, dma } = mapped(k, dev, 512, DMA_BIDIRECTIONAL);
    assert.notEqual(dma, phys(k, buf));
    assert.ok(dma > 0 && dma < 2 ** 32);
    assert.equal(dma % 4096, phys(k, buf) % 4096);
    assert.deepEqual(dev.dma.read(dma + 8, 2), new Uint8Array([0x5a, 0x5a]));
    dev.dma.write(dma + 16, new Uint8Array([1, 2, 3]));
    dma_sync_single_for_cpu(dev, dma, 512, DMA_BIDIRECTIONAL);
    assert.deepEqual(load_bytes(buf + 16, 3), new Uint8Array([1, 2, 3]));
    dma_unmap_single(dev, dma, 512, DMA_BIDIRECTIONAL);
    assert.equal(k.dma.liveCount(dev), 0);
    silent(k);
  });

  it("IOMMU: dma_map_sg merges page-contiguous segments; the direct route does not", () => {
    const a = setup({ route: "iommu" });
    const { sgl } = pagesSg(4);
    assert.equal(dma_map_sg(a.dev, sgl, 4, DMA_TO_DEVICE), 1);
    assert.equal(sg_dma_len(sgl[0]), 4 * 4096);
    assert.equal(sg_dma_len(sgl[1]), 0);
    // One IOVA run: the device reads across the former segment borders.
    assert.equal(a.dev.dma.read(sg_dma_address(sgl[0]) + 4096 - 2, 4).length, 4);
    dma_unmap_sg(a.dev, sgl, 4, DMA_TO_DEVICE);
    silent(a.k);

    const b = setup();
    const s2 = pagesSg(4);
    assert.equal(dma_map_sg(b.dev, s2.sgl, 4, DMA_TO_DEVICE), 4);
    assert.deepEqual(for_each_sg(s2.sgl, 4).map((s) => sg_dma_address(s)), [0, 1, 2, 3].map((i) => (s2.pfn + i) * 4096));
    assert.equal(sg_next(s2.sgl[3]), null);
    dma_unmap_sg(b.dev, s2.sgl, 4, DMA_TO_DEVICE);
    silent(b.k);
  });

  it("swiotlb: a buffer beyond the mask is bounced, copied in at map, back at sync_for_cpu and unmap", () => {
    const { k, dev } = setup({}, 24);
    const buf = kmalloc(1024, GFP_KERNEL);
    assert.ok(phys(k, buf) >= 16 << 20, "kmalloc memory lies above ZONE_DMA");
    memset(buf, 0x11, 1024);
    const dma = dma_map_single(dev, buf, 1024, DMA_BIDIRECTIONAL);
    assert.equal(dma_mapping_error(dev, dma), 0);
    assert.ok(dma + 1024 <= 16 << 20 && dma !== phys(k, buf), "the device sees a slot low in memory");
    assert.equal(k.dma.swiotlb.usedSlots, 1);
    assert.deepEqual(dev.dma.read(dma, 2), new Uint8Array([0x11, 0x11]), "copied in at map");
    dev.dma.write(dma, new Uint8Array([0x22, 0x22]));
    assert.equal(k.phys.frame(Math.floor(phys(k, buf) / 4096))[phys(k, buf) % 4096], 0x11, "the original is untouched until a sync");
    dma_sync_single_for_cpu(dev, dma, 1024, DMA_BIDIRECTIONAL);
    assert.equal(load8(buf), 0x22, "copied back at sync_for_cpu");
    store8(buf + 1, 0x33);
    dma_sync_single_for_device(dev, dma, 1024, DMA_BIDIRECTIONAL);
    assert.deepEqual(dev.dma.read(dma, 2), new Uint8Array([0x22, 0x33]), "copied in again at sync_for_device");
    dev.dma.write(dma + 2, new Uint8Array([0x44]));
    dma_unmap_single(dev, dma, 1024, DMA_BIDIRECTIONAL);
    assert.equal(load8(buf + 2), 0x44, "copied back at unmap");
    assert.equal(k.dma.swiotlb.usedSlots, 0);
    silent(k);
  });

  it("swiotlb: TO_DEVICE is not copied back, FROM_DEVICE is", () => {
    const { k, dev } = setup({}, 24);
    const tx = mapped(k, dev, 64, DMA_TO_DEVICE);
    dev.dma.write(tx.dma, new Uint8Array([9])); // a misbehaving device: never reaches the buffer
    dma_unmap_single(dev, tx.dma, 64, DMA_TO_DEVICE);
    assert.equal(load8(tx.buf), 0x5a);
    const rx = mapped(k, dev, 64, DMA_FROM_DEVICE);
    dev.dma.write(rx.dma, new Uint8Array([7]));
    dma_unmap_single(dev, rx.dma, 64, DMA_FROM_DEVICE);
    assert.equal(load8(rx.buf), 7);
    silent(k);
  });

  it("virt_to_bus()/bus_to_virt() work as on a machine without an IOMMU, flagged PG008", () => {
    const { k } = setup();
    const buf = kmalloc(64, GFP_KERNEL);
    assert.equal(virt_to_bus(buf), phys(k, buf));
    assert.equal(bus_to_virt(phys(k, buf)), buf);
    assert.deepEqual(k.findings.map((f) => f.rule), ["PG008", "PG008"]);
    assert.equal(k.findings[0].report[0], "virt_to_bus() used: it bypasses the DMA API and breaks with IOMMUs and bounce buffers; use dma_map_single() or dma_alloc_coherent()");
  });
});

describe("DMA API checker: one fixture per rule, and its correct twin", () => {
  it("DMA001: CPU access to a buffer the device owns", () => {
    const { k, dev } = setup();
    const { buf, dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    store8(buf + 4, 1);
    only(k, "DMA001", `${PREFIX}CPU write of 1 bytes at 0x${k.px(buf + 4)} while the device owns streaming DMA buffer [device address=${hex16(dma)}] [mapped with DMA_FROM_DEVICE]`);
    load8(buf); // reported once per mapping
    assert.equal(k.findings.length, 1);
  });

  it("DMA001 twin: the CPU touches the buffer only between sync_for_cpu and sync_for_device", () => {
    const { k, dev } = setup();
    const { buf, dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dev.dma.write(dma, new Uint8Array([7]));
    dma_sync_single_for_cpu(dev, dma, 256, DMA_FROM_DEVICE);
    assert.equal(load8(buf), 7);
    dma_sync_single_for_device(dev, dma, 256, DMA_FROM_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_FROM_DEVICE);
    store8(buf, 1);
    silent(k);
  });

  it("DMA002: map result never checked, reported at unmap", () => {
    const { k, dev } = setup();
    const buf = kzalloc(256, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    const f = only(k, "DMA002", `${PREFIX}device driver failed to check map error[device address=${hex16(dma)}] [size=256 bytes] [mapped as single]`);
    assert.ok(f.report.includes("Mapped at:"));
  });

  it("DMA002 twin: dma_mapping_error() called", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA003: double unmap; unmap of DMA_MAPPING_ERROR", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    const f = only(k, "DMA003", `${PREFIX}device driver tries to free DMA memory it has not allocated [device address=${hex16(dma)}] [size=256 bytes]`);
    assert.match(f.message, /\(already unmapped\)$/);
    dma_unmap_single(dev, DMA_MAPPING_ERROR, 256, DMA_TO_DEVICE);
    assert.ok(k.findings[1].report.includes(`${PREFIX}device driver tries to free an invalid DMA memory address`));
  });

  it("DMA003 twin: one unmap per map", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA004: unmap with a different size", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 128, DMA_TO_DEVICE);
    only(k, "DMA004", `${PREFIX}device driver frees DMA memory with different size [device address=${hex16(dma)}] [map size=256 bytes] [unmap size=128 bytes]`);
    assert.equal(k.dma.liveCount(dev), 0);
  });

  it("DMA005: unmap with a different direction", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    only(k, "DMA005", `${PREFIX}device driver frees DMA memory with different direction [device address=${hex16(dma)}] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [unmapped with DMA_TO_DEVICE]`);
  });

  it("DMA004/DMA005 twin: same size and direction; single and page may be mixed", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_unmap_page(dev, dma, 256, DMA_FROM_DEVICE);
    silent(k);
  });

  it("DMA006: a coherent buffer released with dma_unmap_single()", () => {
    const { k, dev } = setup();
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    dma_unmap_single(dev, h.value, 4096, DMA_BIDIRECTIONAL);
    only(k, "DMA006", `${PREFIX}device driver frees DMA memory with wrong function [device address=${hex16(h.value)}] [size=4096 bytes] [mapped as coherent] [unmapped as single]`);
    // check_unmap() deletes the entry it reported on: dma-debug has forgotten the buffer, which is still allocated,
    // so a dma_free_coherent() now is a free of memory dma-debug never saw allocated.
    assert.equal(k.dma.liveCount(dev), 0);
    dma_free_coherent(dev, 4096, cpu, h.value);
    assert.deepEqual(k.findings.map((f) => f.rule), ["DMA006", "DMA003"]);
  });

  it("DMA006 twin: dma_free_coherent()", () => {
    const { k, dev } = setup();
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    dma_free_coherent(dev, 4096, cpu, h.value);
    assert.equal(k.dma.liveCount(dev), 0);
    silent(k);
  });

  it("DMA007: dma_free_coherent() with a different CPU address", () => {
    const { k, dev } = setup();
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    dma_free_coherent(dev, 4096, cpu + 64, h.value);
    only(k, "DMA007", `${PREFIX}device driver frees DMA memory with different CPU address [device address=${hex16(h.value)}] [size=4096 bytes] [cpu alloc address=${hex16(cpu)}] [cpu free address=${hex16(cpu + 64)}]`);
  });

  it("DMA007 twin: the triple dma_alloc_coherent() gave", () => {
    const { k, dev } = setup();
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 100, h, GFP_KERNEL);
    dma_free_coherent(dev, 100, cpu, h.value);
    silent(k);
  });

  it("DMA008: dma_unmap_sg() with the count dma_map_sg() returned", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { sgl } = pagesSg(4);
    const count = dma_map_sg(dev, sgl, 4, DMA_TO_DEVICE);
    assert.equal(count, 1);
    dma_unmap_sg(dev, sgl, count, DMA_TO_DEVICE);
    only(k, "DMA008", `${PREFIX}device driver frees DMA sg list with different entry count [map count=4] [unmap count=1]`);
  });

  it("DMA008/DMA013 twin: map, sync and unmap with the original nents", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { sgl } = pagesSg(4);
    dma_map_sg(dev, sgl, 4, DMA_FROM_DEVICE);
    dma_sync_sg_for_cpu(dev, sgl, 4, DMA_FROM_DEVICE);
    dma_unmap_sg(dev, sgl, 4, DMA_FROM_DEVICE);
    silent(k);
  });

  it("DMA009: sync after the unmap", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev, dma, 256, DMA_FROM_DEVICE);
    only(k, "DMA009", `${PREFIX}device driver tries to sync DMA memory it has not allocated [device address=${hex16(dma)}] [size=256 bytes]`);
  });

  it("DMA010: sync past the end of the mapping", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev, dma + 128, 256, DMA_FROM_DEVICE);
    only(k, "DMA010", `${PREFIX}device driver syncs DMA memory outside allocated range [device address=${hex16(dma)}] [allocation size=256 bytes] [sync offset+size=384]`);
  });

  it("DMA009/DMA010/DMA011 twin: partial sync inside the mapping, mapping's direction", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev, dma + 128, 128, DMA_FROM_DEVICE);
    dma_sync_single_for_device(dev, dma + 128, 128, DMA_FROM_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_FROM_DEVICE);
    silent(k);
  });

  it("DMA011: sync with a different direction", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev, dma, 256, DMA_TO_DEVICE);
    only(k, "DMA011", `${PREFIX}device driver syncs DMA memory with different direction [device address=${hex16(dma)}] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]`);
  });

  it("DMA012: sync_for_cpu asking for device data from a TO_DEVICE mapping (with DMA011, as dma-debug)", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_sync_single_for_cpu(dev, dma, 256, DMA_FROM_DEVICE);
    one(k, "DMA012", `${PREFIX}device driver syncs device read-only DMA memory for cpu [device address=${hex16(dma)}] [size=256 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]`);
    assert.deepEqual(k.findings.map((f) => f.rule), ["DMA011", "DMA012"]);
  });

  it("DMA012: sync_for_device pushing CPU data into a FROM_DEVICE mapping", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_device(dev, dma, 256, DMA_BIDIRECTIONAL);
    one(k, "DMA012", `${PREFIX}device driver syncs device write-only DMA memory to device [device address=${hex16(dma)}] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]`);
  });

  it("DMA012 twin: the mapping's own direction either way (dma-debug only checks when the directions differ)", () => {
    const { k, dev } = setup();
    const tx = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_sync_single_for_cpu(dev, tx.dma, 256, DMA_TO_DEVICE);
    dma_sync_single_for_device(dev, tx.dma, 256, DMA_TO_DEVICE);
    const rx = mapped(k, dev, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev, rx.dma, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_device(dev, rx.dma, 256, DMA_FROM_DEVICE);
    const bi = mapped(k, dev, 256, DMA_BIDIRECTIONAL);
    dma_sync_single_for_cpu(dev, bi.dma, 256, DMA_FROM_DEVICE);
    silent(k);
  });

  it("DMA013: sg sync with the returned count", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { sgl } = pagesSg(4);
    const count = dma_map_sg(dev, sgl, 4, DMA_FROM_DEVICE);
    dma_sync_sg_for_cpu(dev, sgl, count, DMA_FROM_DEVICE);
    only(k, "DMA013", `${PREFIX}device driver syncs DMA sg list with different entry count [map count=4] [sync count=1]`);
  });

  it("DMA014: mapping vmalloc memory fails and is reported", () => {
    const { k, dev } = setup();
    const buf = vmalloc(4096);
    const dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
    assert.equal(dma, DMA_MAPPING_ERROR);
    assert.notEqual(dma_mapping_error(dev, dma), 0);
    only(k, "DMA014", `${PREFIX}device driver maps memory from vmalloc area [addr=${k.px(buf)}] [len=256]`);
    vfree(buf);
  });

  it("DMA014: sg_set_buf() of vmalloc memory makes dma_map_sg() fail", () => {
    const { k, dev } = setup();
    const buf = vmalloc(4096);
    const sgl: scatterlist[] = [];
    sg_init_table(sgl, 1);
    sg_set_buf(sgl[0], buf, 512);
    assert.equal(dma_map_sg(dev, sgl, 1, DMA_TO_DEVICE), 0);
    only(k, "DMA014", `${PREFIX}device driver maps memory from vmalloc area [addr=${k.px(buf)}] [len=512]`);
  });

  it("DMA014 twin: kmalloc memory, via dma_map_single() and sg_set_buf()", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    const buf = kzalloc(512, GFP_KERNEL);
    const sgl: scatterlist[] = [];
    sg_init_table(sgl, 1);
    sg_set_buf(sgl[0], buf, 512);
    assert.equal(dma_map_sg(dev, sgl, 1, DMA_TO_DEVICE), 1);
    assert.equal(sg_dma_address(sgl[0]), phys(k, buf));
    dma_unmap_sg(dev, sgl, 1, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA015: two device-writable mappings in one cache line", () => {
    const { k, dev } = setup();
    const buf = kzalloc(128, GFP_KERNEL);
    const a = dma_map_single(dev, buf, 32, DMA_FROM_DEVICE);
    dma_mapping_error(dev, a);
    const b = dma_map_single(dev, buf + 32, 32, DMA_FROM_DEVICE);
    dma_mapping_error(dev, b);
    const f = only(k, "DMA015", `${PREFIX}cacheline tracking EEXIST, overlapping mappings aren't supported`);
    assert.match(f.message, new RegExp(`\\[device address=${hex16(b)}\\] \\[overlaps device address=${hex16(a)}\\]`));
  });

  it("DMA015 twin: separate cache lines, or a TO_DEVICE mapping sharing one", () => {
    const { k, dev } = setup();
    const buf = kzalloc(128, GFP_KERNEL);
    dma_mapping_error(dev, dma_map_single(dev, buf, 64, DMA_FROM_DEVICE));
    dma_mapping_error(dev, dma_map_single(dev, buf + 64, 64, DMA_FROM_DEVICE));
    const c = kzalloc(128, GFP_KERNEL);
    dma_mapping_error(dev, dma_map_single(dev, c, 32, DMA_FROM_DEVICE));
    dma_mapping_error(dev, dma_map_single(dev, c + 32, 32, DMA_TO_DEVICE));
    silent(k);
  });

  it("DMA016: an sg segment longer than the device's max segment size, or across its boundary", () => {
    const { k, dev } = setup({ maxSegmentSize: 4096 });
    const sgl: scatterlist[] = [];
    sg_init_table(sgl, 1);
    sg_set_page(sgl[0], alloc_pages(GFP_KERNEL, 1)!, 8192, 0);
    dma_map_sg(dev, sgl, 1, DMA_TO_DEVICE);
    only(k, "DMA016", `${PREFIX}mapping sg segment longer than device claims to support [len=8192] [max=4096]`);

    const b = setup({ segmentBoundary: 0xfffn });
    const s2: scatterlist[] = [];
    sg_init_table(s2, 1);
    const page = alloc_pages(GFP_KERNEL, 1)!;
    sg_set_page(s2[0], page, 4096, 2048);
    dma_map_sg(b.dev, s2, 1, DMA_TO_DEVICE);
    const start = page.pfn * 4096 + 2048;
    only(b.k, "DMA016", `${PREFIX}mapping sg segment across boundary [start=${hex16(start)}] [end=${hex16(start + 4095)}] [boundary=0x0000000000000fff]`);
  });

  it("DMA016 twin: the device's limits declared and respected", () => {
    const { k, dev } = setup({ maxSegmentSize: 4096 });
    dma_set_max_seg_size(dev, 8192);
    const sgl: scatterlist[] = [];
    sg_init_table(sgl, 1);
    sg_set_page(sgl[0], alloc_pages(GFP_KERNEL, 1)!, 8192, 0);
    assert.equal(dma_map_sg(dev, sgl, 1, DMA_TO_DEVICE), 1);
    dma_unmap_sg(dev, sgl, 1, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA017: DMA_NONE is a BUG_ON(): an oops that ends the call", () => {
    const { k, dev } = setup();
    const buf = kzalloc(64, GFP_KERNEL);
    assert.throws(() => dma_map_single(dev, buf, 64, DMA_NONE as DmaDirection), (e: unknown) => e instanceof KernelOops && e.rule === "DMA017");
    const f = only(k, "DMA017", "kernel BUG at kernel/dma/mapping.c:158!");
    assert.equal(f.message, "invalid DMA direction DMA_NONE passed to dma_map_single()");
    assert.throws(() => dma_sync_single_for_cpu(dev, 0, 64, 7 as DmaDirection), KernelOops);
    assert.equal(k.findings[1].message, "invalid DMA direction 7 passed to dma_sync_single_for_cpu()");
  });

  it("DMA017 twin: a valid direction", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 64, DMA_BIDIRECTIONAL);
    dma_unmap_single(dev, dma, 64, DMA_BIDIRECTIONAL);
    silent(k);
  });

  it("DMA018: DMA without a mask (a device no bus core gave one): WARN_ON_ONCE and DMA_MAPPING_ERROR", () => {
    const { k, dev } = setup({}, null);
    dev.dma_mask = null;
    const buf = kzalloc(64, GFP_KERNEL);
    assert.equal(dma_map_single(dev, buf, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
    assert.equal(dma_map_single(dev, buf, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
    only(k, "DMA018", "testdev 0000:00:04.0: dma_map_single() with no DMA mask set: the map fails with DMA_MAPPING_ERROR");
  });

  it("DMA018: 24-bit hardware left on the PCI default mask is handed an address it cannot drive", () => {
    const { k, dev } = setup({ maxMaskBits: 24 }, null);
    const buf = kmalloc(4096, GFP_KERNEL);
    assert.ok(phys(k, buf) >= 0x1000000, "kmalloc memory above 16 MiB on this machine");
    const dma = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
    assert.equal(dma, phys(k, buf), "the map succeeds, as it would in Linux");
    assert.ok(!dma_mapping_error(dev, dma));
    dma_unmap_single(dev, dma, 4096, DMA_TO_DEVICE);
    only(k, "DMA018", /^testdev 0000:00:04\.0: dma_map_single\(\) gave the device bus address 0x[0-9a-f]+\+4096, beyond the 24-bit reach of its hardware/);
  });

  it("DMA018 twin: the 24-bit mask declared, the same buffer is bounced below 16 MiB", () => {
    const { k, dev } = setup({ maxMaskBits: 24 }, 24);
    const buf = kmalloc(4096, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
    assert.ok(!dma_mapping_error(dev, dma));
    assert.ok(dma + 4096 <= 0x1000000, "a swiotlb slot the card can reach");
    dma_unmap_single(dev, dma, 4096, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA018: the result of a failed dma_set_mask() ignored", () => {
    const { k, dev } = setup({ maxMaskBits: 32 }, 32);
    assert.equal(dma_set_mask(dev, DMA_BIT_MASK(40)), -5);
    mapped(k, dev, 64, DMA_TO_DEVICE);
    only(k, "DMA018", /^testdev 0000:00:04\.0: dma_map_single\(\) after dma_set_mask\(\) failed with -EIO/);
  });

  it("DMA018: a buffer beyond the mask with no bounce buffer", () => {
    const { k, dev } = setup({}, 24);
    k.dma.swiotlb.size = 0;
    const buf = kzalloc(256, GFP_KERNEL);
    assert.equal(dma_map_single(dev, buf, 256, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
    only(k, "DMA018", `testdev 0000:00:04.0: DMA addr ${hex16(phys(k, buf))}+256 overflow (mask ffffff, bus limit 0).`);
  });

  it("DMA018 twin: mask set and honoured", () => {
    const { k, dev } = setup({ maxMaskBits: 32 }, 32);
    const { dma } = mapped(k, dev, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 64, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA019: swiotlb full", () => {
    const { k, dev } = setup({}, 24);
    k.dma.swiotlb.size = 256 << 10;
    const bufs = [0, 1, 2].map(() => kzalloc(128 << 10, GFP_KERNEL));
    const a = dma_map_single(dev, bufs[0], 128 << 10, DMA_TO_DEVICE);
    const b = dma_map_single(dev, bufs[1], 128 << 10, DMA_TO_DEVICE);
    assert.ok(!dma_mapping_error(dev, a) && !dma_mapping_error(dev, b));
    const c = dma_map_single(dev, bufs[2], 128 << 10, DMA_TO_DEVICE);
    assert.equal(c, DMA_MAPPING_ERROR);
    only(k, "DMA019", "testdev 0000:00:04.0: swiotlb buffer is full (sz: 131072 bytes), total 128 (slots), used 128 (slots)");
  });

  it("DMA019 twin: unmapping frees the slots", () => {
    const { k, dev } = setup({}, 24);
    k.dma.swiotlb.size = 256 << 10;
    const buf = kzalloc(128 << 10, GFP_KERNEL);
    for (let i = 0; i < 5; i++) {
      const d = dma_map_single(dev, buf, 128 << 10, DMA_TO_DEVICE);
      assert.equal(dma_mapping_error(dev, d), 0);
      dma_unmap_single(dev, d, 128 << 10, DMA_TO_DEVICE);
    }
    silent(k);
  });

  it("DMA020: mappings left at driver unbind", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    const h = ref(0);
    dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    assert.equal(k.dma.releaseDevice(dev), 2);
    const f = only(k, "DMA020", `${PREFIX}device driver has pending DMA allocations while released from device [count=2]`);
    assert.ok(f.report.includes(`One of leaked entries details: [device address=${hex16(dma)}] [size=256 bytes] [mapped with DMA_TO_DEVICE] [mapped as single]`));
  });

  it("DMA020 twin: everything released before unbind", () => {
    const { k, dev } = setup();
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    assert.equal(k.dma.releaseDevice(dev), 0);
    silent(k);
  });

  it("DMA021: dma_pool_free of a free block, of a foreign block, write after free, destroy while busy", () => {
    const { k, dev } = setup();
    const pool = dma_pool_create("descs", dev, 64, 64, 0)!;
    const h = ref(0);
    const v = dma_pool_alloc(pool, GFP_KERNEL, h);
    dma_pool_free(pool, v, h.value);
    dma_pool_free(pool, v, h.value);
    only(k, "DMA021", `testdev 0000:00:04.0: dma_pool_free descs, dma ${hex16(h.value)} already free`);

    const b = setup();
    const p2 = dma_pool_create("descs", b.dev, 64, 64, 0)!;
    const h2 = ref(0);
    const v2 = dma_pool_alloc(p2, GFP_KERNEL, h2);
    dma_pool_free(p2, v2, h2.value + (1 << 20));
    only(b.k, "DMA021", `testdev 0000:00:04.0: dma_pool_free descs, 0x${b.k.px(v2)}/${hex16(h2.value + (1 << 20))} (bad dma)`);

    const c = setup();
    const p3 = dma_pool_create("descs", c.dev, 64, 64, 0)!;
    const h3 = ref(0);
    const v3 = dma_pool_alloc(p3, GFP_KERNEL, h3);
    dma_pool_free(p3, v3, h3.value);
    store8(v3 + 10, 0);
    assert.equal(dma_pool_alloc(p3, GFP_KERNEL, h3), v3);
    only(c.k, "DMA021", `testdev 0000:00:04.0: dma_pool_alloc descs, 0x${c.k.px(v3)} (corrupted)`);

    const d = setup();
    const p4 = dma_pool_create("descs", d.dev, 64, 64, 0)!;
    dma_pool_alloc(p4, GFP_KERNEL, ref(0));
    dma_pool_destroy(p4);
    only(d.k, "DMA021", "testdev 0000:00:04.0: dma_pool_destroy descs busy");
  });

  it("DMA021 twin: blocks honour size, align and boundary, are freed once, pool destroyed empty", () => {
    const { k, dev } = setup();
    const pool = dma_pool_create("rx", dev, 100, 32, 1024)!;
    const got: Array<[number, number]> = [];
    for (let i = 0; i < 30; i++) {
      const h = ref(0);
      const v = i % 2 ? dma_pool_zalloc(pool, GFP_KERNEL, h) : dma_pool_alloc(pool, GFP_KERNEL, h);
      assert.equal(h.value % 32, 0);
      assert.equal(Math.abs(v % 32), 0);
      assert.equal(Math.floor(h.value / 1024), Math.floor((h.value + 127) / 1024), "no block crosses the boundary");
      if (i % 2) assert.ok(load_bytes(v, 100).every((x) => x === 0));
      store_bytes(v, [1, 2, 3]);
      got.push([v, h.value]);
    }
    for (const [v, d] of got) dma_pool_free(pool, v, d);
    dma_pool_destroy(pool);
    assert.equal(k.dma.liveCount(dev), 0);
    silent(k);
  });

  it("DMA022: uninitialised bytes read by the device from a TO_DEVICE buffer", () => {
    const { k, dev } = setup();
    const buf = kmalloc(256, GFP_KERNEL);
    memset(buf, 1, 200);
    const dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
    dma_mapping_error(dev, dma);
    dev.dma.read(dma, 256);
    const f = only(k, "DMA022", "BUG: KMSAN: uninit-value in DMA read by testdev 0000:00:04.0");
    assert.equal(f.message, `uninitialised bytes sent to the device: 56 of 256 bytes at 0x${k.px(buf + 200)} [device address=${hex16(dma)}] were never written`);
  });

  it("DMA022 twin: kzalloc(), or every byte written (copy_from_user and the device count as writes)", () => {
    const { k, dev } = setup();
    const a = kzalloc(256, GFP_KERNEL);
    const b = kmalloc(256, GFP_KERNEL);
    memset(b, 0, 256);
    for (const buf of [a, b]) {
      const dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
      dma_mapping_error(dev, dma);
      dev.dma.read(dma, 256);
      dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    }
    const c = kmalloc(256, GFP_KERNEL);
    const rx = dma_map_single(dev, c, 256, DMA_FROM_DEVICE);
    dma_mapping_error(dev, rx);
    dev.dma.write(rx, new Uint8Array(256));
    dma_unmap_single(dev, rx, 256, DMA_FROM_DEVICE);
    const tx = dma_map_single(dev, c, 256, DMA_TO_DEVICE);
    dma_mapping_error(dev, tx);
    dev.dma.read(tx, 256);
    silent(k);
  });

  it("DMA023: dma_free_coherent() and dma_pool_destroy() in interrupt context", () => {
    const { k, dev } = setup();
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    k.irqs.depth++;
    try { dma_free_coherent(dev, 4096, cpu, h.value); } finally { k.irqs.depth--; }
    only(k, "DMA023", "WARNING: CPU: 0 PID: 1 at kernel/dma/mapping.c:704 dma_free_attrs+0x94/0xb0");
    const pool = dma_pool_create("p", dev, 32, 0, 0)!;
    k.irqs.depth++;
    try { dma_pool_destroy(pool); } finally { k.irqs.depth--; }
    assert.equal(k.findings[1].rule, "DMA023");
    assert.equal(k.findings[1].message, "dma_pool_destroy() called in interrupt context");
  });

  it("DMA023 twin: dma_pool_free() in interrupt context is fine; frees in process context", () => {
    const { k, dev } = setup();
    const pool = dma_pool_create("p", dev, 32, 0, 0)!;
    const h = ref(0);
    const v = dma_pool_alloc(pool, GFP_KERNEL, h);
    k.irqs.depth++;
    try { dma_pool_free(pool, v, h.value); } finally { k.irqs.depth--; }
    dma_pool_destroy(pool);
    silent(k);
  });

  it("DMA024: the device reads a handle that was unmapped (IOMMU fault)", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    const got = dev.dma.read(dma, 4);
    assert.deepEqual(got, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    only(k, "DMA024", `DMAR: [DMA Read NO_PASID] Request device [00:04.0] fault addr 0x${dma.toString(16)} [fault reason 0x06] PTE Read access is not set`);
  });

  it("DMA024 twin: the device uses the handle while it is mapped", () => {
    const { k, dev } = setup({ route: "iommu" });
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dev.dma.read(dma, 256);
    dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA025: a non-coherent device reads under a dirty CPU line (sync_for_device missing)", () => {
    const { k, dev } = setup({ coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 256, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, dma);
    dma_sync_single_for_cpu(dev, dma, 256, DMA_BIDIRECTIONAL);
    store8(buf + 70, 0x42);
    assert.equal(dev.dma.read(dma + 70, 1)[0], 0, "the device sees memory, not the CPU's cache");
    only(k, "DMA025", `${PREFIX}device read stale data at 0x${k.px(buf + 70)} [device address=${hex16(dma + 70)}]: dma_sync_single_for_device() was not called after the CPU wrote it`);
  });

  it("DMA025: the CPU reads a stale line the device overwrote (sync_for_cpu missing)", () => {
    const { k, dev } = setup({ coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
    dma_mapping_error(dev, dma);
    dev.dma.write(dma, new Uint8Array([1]));
    dma_sync_single_for_cpu(dev, dma, 256, DMA_FROM_DEVICE);
    assert.equal(load8(buf), 1);
    dev.dma.write(dma, new Uint8Array([2])); // the driver restarted the device without sync_for_device
    assert.equal(load8(buf), 1, "the CPU still sees its cached line");
    only(k, "DMA025", `${PREFIX}CPU read stale data at 0x${k.px(buf)} [device address=${hex16(dma)}]: dma_sync_single_for_cpu() was not called after the device wrote it`);
  });

  it("DMA025 twin: syncs in both directions make a non-coherent device see and show fresh data", () => {
    const { k, dev } = setup({ coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 256, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, dma);
    dma_sync_single_for_cpu(dev, dma, 256, DMA_BIDIRECTIONAL);
    store8(buf + 70, 0x42);
    dma_sync_single_for_device(dev, dma, 256, DMA_BIDIRECTIONAL);
    assert.equal(dev.dma.read(dma + 70, 1)[0], 0x42);
    dev.dma.write(dma, new Uint8Array([9]));
    dma_sync_single_for_cpu(dev, dma, 256, DMA_BIDIRECTIONAL);
    assert.equal(load8(buf), 9);
    dma_unmap_single(dev, dma, 256, DMA_BIDIRECTIONAL);
    assert.equal(k.dma.cache.lines.size, 0, "nothing stays cached once unmapped");
    silent(k);
  });

  it("coherent memory bypasses the cache model", () => {
    const { k, dev } = setup({ coherent: false });
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 4096, h, GFP_KERNEL);
    store8(cpu, 5);
    assert.equal(dev.dma.read(h.value, 1)[0], 5);
    dev.dma.write(h.value + 1, new Uint8Array([6]));
    assert.equal(load8(cpu + 1), 6);
    dma_free_coherent(dev, 4096, cpu, h.value);
    silent(k);
  });

  it("options: only the first error, or only one driver", () => {
    const { k, dev } = setup({}, 64, { dmaDebug: { allErrors: false } });
    assert.equal(k.dma.debug.allErrors, false, "the boot option reaches dma-debug");
    const { dma } = mapped(k, dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(dev, dma, 128, DMA_FROM_DEVICE);
    assert.deepEqual(k.findings.map((f) => f.rule), ["DMA004"]);
    assert.equal(k.dma.debug.errorCount, 2);
    const b = setup({}, 64, { dmaDebug: { driverFilter: "otherdrv", stacks: false } });
    assert.equal(b.k.dma.debug.recordStacks, false);
    const m = mapped(b.k, b.dev, 256, DMA_TO_DEVICE);
    dma_unmap_single(b.dev, m.dma, 128, DMA_TO_DEVICE);
    silent(b.k);
  });

  it("with the checker off, mapping works and nothing is reported", () => {
    const { k, dev } = setup({}, 24);
    k.dma.debug.enabled = false;
    const buf = kmalloc(256, GFP_KERNEL);
    const dma = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
    dev.dma.write(dma, new Uint8Array([3]));
    dma_unmap_single(dev, dma, 256, DMA_FROM_DEVICE);
    dma_unmap_single(dev, dma, 256, DMA_FROM_DEVICE);
    assert.equal(load8(buf), 3);
    silent(k);
  });

  it("dma_map_page() of a page; kfree'd memory is untracked", () => {
    const { k, dev } = setup();
    const page = alloc_pages(GFP_KERNEL, 0)!;
    const dma = dma_map_page(dev, page, 128, 512, DMA_FROM_DEVICE);
    assert.equal(dma_mapping_error(dev, dma), 0);
    assert.equal(dma, page.pfn * 4096 + 128);
    dma_unmap_page(dev, dma, 512, DMA_FROM_DEVICE);
    __free_pages(page, 0);
    kfree(kmalloc(64, GFP_KERNEL));
    silent(k);
  });
});

describe("DMA API: property", () => {
  type Op =
    | { op: "map"; dir: DmaDirection }
    | { op: "unmap" }
    | { op: "forCpu" }
    | { op: "forDevice" }
    | { op: "cpuWrite"; off: number; bytes: number[] }
    | { op: "cpuRead"; off: number; len: number }
    | { op: "devWrite"; off: number; bytes: number[] }
    | { op: "devRead"; off: number; len: number };

  const SIZE = 128;
  const span = fc.integer({ min: 0, max: SIZE - 1 });
  const bytesArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 48 });
  // Weighted so that map, hand-overs and transfers in both directions interleave within one mapping's life.
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom<DmaDirection>(DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL).map((dir) => ({ op: "map" as const, dir })) },
    { weight: 1, arbitrary: fc.constant({ op: "unmap" as const }) },
    { weight: 3, arbitrary: fc.constant({ op: "forCpu" as const }) },
    { weight: 3, arbitrary: fc.constant({ op: "forDevice" as const }) },
    { weight: 3, arbitrary: fc.tuple(span, bytesArb).map(([off, bytes]) => ({ op: "cpuWrite" as const, off, bytes })) },
    { weight: 3, arbitrary: fc.tuple(span, fc.integer({ min: 1, max: 48 })).map(([off, len]) => ({ op: "cpuRead" as const, off, len })) },
    { weight: 3, arbitrary: fc.tuple(span, bytesArb).map(([off, bytes]) => ({ op: "devWrite" as const, off, bytes })) },
    { weight: 3, arbitrary: fc.tuple(span, fc.integer({ min: 1, max: 48 })).map(([off, len]) => ({ op: "devRead" as const, off, len })) },
  );
  const configs: Array<{ name: string; cfg: Partial<DeviceConfig>; mask: number }> = [
    { name: "direct", cfg: {}, mask: 64 },
    { name: "direct, non-coherent", cfg: { coherent: false }, mask: 64 },
    { name: "iommu", cfg: { route: "iommu" }, mask: 64 },
    { name: "iommu, non-coherent", cfg: { route: "iommu", coherent: false }, mask: 32 },
    { name: "swiotlb", cfg: {}, mask: 24 },
    { name: "swiotlb, non-coherent", cfg: { coherent: false }, mask: 24 },
  ];

  it("a correct driver never reports, never loses data and leaves nothing mapped", () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.constantFrom(...configs), fc.array(opArb, { minLength: 10, maxLength: 80 }), ({ cfg, mask }, ops) => {
        const { k, dev } = setup(cfg, mask);
        const buf = kzalloc(SIZE, GFP_KERNEL); // kmalloc-128: its own cache lines
        const model = new Uint8Array(SIZE);
        let dir: DmaDirection | null = null, dma = 0, deviceOwns = false;
        const clip = (off: number, n: number) => Math.min(n, SIZE - off);
        for (const o of ops) {
          switch (o.op) {
            case "map":
              if (dir !== null) break;
              dma = dma_map_single(dev, buf, SIZE, o.dir);
              assert.equal(dma_mapping_error(dev, dma), 0);
              dir = o.dir;
              deviceOwns = true;
              break;
            case "unmap":
              if (dir === null) break;
              // The unmap takes the buffer from the device: hand it back first if the CPU has it.
              if (!deviceOwns) dma_sync_single_for_device(dev, dma, SIZE, dir);
              dma_unmap_single(dev, dma, SIZE, dir);
              dir = null;
              break;
            case "forCpu":
              if (dir === null || !deviceOwns) break;
              dma_sync_single_for_cpu(dev, dma, SIZE, dir);
              deviceOwns = false;
              break;
            case "forDevice":
              if (dir === null || deviceOwns) break;
              dma_sync_single_for_device(dev, dma, SIZE, dir);
              deviceOwns = true;
              break;
            case "cpuWrite": {
              // The CPU writes when it owns the buffer and the data may flow to the device (or nothing is mapped).
              if (dir !== null && (deviceOwns || dir === DMA_FROM_DEVICE)) break;
              const bytes = o.bytes.slice(0, clip(o.off, o.bytes.length));
              store_bytes(buf + o.off, bytes);
              model.set(bytes, o.off);
              break;
            }
            case "cpuRead": {
              if (dir !== null && deviceOwns) break;
              const n = clip(o.off, o.len);
              assert.deepEqual(load_bytes(buf + o.off, n), model.subarray(o.off, o.off + n));
              compared++;
              break;
            }
            case "devWrite": {
              if (dir === null || !deviceOwns || dir === DMA_TO_DEVICE) break;
              const bytes = o.bytes.slice(0, clip(o.off, o.bytes.length));
              dev.dma.write(dma + o.off, Uint8Array.from(bytes));
              model.set(bytes, o.off);
              break;
            }
            case "devRead": {
              if (dir === null || !deviceOwns || dir === DMA_FROM_DEVICE) break;
              const n = clip(o.off, o.len);
              assert.deepEqual(dev.dma.read(dma + o.off, n), model.subarray(o.off, o.off + n));
              compared++;
              break;
            }
          }
        }
        if (dir !== null) {
          if (!deviceOwns) dma_sync_single_for_device(dev, dma, SIZE, dir);
          dma_unmap_single(dev, dma, SIZE, dir);
        }
        assert.deepEqual(load_bytes(buf, SIZE), model);
        assert.equal(k.dma.liveCount(dev), 0);
        assert.equal(k.dma.swiotlb.usedSlots, 0);
        assert.equal(k.dma.cache.lines.size, 0);
        assert.equal(k.dma.pageMaps.size, 0);
        silent(k);
      }),
      { numRuns: 200, seed: 0xd3a },
    );
    assert.ok(compared > 300, `only ${compared} reads were compared`);
  });
});
