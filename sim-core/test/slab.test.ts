// The slab allocator as a driver sees it: kmalloc size classes, the large
// (page-backed) path, GFP_DMA caches, named caches, /proc/slabinfo, the KASAN
// quarantine and the discarding of empty slabs.

import { cacheBehind } from "../src/mm/slab-handles";
import assert from "node:assert/strict";
import * as path from "node:path";

import type { Kernel } from "../src";
import { ObjState } from "../src/mm/slab";
import { PG } from "../src/mm/page-flags";
import { load8, load_bytes, store8, store_bytes } from "../src/api/faultline/ptr";
import { GFP_ATOMIC, GFP_DMA, GFP_HIGHUSER, GFP_KERNEL, __GFP_NOWARN, __GFP_ZERO } from "../src/api/linux/gfp";
import {
  KMALLOC_MAX_SIZE, SLAB_CACHE_DMA, SLAB_HWCACHE_ALIGN, ZERO_OR_NULL_PTR, ZERO_SIZE_PTR,
  kcalloc, kfree, kmalloc, kmalloc_array, kmem_cache_alloc, kmem_cache_create, kmem_cache_destroy,
  kmem_cache_free, kmem_cache_zalloc, krealloc, ksize, kzalloc,
} from "../src/api/linux/slab";
import { memset } from "../src/api/linux/string";
import { boot, callerFile, escapeRe, lineHere, only } from "./helpers";

const MiB = 1 << 20;

const SELF = callerFile();
const REL = path.relative(process.cwd(), SELF);

function newLog(k: Kernel, since: number): string[] {
  return k.log.records().slice(since).map((r) => r.text);
}

function cacheOf(k: Kernel, addr: number): string | undefined {
  return k.slab.objectAt(addr)?.cache.name;
}

function slabinfoRow(k: Kernel, name: string): string | undefined {
  return k.inspect.slabinfo().split("\n").find((l) => l.startsWith(name + " "));
}

/** Physical address of a direct-map address, computed from PAGE_OFFSET without the kernel's help. */
function phys(k: Kernel, addr: number): number {
  return addr - k.profile.pageOffset;
}

describe("slab", () => {
  describe("kmalloc size classes", () => {
    it("puts kmalloc(10) in kmalloc-16, whose usable size is 16", () => {
      const k = boot();
      const p = kmalloc(10, GFP_KERNEL);
      assert.notEqual(p, 0);
      assert.equal(cacheOf(k, p), "kmalloc-16");
      assert.equal(ksize(p), 16);
      assert.equal(k.slab.requestedSize(p), 10);
      assert.equal(phys(k, p) % 8, 0, "objects are at least 8-byte aligned");
      kfree(p);
      assert.deepEqual(k.findings, []);
    });

    it("rounds every size up to the smallest kmalloc cache that holds it (8 … 8k, with 96 and 192)", () => {
      const k = boot();
      const table: Array<[number, string, number]> = [
        [1, "kmalloc-8", 8], [8, "kmalloc-8", 8], [9, "kmalloc-16", 16], [16, "kmalloc-16", 16],
        [17, "kmalloc-32", 32], [33, "kmalloc-64", 64], [64, "kmalloc-64", 64], [65, "kmalloc-96", 96],
        [96, "kmalloc-96", 96], [97, "kmalloc-128", 128], [129, "kmalloc-192", 192], [192, "kmalloc-192", 192],
        [193, "kmalloc-256", 256], [257, "kmalloc-512", 512], [513, "kmalloc-1k", 1024], [1025, "kmalloc-2k", 2048],
        [2049, "kmalloc-4k", 4096], [4097, "kmalloc-8k", 8192], [8192, "kmalloc-8k", 8192],
      ];
      for (const [size, cache, usable] of table) {
        const p = kmalloc(size, GFP_KERNEL);
        assert.equal(cacheOf(k, p), cache, `kmalloc(${size})`);
        assert.equal(ksize(p), usable, `ksize(kmalloc(${size}))`);
        kfree(p);
      }
      assert.deepEqual(k.findings, []);
    });

    it("serves sizes above KMALLOC_MAX_CACHE_SIZE (8192) from the page allocator", () => {
      const k = boot();
      const freeBefore = k.pages.totalFreePages();
      const p = kmalloc(8193, GFP_KERNEL);
      assert.notEqual(p, 0);
      assert.equal(k.slab.objectAt(p), undefined, "not a slab object");
      assert.equal(phys(k, p) % (4 * 4096), 0, "an order-2 block is naturally aligned");
      const l = k.slab.largeAt(p);
      assert.ok(l);
      assert.equal(l.order, 2);
      assert.equal(l.size, 8193);
      assert.equal(ksize(p), 16384);
      assert.equal(k.pages.totalFreePages(), freeBefore - 4);
      kfree(p);
      assert.equal(k.slab.largeAt(p), undefined);
      assert.equal(k.pages.totalFreePages(), freeBefore);
      assert.deepEqual(k.findings, []);
    });

    it("allows KMALLOC_MAX_SIZE (4 MiB) and refuses one byte more with a WARNING", () => {
      const k = boot();
      assert.equal(KMALLOC_MAX_SIZE, 4 * MiB);
      const big = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL);
      assert.notEqual(big, 0);
      assert.equal(ksize(big), KMALLOC_MAX_SIZE);
      kfree(big);

      const n = k.log.records().length;
      const p = kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL); const line = lineHere();
      assert.equal(p, 0);
      const log = newLog(k, n);
      assert.equal(log[0], "------------[ cut here ]------------");
      assert.equal(log[1], "WARNING: kmalloc of 4194305 bytes exceeds KMALLOC_MAX_SIZE (4194304)");
      assert.match(log[2], new RegExp(`^WARNING: CPU: 0 PID: 1 at .+ \\(${escapeRe(REL)}:${line}\\)$`));
      assert.equal(log.at(-1), "---[ end trace 0000000000000000 ]---");
      assert.ok(k.dmesg().includes("WARNING: kmalloc of 4194305 bytes exceeds KMALLOC_MAX_SIZE (4194304)\n"));
      assert.deepEqual(k.findings, [], "a refused allocation is a WARN, not a rule finding");
    });

    it("is silent about an oversized kmalloc under __GFP_NOWARN", () => {
      const k = boot();
      const n = k.log.records().length;
      assert.equal(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN), 0);
      assert.deepEqual(newLog(k, n), []);
    });

    it("returns ZERO_SIZE_PTR for kmalloc(0); kfree() of it (and of NULL) is fine", () => {
      const k = boot();
      const p = kmalloc(0, GFP_KERNEL);
      assert.equal(p, ZERO_SIZE_PTR);
      assert.equal(p, 16);
      assert.ok(ZERO_OR_NULL_PTR(p));
      assert.ok(ZERO_OR_NULL_PTR(0));
      assert.ok(!ZERO_OR_NULL_PTR(kmalloc(1, GFP_KERNEL)));
      assert.equal(ksize(p), 0);
      const n = k.log.records().length;
      kfree(p);
      kfree(0);
      assert.deepEqual(newLog(k, n), []);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("array helpers", () => {
    it("kmalloc_array() multiplies, and returns NULL without a warning when n * size overflows", () => {
      const k = boot();
      const p = kmalloc_array(3, 7, GFP_KERNEL);
      assert.equal(cacheOf(k, p), "kmalloc-32");
      assert.equal(k.slab.requestedSize(p), 21);
      const n = k.log.records().length;
      assert.equal(kmalloc_array(2 ** 32, 2 ** 32, GFP_KERNEL), 0);
      assert.equal(kmalloc_array(2 ** 40, 2 ** 30, GFP_KERNEL), 0);
      assert.deepEqual(newLog(k, n), [], "an overflow is not a failed allocation");
      assert.deepEqual(k.findings, []);
    });

    it("detects size_t overflow at 32 bits on i386", () => {
      const k = boot({ arch: "i386", mem: "256M" });
      assert.equal(kmalloc_array(0x10000, 0x10000, GFP_KERNEL), 0); // 2^32 wraps to 0
      assert.equal(kcalloc(0x10000, 0x10000, GFP_KERNEL), 0);
      const p = kmalloc_array(0x100, 0x10, GFP_KERNEL);
      assert.equal(cacheOf(k, p), "kmalloc-4k");
      assert.deepEqual(k.findings, []);
    });

    it("kcalloc() returns zeroed memory and NULL on overflow", () => {
      // Dirty a kmalloc-64 slot first, so that zeroing is what makes it zero.
      const k2 = boot({ quarantineBytes: 0 });
      const dirty = kmalloc(40, GFP_KERNEL);
      memset(dirty, 0xa5, 40);
      kfree(dirty);
      const p = kcalloc(4, 10, GFP_KERNEL);
      assert.equal(p, dirty, "with no quarantine the slot is reused at once");
      assert.equal(cacheOf(k2, p), "kmalloc-64");
      assert.deepEqual([...load_bytes(p, 40)], new Array(40).fill(0));
      assert.equal(kcalloc(2 ** 33, 2 ** 33, GFP_KERNEL), 0);
      assert.deepEqual(k2.findings, []);
    });
  });

  describe("contents", () => {
    it("an unzeroed kmalloc() shows the seeded garbage of fresh RAM; the same seed gives the same garbage", () => {
      const a = boot({ seed: 1234 });
      const pa = kmalloc(64, GFP_KERNEL);
      const bytesA = load_bytes(pa, 64);
      assert.ok(bytesA.some((b) => b !== 0), "kmalloc() does not zero");
      assert.ok(new Set(bytesA).size > 8, "looks like noise, not a fill pattern");

      const b = boot({ seed: 1234 });
      const pb = kmalloc(64, GFP_KERNEL);
      assert.equal(pb, pa);
      assert.deepEqual(load_bytes(pb, 64), bytesA);

      boot({ seed: 4321 });
      const pc = kmalloc(64, GFP_KERNEL);
      assert.equal(pc, pa);
      assert.notDeepEqual(load_bytes(pc, 64), bytesA);
      assert.deepEqual(a.findings, []);
      assert.deepEqual(b.findings, []);
    });

    it("kzalloc() is zero even on a slot that held data", () => {
      const k = boot({ quarantineBytes: 0 });
      const p = kmalloc(100, GFP_KERNEL);
      memset(p, 0xff, 100);
      kfree(p);
      const z = kzalloc(100, GFP_KERNEL);
      assert.equal(z, p);
      assert.deepEqual([...load_bytes(z, 100)], new Array(100).fill(0));
      assert.equal(ksize(z), 128);
      assert.deepEqual(k.findings, []);
    });

    it("kzalloc() of a large (page) allocation is zero", () => {
      const k = boot();
      const p = kzalloc(3 * 4096 + 5, GFP_KERNEL);
      assert.ok(load_bytes(p, 3 * 4096 + 5).every((b) => b === 0));
      assert.deepEqual(k.findings, []);
    });
  });

  describe("krealloc", () => {
    it("grows into a bigger cache keeping the contents, and frees the old object", () => {
      const k = boot();
      const p = kmalloc(10, GFP_KERNEL);
      store_bytes(p, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const q = krealloc(p, 100, GFP_KERNEL);
      assert.notEqual(q, 0);
      assert.notEqual(q, p);
      assert.equal(cacheOf(k, q), "kmalloc-128");
      assert.deepEqual([...load_bytes(q, 10)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(ksize(p), 0, "the old object is no longer allocated");
      assert.equal(k.slab.objectAt(p)?.state, ObjState.Quarantined);
      assert.deepEqual(k.findings, []);
    });

    it("shrinks in place, and KASAN then guards the new, smaller size", () => {
      const k = boot();
      const p = kmalloc(100, GFP_KERNEL);
      store_bytes(p, Array.from({ length: 100 }, (_, i) => i));
      const q = krealloc(p, 50, GFP_KERNEL);
      assert.equal(q, p);
      assert.equal(ksize(q), 128);
      assert.deepEqual([...load_bytes(q, 50)], Array.from({ length: 50 }, (_, i) => i));
      assert.deepEqual(k.findings, []);
      load8(q + 50);
      assert.equal(only(k, "MEM001").location?.file, SELF);
    });

    it("grows in place while the new size fits the usable size", () => {
      const k = boot();
      const p = kmalloc(10, GFP_KERNEL);
      store8(p, 0x77);
      const q = krealloc(p, 16, GFP_KERNEL);
      assert.equal(q, p);
      store8(q + 15, 1);
      assert.equal(load8(q), 0x77);
      assert.deepEqual(k.findings, []);
    });

    it("zeroes the grown part with __GFP_ZERO", () => {
      const k = boot();
      const p = kmalloc(16, GFP_KERNEL);
      memset(p, 0xee, 16);
      const q = krealloc(p, 100, GFP_KERNEL | __GFP_ZERO);
      assert.deepEqual([...load_bytes(q, 16)], new Array(16).fill(0xee));
      assert.deepEqual([...load_bytes(q + 16, 84)], new Array(84).fill(0));
      assert.deepEqual(k.findings, []);
    });

    it("krealloc(NULL, n) is kmalloc(n); krealloc(p, 0) frees p and returns ZERO_SIZE_PTR", () => {
      const k = boot();
      const p = krealloc(0, 20, GFP_KERNEL);
      assert.equal(cacheOf(k, p), "kmalloc-32");
      assert.equal(krealloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
      assert.equal(ksize(p), 0);
      const r = krealloc(ZERO_SIZE_PTR, 8, GFP_KERNEL);
      assert.equal(cacheOf(k, r), "kmalloc-8");
      assert.deepEqual(k.findings, []);
    });

    it("moves a large allocation keeping its contents", () => {
      const k = boot();
      const p = kmalloc(10000, GFP_KERNEL);
      store_bytes(p + 9990, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const q = krealloc(p, 40000, GFP_KERNEL);
      assert.deepEqual([...load_bytes(q + 9990, 10)], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      assert.equal(ksize(q), 65536);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("GFP_DMA", () => {
    it("serves kmalloc(GFP_DMA) from dma-kmalloc caches below 16 MiB", () => {
      const k = boot();
      const p = kmalloc(100, GFP_KERNEL | GFP_DMA);
      assert.equal(cacheOf(k, p), "dma-kmalloc-128");
      assert.ok(phys(k, p) < 16 * MiB, `phys 0x${phys(k, p).toString(16)} is in ZONE_DMA`);
      const small = kmalloc(8, GFP_ATOMIC | GFP_DMA);
      assert.equal(cacheOf(k, small), "dma-kmalloc-8");
      assert.ok(phys(k, small) < 16 * MiB);
      const big = kmalloc(20000, GFP_KERNEL | GFP_DMA);
      assert.ok(phys(k, big) + 20000 <= 16 * MiB, "large GFP_DMA allocations come from ZONE_DMA too");
      const normal = kmalloc(100, GFP_KERNEL);
      assert.equal(cacheOf(k, normal), "kmalloc-128");
      assert.match(slabinfoRow(k, "dma-kmalloc-128") ?? "", /^dma-kmalloc-128 +1 /);
      assert.deepEqual(k.findings, []);
    });

    it("puts SLAB_CACHE_DMA caches in ZONE_DMA", () => {
      const k = boot();
      const c = kmem_cache_create("mydma", 200, 0, SLAB_CACHE_DMA);
      assert.ok(c);
      const o = kmem_cache_alloc(c, GFP_KERNEL);
      assert.ok(phys(k, o) < 16 * MiB);
      kmem_cache_free(c, o);
      kmem_cache_destroy(c);
      assert.deepEqual(k.findings, []);
    });

    it("drops __GFP_HIGHMEM from a kmalloc with 'Unexpected gfp' instead of handing out a highmem frame (i386)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const n = k.log.records().length;
      const p = kmalloc(64, GFP_HIGHUSER); const line = lineHere();
      assert.ok(p >= k.profile.pageOffset && p < k.profile.highMemory, `0x${p.toString(16)} is a lowmem address`);
      const log = newLog(k, n);
      assert.equal(log[0], "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0x100cc0 (GFP_USER). Fix your code!");
      assert.ok(log.some((l) => l.endsWith(`(${REL}:${line})`)), "dump_stack() names the caller");
      store8(p + 63, 1);
      // new_slab() is where the fix-up happens: a second object from the same slab says nothing.
      const m = k.log.records().length;
      const q = kmalloc(64, GFP_HIGHUSER);
      assert.ok(q >= k.profile.pageOffset && q < k.profile.highMemory);
      assert.deepEqual(newLog(k, m), []);
      // The large path fixes the flags too.
      const big = kmalloc(3 * 4096, GFP_HIGHUSER);
      assert.ok(big >= k.profile.pageOffset && big < k.profile.highMemory);
      store8(big + 3 * 4096 - 1, 1);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("named caches", () => {
    it("kmem_cache_create/alloc/zalloc/free/destroy", () => {
      const k = boot();
      const freeBefore = k.pages.totalFreePages();
      const c = kmem_cache_create("mydev_cache", 100, 0, 0);
      assert.ok(c);
      assert.equal(c.object_size, 100);
      const a = kmem_cache_alloc(c, GFP_KERNEL);
      assert.equal(cacheOf(k, a), "mydev_cache");
      assert.equal(ksize(a), 100);
      memset(a, 0x11, 100);
      kmem_cache_free(c, a);
      const z = kmem_cache_zalloc(c, GFP_KERNEL);
      assert.deepEqual([...load_bytes(z, 100)], new Array(100).fill(0));
      kmem_cache_free(c, z);
      const n = k.log.records().length;
      kmem_cache_destroy(c);
      assert.deepEqual(newLog(k, n), [], "destroying an empty cache is silent");
      assert.equal(slabinfoRow(k, "mydev_cache"), undefined);
      assert.ok(cacheBehind(c)!.destroyed);
      assert.equal(k.pages.totalFreePages(), freeBefore, "its slabs went back to the page allocator");
      kmem_cache_destroy(null);
      assert.deepEqual(k.findings, []);
    });

    it("warns 'Slab cache still has objects' when destroyed with live objects, and keeps the cache", () => {
      const k = boot();
      const c = kmem_cache_create("leaky", 64, 0, 0)!;
      kmem_cache_alloc(c, GFP_KERNEL);
      const n = k.log.records().length;
      kmem_cache_destroy(c); const line = lineHere();
      const log = newLog(k, n);
      assert.equal(log[0], "------------[ cut here ]------------");
      assert.match(log[1], new RegExp(`^kmem_cache_destroy leaky: Slab cache still has objects when called from .+ \\(${escapeRe(REL)}:${line}\\)`));
      assert.match(log[2], /^WARNING: CPU: 0 PID: 1 at /);
      assert.ok(!cacheBehind(c)!.destroyed);
      assert.match(slabinfoRow(k, "leaky") ?? "", /^leaky +1 /);
      assert.deepEqual(k.findings, []);
    });

    it("drains the quarantine of a cache before destroying it", () => {
      const k = boot();
      const c = kmem_cache_create("quarantined", 32, 0, 0)!;
      const objs = [0, 1, 2].map(() => kmem_cache_alloc(c, GFP_KERNEL));
      for (const o of objs) kmem_cache_free(c, o);
      assert.equal(k.slab.quarantined, 3);
      const n = k.log.records().length;
      kmem_cache_destroy(c);
      assert.deepEqual(newLog(k, n), []);
      assert.equal(k.slab.quarantined, 0);
      assert.ok(cacheBehind(c)!.destroyed);
    });

    it("SLAB_HWCACHE_ALIGN aligns to the cache line, or to half of it for small objects (calculate_alignment)", () => {
      const k = boot();
      const small = kmem_cache_create("hw_small", 20, 0, SLAB_HWCACHE_ALIGN)!;
      const big = kmem_cache_create("hw_big", 100, 0, SLAB_HWCACHE_ALIGN)!;
      // 20 + 16 redzone, in 32-byte units; 100 + 64 redzone, in 64-byte units.
      assert.equal(cacheBehind(small)!.size, 64);
      assert.equal(cacheBehind(big)!.size, 192);
      const s1 = kmem_cache_alloc(small, GFP_KERNEL), s2 = kmem_cache_alloc(small, GFP_KERNEL);
      const b1 = kmem_cache_alloc(big, GFP_KERNEL), b2 = kmem_cache_alloc(big, GFP_KERNEL);
      for (const o of [s1, s2]) assert.equal(phys(k, o) % 32, 0);
      for (const o of [b1, b2]) assert.equal(phys(k, o) % 64, 0);
      assert.deepEqual(k.findings, []);
    });

    it("runs the constructor on objects it hands out unzeroed", () => {
      const k = boot();
      const seen: number[] = [];
      const c = kmem_cache_create("with_ctor", 24, 0, 0, (obj) => { seen.push(obj); memset(obj, 0x42, 24); })!;
      const o = kmem_cache_alloc(c, GFP_KERNEL);
      assert.deepEqual(seen, [o]);
      assert.deepEqual([...load_bytes(o, 24)], new Array(24).fill(0x42));
      assert.deepEqual(k.findings, []);
    });

    it("rejects a nameless or empty cache", () => {
      boot();
      assert.equal(kmem_cache_create("", 10, 0, 0), null);
      assert.equal(kmem_cache_create("zero", 0, 0, 0), null);
      assert.equal(kmem_cache_create("huge", KMALLOC_MAX_SIZE + 1, 0, 0), null);
    });
  });

  describe("/proc/slabinfo", () => {
    it("has the two header lines of slabinfo 2.1", () => {
      const k = boot();
      const lines = k.inspect.slabinfo().split("\n");
      assert.equal(lines[0], "slabinfo - version: 2.1");
      assert.equal(lines[1], "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>");
      assert.equal(lines.at(-1), "", "the text ends with a newline");
    });

    it("pads rows like cache_show(): %-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu", () => {
      const k = boot();
      const c = kmem_cache_create("mydev", 100, 0, 0)!;
      kmem_cache_alloc(c, GFP_KERNEL);
      kmalloc(10, GFP_KERNEL);
      kmalloc(10, GFP_KERNEL);
      // mydev: 100 + 64 redzone = 164 → 168 (8-aligned), 24 per 4 KiB slab.
      assert.equal(slabinfoRow(k, "mydev"), "mydev                  1     24    168   24    1 : tunables    0    0    0 : slabdata      1      1      0");
      // kmalloc-16: 16 + 16 redzone = 32 bytes, 128 per slab.
      assert.equal(slabinfoRow(k, "kmalloc-16"), "kmalloc-16             2    128     32  128    1 : tunables    0    0    0 : slabdata      1      1      0");
      // kmalloc-8k: 8192 + 256 = 8448, three per order-3 slab; nothing allocated.
      assert.equal(slabinfoRow(k, "kmalloc-8k"), "kmalloc-8k             0      0   8448    3    8 : tunables    0    0    0 : slabdata      0      0      0");
      // A name longer than 17 characters is not cut, just followed by one space.
      const long = kmem_cache_create("a_rather_long_cache_name", 8, 0, 0)!;
      kmem_cache_alloc(long, GFP_KERNEL);
      assert.match(k.inspect.slabinfo(), /\na_rather_long_cache_name      1    170     24  170    1 : tunables/);
    });

    it("lists the newest cache first, as list_add() to slab_caches does", () => {
      const k = boot();
      kmem_cache_create("first_made", 8, 0, 0);
      kmem_cache_create("second_made", 8, 0, 0);
      const names = k.inspect.slabinfo().split("\n").slice(2, -1).map((l) => l.split(" ")[0]);
      assert.deepEqual(names.slice(0, 3), ["second_made", "first_made", "kmalloc-8k"]);
      assert.equal(names.at(-1), "kmalloc-8");
    });
  });

  describe("quarantine", () => {
    it("does not hand a freed object out again while it is in quarantine", () => {
      const k = boot();
      assert.equal(k.slab.quarantineMax, (256 * MiB) / 32, "RAM/32 by default");
      const p = kmalloc(16, GFP_KERNEL);
      kfree(p);
      assert.equal(k.slab.quarantined, 1);
      assert.equal(k.slab.objectAt(p)?.state, ObjState.Quarantined);
      const seen = new Set<number>();
      for (let i = 0; i < 500; i++) seen.add(kmalloc(16, GFP_KERNEL));
      assert.ok(!seen.has(p));
      assert.deepEqual(k.findings, []);
    });

    it("hands a freed object out again once the quarantine evicts it (quarantineBytes)", () => {
      // kmalloc-16 objects take 32 bytes: two fit in a 64-byte quarantine.
      const k = boot({ quarantineBytes: 64 });
      assert.equal(k.slab.quarantineMax, 64);
      const [p1, p2, p3] = [1, 2, 3].map(() => kmalloc(16, GFP_KERNEL));
      kfree(p1);
      kfree(p2);
      assert.equal(k.slab.quarantined, 2);
      assert.equal(k.slab.quarantineBytes, 64);
      assert.notEqual(kmalloc(16, GFP_KERNEL), p1);
      kfree(p3); // evicts p1, the oldest
      assert.equal(k.slab.quarantined, 2);
      assert.equal(k.slab.objectAt(p1)?.state, ObjState.Freed);
      assert.equal(k.slab.objectAt(p2)?.state, ObjState.Quarantined);
      assert.equal(kmalloc(16, GFP_KERNEL), p1, "SLUB's freelist is LIFO");
      const next = kmalloc(16, GFP_KERNEL);
      assert.ok(next !== p2 && next !== p3);
      assert.deepEqual(k.findings, []);
    });

    it("with no quarantine, kfree() then kmalloc() returns the same object", () => {
      const k = boot({ quarantineBytes: 0 });
      const p = kmalloc(200, GFP_KERNEL);
      kfree(p);
      assert.equal(k.slab.quarantined, 0);
      assert.equal(kmalloc(200, GFP_KERNEL), p);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("empty slabs", () => {
    it("keeps min_partial empty slabs per cache and gives the rest back to the page allocator", () => {
      const k = boot({ quarantineBytes: 0 });
      const cache = k.slab.caches.find((c) => c.name === "kmalloc-16")!;
      assert.equal(cache.objsPerSlab, 128);
      assert.equal(cache.minPartial, 5, "MIN_PARTIAL for small objects");
      const freeBefore = k.pages.totalFreePages();
      const discarded: number[] = [];
      k.events.on((e) => { if (e.type === "slab_discard" && e.cache === "kmalloc-16") discarded.push(e.pfn); });
      const objs = Array.from({ length: 8 * 128 }, () => kmalloc(16, GFP_KERNEL));
      assert.equal(cache.slabs.length, 8);
      assert.equal(k.pages.totalFreePages(), freeBefore - 8);
      for (const o of objs) kfree(o);
      assert.equal(cache.slabs.length, 5);
      assert.equal(cache.activeObjs, 0);
      assert.equal(k.pages.totalFreePages(), freeBefore - 5);
      assert.equal(slabinfoRow(k, "kmalloc-16"), "kmalloc-16             0    640     32  128    1 : tunables    0    0    0 : slabdata      5      5      0");
      assert.equal(discarded.length, 3);
      for (const pfn of discarded) {
        assert.ok(!k.memmap.testFlag(pfn, PG.slab), "PG_slab is cleared on a discarded slab");
        assert.ok(!cache.slabs.some((s) => s.pfn === pfn));
      }
      for (const s of cache.slabs) assert.ok(k.memmap.testFlag(s.pfn, PG.slab));
      assert.deepEqual(k.findings, []);
    });

    it("keeps slabs that still hold objects", () => {
      const k = boot({ quarantineBytes: 0 });
      const cache = k.slab.caches.find((c) => c.name === "kmalloc-16")!;
      const objs = Array.from({ length: 8 * 128 }, () => kmalloc(16, GFP_KERNEL));
      // Free all but one object per slab: no slab becomes empty.
      for (let i = 0; i < objs.length; i++) if (i % 128 !== 0) kfree(objs[i]);
      assert.equal(cache.slabs.length, 8);
      assert.equal(cache.activeObjs, 8);
      assert.deepEqual(k.findings, []);
    });
  });
});

