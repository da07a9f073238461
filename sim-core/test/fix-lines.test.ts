// Where the finding points, rule by rule (issue 13): Linux's report stays
// where Linux puts it (the detection), and Finding.fix names the driver
// function and line a student must change when that is another place: the
// map whose handle went unchecked, the second of two frees, the unmap that
// came before the device was done, the allocation that needed GFP_DMA. Each
// buggy fixture asserts the fix's function and line; its correct twin is
// silent (so there is nothing to fix).

import assert from "node:assert/strict";

import type { Finding, Kernel, RuleId } from "../src";
import { Device, type DeviceConfig } from "../src/dev/device";
import { load8, store8 } from "../src/api/faultline/ptr";
import { GFP_HIGHUSER, GFP_KERNEL, __get_free_pages, alloc_page, free_pages } from "../src/api/linux/gfp";
import { ClearPageReserved, SetPageReserved, virt_to_page } from "../src/api/linux/mm";
import { kfree, kmalloc, kzalloc } from "../src/api/linux/slab";
import { memset } from "../src/api/linux/string";
import { vfree, vmalloc } from "../src/api/linux/vmalloc";
import { kmap, kunmap } from "../src/api/linux/highmem";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "../src/api/linux/mutex";
import { INIT_WORK, schedule_work, work_struct } from "../src/api/linux/workqueue";
import { DEFINE_SPINLOCK, spin_lock, spin_lock_irqsave, spin_unlock, spin_unlock_irqrestore } from "../src/api/linux/spinlock";
import { IRQ_HANDLED, free_irq, request_irq } from "../src/api/linux/interrupt";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent,
  dma_sync_single_for_cpu, dma_sync_single_for_device, dma_sync_single_range_for_cpu, dma_unmap_single, ref,
} from "../src/api/linux/dma-mapping";
import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free } from "../src/api/linux/dmapool";
import { devm_add_action, devm_kfree, devm_kzalloc } from "../src/api/linux/device";
import { devresReleaseAll } from "../src/dev/devres";
import { boot, callerFile, lineHere, rulesFired } from "./helpers";

const SELF = callerFile();

function device(k: Kernel, cfg: Partial<DeviceConfig> = {}, mask: number | null = 64): Device {
  const dev = new Device({ name: "fixdev", vendor: 0x1234, device: 0x11, ...cfg }, "0000:00:04.0");
  k.dma.attach(dev);
  if (mask !== null) assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(mask)), 0);
  return dev;
}

/** The one finding of `rule`; its fix is in `fn` at `line` of this file, and the report is not changed by it. */
function fixOf(k: Kernel, rule: RuleId, fn: string, line: number): Finding {
  const fs = k.findings.filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `one ${rule} expected, got ${rulesFired(k).join(", ") || "none"}`);
  const f = fs[0];
  assert.ok(f.fix, `${rule} has no fix`);
  assert.equal(f.fix.fn, fn);
  assert.equal(f.fix.location?.file, SELF);
  assert.equal(f.fix.location?.line, line, `${rule}: fix at line ${f.fix.location?.line}, expected ${line}: ${f.fix.why}`);
  assert.ok(!f.report.some((l) => l.includes(f.fix!.why)), "the fix stays out of the kernel's report");
  return f;
}

function silent(k: Kernel): void {
  assert.deepEqual(k.findings.map((f) => `${f.rule}: ${f.message}`), []);
}

describe("Finding.fix: DMA rules", () => {
  it("DMA002: reported at the unmap; the fix is the map whose handle was never tested", () => {
    const k = boot();
    const dev = device(k);
    let mapLine = 0, unmapLine = 0;
    function fx_start(buf: number): number { const h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE); mapLine = lineHere(); return h; }
    function fx_stop(h: number): void { dma_unmap_single(dev, h, 256, DMA_TO_DEVICE); unmapLine = lineHere(); }
    fx_stop(fx_start(kzalloc(256, GFP_KERNEL)));
    const f = fixOf(k, "DMA002", "fx_start", mapLine);
    assert.equal(f.location?.line, unmapLine, "the report stays at dma-debug's check, the unmap");
    assert.match(f.fix!.why, /dma_mapping_error\(\)/);
  });

  it("DMA002 twin: the handle tested right after the map", () => {
    const k = boot();
    const dev = device(k);
    const h = dma_map_single(dev, kzalloc(256, GFP_KERNEL), 256, DMA_TO_DEVICE);
    assert.equal(dma_mapping_error(dev, h), 0);
    dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA003: a second unmap; the fix is that call, and it names where the first was", () => {
    const k = boot();
    const dev = device(k);
    const buf = kzalloc(128, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 128, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    let first = 0, second = 0;
    function fx_irq(): void { dma_unmap_single(dev, h, 128, DMA_TO_DEVICE); first = lineHere(); }
    function fx_release(): void { dma_unmap_single(dev, h, 128, DMA_TO_DEVICE); second = lineHere(); }
    fx_irq();
    fx_release();
    const f = fixOf(k, "DMA003", "fx_release", second);
    assert.match(f.fix!.why, new RegExp(`already released at fx_irq \\(.*fix-lines\\.test\\.ts:${first}\\)`));
  });

  it("DMA001: the CPU reads a buffer the device owns; the fix is a sync before that read, naming the map", () => {
    const k = boot();
    const dev = device(k);
    const buf = kzalloc(256, GFP_KERNEL);
    let mapLine = 0, readLine = 0;
    function fx_post(): number { const h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE); mapLine = lineHere(); dma_mapping_error(dev, h); return h; }
    function fx_poll(): number { const v = load8(buf); readLine = lineHere(); return v; }
    fx_post();
    fx_poll();
    const f = fixOf(k, "DMA001", "fx_poll", readLine);
    assert.match(f.fix!.why, /^call dma_sync_single_for_cpu\(\) for the bytes it reads before this line in fx_poll\(\)/);
    assert.match(f.fix!.why, new RegExp(`dma_map_single\\(\\) at fx_post \\(.*:${mapLine}\\)`));
  });

  it("DMA001 after a range sync of the wrong bytes: the fix is that sync, with the offset and size of the bytes read", () => {
    const k = boot();
    const dev = device(k);
    const buf = kzalloc(4096, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
    dma_mapping_error(dev, h);
    let syncLine = 0;
    function fx_clean(off: number, len: number): number {
      dma_sync_single_range_for_cpu(dev, h, 0, len, DMA_FROM_DEVICE); syncLine = lineHere();
      return load8(buf + off + len - 1);
    }
    fx_clean(2048, 300);
    const f = fixOf(k, "DMA001", "fx_clean", syncLine);
    assert.match(f.fix!.why, /^this dma_sync_single_range_for_cpu\(\) in fx_clean\(\) takes back bytes \[0, 300\) of the 4096-byte mapping, but the read at fx_clean \(.*\) touches \[2347, 2348\): sync those bytes instead, dma_sync_single_range_for_cpu\(dev, handle, 2347, 1, DMA_FROM_DEVICE\)/);
    assert.ok(!f.fix!.why.includes("dma_sync_single_for_cpu()"), "the driver's range call, not the whole-buffer one");
  });

  it("DMA001 on an sg entry: the advice names the driver's way of syncing it (the whole list, or the entry alone)", async () => {
    const { sg_init_table, sg_set_page, sg_dma_address, sg_dma_len } = await import("../src/api/linux/scatterlist");
    const { dma_map_sg } = await import("../src/api/linux/dma-mapping");
    const k = boot();
    const dev = device(k);
    const pages = [alloc_page(GFP_KERNEL)!, alloc_page(GFP_KERNEL)!];
    const sgl: import("../src/api/linux/scatterlist").scatterlist[] = [];
    sg_init_table(sgl, 2);
    pages.forEach((p, i) => sg_set_page(sgl[i], p, 4096, 0));
    assert.equal(dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE), 2);
    function fx_rx0(): number { return load8(k.highmem.pageAddress(pages[0].pfn)); }
    fx_rx0();
    // Entry 1 is handed back and forth on its own; read after it went back to the device.
    dma_sync_single_for_cpu(dev, sg_dma_address(sgl[1]), sg_dma_len(sgl[1]), DMA_FROM_DEVICE);
    dma_sync_single_for_device(dev, sg_dma_address(sgl[1]), sg_dma_len(sgl[1]), DMA_FROM_DEVICE);
    function fx_rx1(): number { return load8(k.highmem.pageAddress(pages[1].pfn)); }
    fx_rx1();
    const [a, b] = k.findings.filter((f) => f.rule === "DMA001");
    assert.match(a.fix!.why, /^call dma_sync_sg_for_cpu\(\) \(or, for this entry alone, dma_sync_single_for_cpu\(dev, sg_dma_address\(sg\), sg_dma_len\(sg\), DMA_FROM_DEVICE\)\) for the bytes it reads before this line in fx_rx0\(\)/);
    assert.match(b.fix!.why, /^call dma_sync_single_for_cpu\(\) for the bytes it reads before this line in fx_rx1\(\) .*or the last dma_sync_single_for_device\(\) at .*fix-lines\.test\.ts:\d+\) until then$/);
  });

  it("DMA001 twin: the range sync of the bytes read", () => {
    const k = boot();
    const dev = device(k);
    const buf = kzalloc(4096, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
    dma_mapping_error(dev, h);
    dma_sync_single_range_for_cpu(dev, h, 2048, 300, DMA_FROM_DEVICE);
    load8(buf + 2048 + 299);
    silent(k);
  });

  it("DMA001 twin: the read between sync_for_cpu and sync_for_device", () => {
    const k = boot();
    const dev = device(k);
    const buf = kzalloc(256, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
    dma_mapping_error(dev, h);
    dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
    load8(buf);
    dma_sync_single_for_device(dev, h, 256, DMA_FROM_DEVICE);
    dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
    silent(k);
  });

  it("DMA025 (device side): the device reads under a dirty CPU line; the fix is before the driver starts it", () => {
    const k = boot();
    const dev = device(k, { coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 256, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, h);
    let kick = 0;
    function fx_kick(): void { dev.dma.read(h + 70, 1); kick = lineHere(); }
    function fx_send(): void {
      dma_sync_single_for_cpu(dev, h, 256, DMA_BIDIRECTIONAL);
      store8(buf + 70, 0x42);
      fx_kick(); kick = lineHere();
    }
    // The device starts inside the helper, but the helper's caller took the buffer and wrote it: the sync goes there.
    fx_send();
    const f = fixOf(k, "DMA025", "fx_send", kick);
    assert.match(f.fix!.why, /^call dma_sync_single_for_device\(dev, handle, size, DMA_BIDIRECTIONAL\) before this line in fx_send\(\): fx_send\(\) took the buffer back for the CPU and wrote it, and the device reads it from here on \(in fx_kick\(\)\)/);
  });

  it("DMA025 (device side) by range: the caller's line, with the range it took back", () => {
    const k = boot();
    const dev = device(k, { coherent: false });
    const buf = kzalloc(4096, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 4096, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, h);
    let start = 0;
    function fx_start(off: number): void { dev.dma.read(h + off, 16); }
    function fx_request(): void {
      dma_sync_single_range_for_cpu(dev, h, 1024, 512, DMA_BIDIRECTIONAL);
      store8(buf + 1024, 0x42);
      fx_start(1024); start = lineHere();
    }
    fx_request();
    const f = fixOf(k, "DMA025", "fx_request", start);
    assert.match(f.fix!.why, /^call dma_sync_single_range_for_device\(dev, handle, 1024, 512, DMA_BIDIRECTIONAL\) before this line in fx_request\(\)/);
  });

  it("DMA025 (device side): where the function that wrote the buffer starts the device itself, that line", () => {
    const k = boot();
    const dev = device(k, { coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 256, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev, h);
    let kick = 0;
    function fx_all(): void {
      dma_sync_single_for_cpu(dev, h, 256, DMA_BIDIRECTIONAL);
      store8(buf + 70, 0x42);
      dev.dma.read(h + 70, 1); kick = lineHere();
    }
    fx_all();
    const f = fixOf(k, "DMA025", "fx_all", kick);
    assert.match(f.fix!.why, /^call dma_sync_single_for_device\(dev, handle, size, DMA_BIDIRECTIONAL\) after the CPU's last write/);
  });

  it("DMA025 (CPU side): a stale cached line; the fix is a sync_for_cpu before the read", () => {
    const k = boot();
    const dev = device(k, { coherent: false });
    const buf = kzalloc(256, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
    dma_mapping_error(dev, h);
    dev.dma.write(h, new Uint8Array([1]));
    dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
    load8(buf);
    dev.dma.write(h, new Uint8Array([2]));
    let readLine = 0;
    function fx_rx(): number { const v = load8(buf); readLine = lineHere(); return v; }
    fx_rx();
    const f = fixOf(k, "DMA025", "fx_rx", readLine);
    assert.match(f.fix!.why, /^call dma_sync_single_for_cpu\(dev, handle, size, DMA_FROM_DEVICE\) before this line in fx_rx\(\)/);
  });

  it("DMA022: the device reads bytes never written; the fix is the map of the buffer", () => {
    const k = boot();
    const dev = device(k);
    const buf = kmalloc(256, GFP_KERNEL);
    memset(buf, 1, 200);
    let mapLine = 0;
    function fx_xmit(): number { const h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE); mapLine = lineHere(); dma_mapping_error(dev, h); return h; }
    const h = fx_xmit();
    dev.dma.read(h, 256);
    fixOf(k, "DMA022", "fx_xmit", mapLine);
  });

  it("DMA024: the device reads a handle already unmapped; the fix is the early unmap", () => {
    const k = boot();
    const dev = device(k, { route: "iommu" });
    const buf = kzalloc(256, GFP_KERNEL);
    const h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    let unmapLine = 0;
    function fx_done(): void { dma_unmap_single(dev, h, 256, DMA_TO_DEVICE); unmapLine = lineHere(); }
    fx_done();
    dev.dma.read(h, 4);
    fixOf(k, "DMA024", "fx_done", unmapLine);
  });

  it("DMA024 twin: the device is done before the unmap", () => {
    const k = boot();
    const dev = device(k, { route: "iommu" });
    const h = dma_map_single(dev, kzalloc(256, GFP_KERNEL), 256, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    dev.dma.read(h, 4);
    dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
    silent(k);
  });

  it("DMA014: a vmalloc buffer mapped; the fix is its allocation", () => {
    const k = boot();
    const dev = device(k);
    let allocLine = 0;
    function fx_alloc(): number { const b = vmalloc(1024); allocLine = lineHere(); return b; }
    const buf = fx_alloc();
    const h = dma_map_single(dev, buf, 1024, DMA_TO_DEVICE);
    assert.notEqual(dma_mapping_error(dev, h), 0);
    fixOf(k, "DMA014", "fx_alloc", allocLine);
  });

  it("DMA018: dma_set_mask_and_coherent() failed and was ignored; the fix is that call", () => {
    const k = boot();
    const dev = device(k, { maxMaskBits: 24 }, null);
    let setLine = 0;
    function fx_probe(): void { dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28)); setLine = lineHere(); }
    fx_probe();
    const h = dma_map_single(dev, kzalloc(64, GFP_KERNEL), 64, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    const f = fixOf(k, "DMA018", "fx_probe", setLine);
    assert.match(f.fix!.why, /^test what dma_set_mask_and_coherent\(\) returns here in fx_probe\(\)/);
  });

  it("DMA015: two live mappings share a cache line; the fix is the allocation of the buffer mapped second", () => {
    const k = boot();
    const dev = device(k);
    const lines: number[] = [];
    function fx_rxbuf(): number { const b = kmalloc(32, GFP_KERNEL); lines.push(lineHere()); return b; }
    const a = fx_rxbuf(), b = fx_rxbuf();
    assert.equal(Math.floor(a / 64), Math.floor(b / 64), "kmalloc-32 objects side by side in one line");
    for (const buf of [a, b]) dma_mapping_error(dev, dma_map_single(dev, buf, 32, DMA_FROM_DEVICE));
    const f = fixOf(k, "DMA015", "fx_rxbuf", lines[1]);
    assert.match(f.fix!.why, /whole cache lines of its own/);
  });

  it("DMA021: a pool block freed twice; the fix is the second free, naming the first", () => {
    const k = boot();
    const dev = device(k);
    const pool = dma_pool_create("fxpool", dev, 64, 0, 0)!;
    const h = ref(0);
    const v = dma_pool_alloc(pool, GFP_KERNEL, h);
    let first = 0, second = 0;
    function fx_complete(): void { dma_pool_free(pool, v, h.value); first = lineHere(); }
    function fx_teardown(): void { dma_pool_free(pool, v, h.value); second = lineHere(); }
    fx_complete();
    fx_teardown();
    const f = fixOf(k, "DMA021", "fx_teardown", second);
    assert.match(f.fix!.why, new RegExp(`already freed at fx_complete \\(.*:${first}\\)`));
    dma_pool_destroy(pool);
  });
});

describe("Finding.fix: memory and page rules", () => {
  it("MEM003: kfree() twice; the fix is the second kfree, naming the first", () => {
    const k = boot();
    const p = kmalloc(64, GFP_KERNEL);
    let first = 0, second = 0;
    function fx_close(): void { kfree(p); first = lineHere(); }
    function fx_exit(): void { kfree(p); second = lineHere(); }
    fx_close();
    fx_exit();
    const f = fixOf(k, "MEM003", "fx_exit", second);
    assert.match(f.fix!.why, new RegExp(`fx_exit\\(\\) frees .* a second time: it was already released at fx_close \\(.*:${first}\\)`));
  });

  it("MEM003: devm_kzalloc() memory kfree()d by hand and again by devres at unbind: the fix is the hand kfree", () => {
    const k = boot();
    const dev = device(k);
    let hand = 0;
    function fx_remove(p: number): void { kfree(p); hand = lineHere(); }
    fx_remove(devm_kzalloc(dev, 64, GFP_KERNEL));
    devresReleaseAll(dev);
    const f = fixOf(k, "MEM003", "fx_remove", hand);
    assert.match(f.fix!.why, /fx_remove\(\) releases by hand what a devm_\*\(\)\/pcim_\*\(\) call manages/);
  });

  it("MEM003 twin: managed memory released early with devm_kfree(), nothing at unbind", () => {
    const k = boot();
    const dev = device(k);
    devm_kfree(dev, devm_kzalloc(dev, 64, GFP_KERNEL));
    devresReleaseAll(dev);
    silent(k);
  });

  it("MEM003: a devm_add_action() action that frees what remove() freed is the driver's own second free", () => {
    const k = boot();
    const dev = device(k);
    const p = kmalloc(64, GFP_KERNEL);
    let second = 0;
    function fx_action(x: number): void { kfree(x); second = lineHere(); }
    assert.equal(devm_add_action(dev, fx_action, p), 0);
    kfree(p);
    devresReleaseAll(dev);
    fixOf(k, "MEM003", "fx_action", second);
  });

  it("MEM003: free_pages() twice: the second call, naming the first", () => {
    const k = boot();
    const a = __get_free_pages(GFP_KERNEL, 1);
    let first = 0, second = 0;
    function fx_once(): void { free_pages(a, 1); first = lineHere(); }
    function fx_again(): void { free_pages(a, 1); second = lineHere(); }
    fx_once();
    fx_again();
    const f = fixOf(k, "MEM003", "fx_again", second);
    assert.match(f.fix!.why, new RegExp(`already released at fx_once \\(.*:${first}\\)`));
  });

  it("MEM003: vfree() twice: the second call, naming the first", () => {
    const k = boot();
    const a = vmalloc(8192);
    let first = 0, second = 0;
    function fx_once(): void { vfree(a); first = lineHere(); }
    function fx_again(): void { vfree(a); second = lineHere(); }
    fx_once();
    fx_again();
    const f = fixOf(k, "MEM003", "fx_again", second);
    assert.match(f.fix!.why, new RegExp(`already released at fx_once \\(.*:${first}\\)`));
  });

  it("MEM008: memory a work item allocates and nothing frees; the fix starts at that allocation, not at an exit that never had it", () => {
    const k = boot();
    const w = new work_struct();
    let allocLine = 0, cfg = 0;
    function fxw_work(): void { kmalloc(96, GFP_KERNEL); allocLine = lineHere(); }
    function fxw_init(): number { cfg = kmalloc(32, GFP_KERNEL); INIT_WORK(w, fxw_work); schedule_work(w); return 0; }
    function fxw_exit(): void { kfree(cfg); }
    assert.equal(k.modules.load("fxw", () => { MODULE_LICENSE("GPL"); module_init(fxw_init); module_exit(fxw_exit); }), 0);
    k.sched.drain();
    assert.equal(k.modules.unload("fxw"), 0);
    const f = k.findings.find((x) => x.rule === "MEM008");
    assert.ok(f, rulesFired(k).join(", "));
    assert.equal(f.fix?.fn, "fxw_work");
    assert.equal(f.fix?.location?.line, allocLine);
    assert.match(f.fix!.why, /^fxw_work\(\) allocates this outside the driver's set-up \(init, probe\) and nothing frees it: the kfree\(\) of what kmalloc\(\) took belongs where its last user is done with it/);
    assert.deepEqual(rulesFired(k), ["MEM008"], "what init took, exit freed");
  });

  it("PG002: a reserved page freed; the fix is the free, naming the SetPageReserved() that has no ClearPageReserved()", () => {
    const k = boot();
    let setLine = 0, freeLine = 0;
    const order = 2;
    function fx_init(): number {
      const a = __get_free_pages(GFP_KERNEL, order);
      for (let i = 0; i < 1 << order; i++) { SetPageReserved(virt_to_page(a + i * 4096)); setLine = lineHere(); }
      return a;
    }
    function fx_exit(a: number): void { free_pages(a, order); freeLine = lineHere(); }
    fx_exit(fx_init());
    const fs = k.findings.filter((f) => f.rule === "PG002");
    assert.ok(fs.length >= 1);
    const f = fs[0];
    assert.equal(f.fix?.fn, "fx_exit");
    assert.equal(f.fix?.location?.line, freeLine);
    assert.match(f.fix!.why, new RegExp(`^ClearPageReserved\\(\\) each page before this free in fx_exit\\(\\): pfn:0x[0-9a-f]+ was SetPageReserved\\(\\) at fx_init \\(.*:${setLine}\\)`));
  });

  it("PG002 twin: ClearPageReserved() before the free", () => {
    const k = boot();
    const a = __get_free_pages(GFP_KERNEL, 1);
    for (let i = 0; i < 2; i++) SetPageReserved(virt_to_page(a + i * 4096));
    for (let i = 0; i < 2; i++) ClearPageReserved(virt_to_page(a + i * 4096));
    free_pages(a, 1);
    silent(k);
  });

  it("PG003 at unload: a kmap taken in a read() and never undone; the fix is that function (not exit)", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    let mapLine = 0;
    const page = alloc_page(GFP_HIGHUSER)!;
    function fx_read(): number { const v = kmap(page); mapLine = lineHere(); return v; }
    assert.equal(k.modules.load("fxkmap", () => {
      MODULE_LICENSE("GPL");
      module_init(() => { fx_read(); return 0; });
      module_exit(function fx_unload() { /* nothing: the kmap was read()'s to undo */ });
    }), 0);
    assert.equal(k.modules.unload("fxkmap"), 0);
    const f = k.findings.find((x) => x.rule === "PG003");
    assert.ok(f, rulesFired(k).join(", "));
    // fx_read is not the module's init (the init is an anonymous wrapper calling it): the function that took it keeps it.
    assert.equal(f.fix?.fn, "fx_read");
    assert.equal(f.fix?.location?.line, mapLine);
    assert.match(f.fix!.why, /the kunmap\(\) of the page belongs on every path out of fx_read\(\)/);
  });

  it("PG003 twin: kunmap() before returning", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    const page = alloc_page(GFP_HIGHUSER)!;
    kmap(page);
    kunmap(page);
    silent(k);
  });
});

describe("Finding.fix: interrupts", () => {
  it("IRQ001: a line stuck with its interrupts unhandled; reported where it was requested, the fix is the handler", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    let reqLine = 0;
    function fx_isr(): number { return 0; /* IRQ_NONE: never acknowledges the device */ }
    function fx_open(): void { request_irq(irq, fx_isr, 0, "fxirq", k); reqLine = lineHere(); }
    fx_open();
    for (let i = 0; i < 100_000 && !k.findings.length; i++) k.irqs.deliver(irq);
    const f = k.findings.find((x) => x.rule === "IRQ001");
    assert.ok(f, rulesFired(k).join(", "));
    assert.equal(f.location?.line, reqLine, "reported at request_irq(), as Linux's stack would show");
    assert.equal(f.fix?.fn, "fx_isr");
    assert.equal(f.fix?.location, undefined, "the handler made no kernel call to point at");
    assert.match(f.fix!.why, /^fx_isr\(\) leaves the device's interrupt unacknowledged/);
  });
});

describe("Finding.fix: lockdep rules (the line to change leaves lockdep's text)", () => {
  function insmod(k: Kernel, init: () => number): void {
    k.modules.load("fxlock", () => { MODULE_LICENSE("GPL"); module_init(init); });
  }

  it("LOCK003: an init that returns with a mutex held; the fix is where it was taken", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&fx->mutex");
    let takeLine = 0;
    function fx_setup(): number {
      mutex_lock(m); takeLine = lineHere();
      if (m) return -12; // the bug: no mutex_unlock() on this path
      mutex_unlock(m);
      return 0;
    }
    insmod(k, fx_setup);
    const f = fixOf(k, "LOCK003", "fx_setup", takeLine);
    assert.match(f.fix!.why, /^fx_setup\(\) takes &fx->mutex here and the init\(\) returns with it held/);
    assert.ok(!f.report.some((l) => l.startsWith("(taken at ")), "no line of the simulator's own in lockdep's report");
  });

  it("LOCK005: taken in an interrupt handler and with interrupts on; the fix is the irq-unsafe spin_lock()", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const lock = DEFINE_SPINLOCK("&fx->lock");
    let unsafe = 0;
    function fx_update(): void { spin_lock(lock); unsafe = lineHere(); spin_unlock(lock); }
    insmod(k, () => {
      request_irq(irq, () => { spin_lock(lock); spin_unlock(lock); return IRQ_HANDLED; }, 0, "fx", lock);
      k.irqs.deliver(irq);
      fx_update();
      free_irq(irq, lock);
      return 0;
    });
    const f = fixOf(k, "LOCK005", "fx_update", unsafe);
    assert.match(f.fix!.why, /take it with spin_lock_irqsave\(\) here$/);
    assert.ok(!f.report.some((l) => l.startsWith("(the line to change")));
  });

  it("LOCK005 twin: spin_lock_irqsave() in process context", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const lock = DEFINE_SPINLOCK("&fx->lock");
    insmod(k, () => {
      request_irq(irq, () => { spin_lock(lock); spin_unlock(lock); return IRQ_HANDLED; }, 0, "fx", lock);
      k.irqs.deliver(irq);
      const flags = spin_lock_irqsave(lock);
      spin_unlock_irqrestore(lock, flags);
      free_irq(irq, lock);
      return 0;
    });
    silent(k);
  });
});
