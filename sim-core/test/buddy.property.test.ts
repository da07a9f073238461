// Property tests of the buddy allocator against a reference model that knows
// only which frames are free: random alloc_pages()/__free_pages() sequences
// on small x86_64 and i386 machines, and get_page()/put_page() sequences
// against a model reference count.

import * as assert from "node:assert/strict";
import fc from "fast-check";

import type { Kernel } from "../src";
import type { ZoneName } from "../src/arch/profile";
import {
  GFP_ATOMIC, GFP_DMA, GFP_DMA32, GFP_HIGHUSER, GFP_KERNEL, GFP_NOWAIT, GFP_USER,
  __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_DMA, __GFP_DMA32, __GFP_HIGH, __GFP_HIGHMEM, __GFP_NOWARN,
  __free_pages, alloc_pages,
} from "../src/api/linux/gfp";
import { get_page, nth_page, page_count, put_page, type Page } from "../src/api/linux/mm";
import { boot } from "./helpers";

const PAGE = 4096;

type Machine = { arch: "i386" | "x86_64"; mem: string };
const MACHINES: Machine[] = [
  { arch: "x86_64", mem: "16M" }, { arch: "x86_64", mem: "32M" }, { arch: "x86_64", mem: "64M" },
  { arch: "i386", mem: "16M" }, { arch: "i386", mem: "32M" }, { arch: "i386", mem: "64M" },
];

const GFPS = [
  GFP_KERNEL, GFP_KERNEL | __GFP_NOWARN, GFP_ATOMIC | __GFP_NOWARN, GFP_NOWAIT, GFP_USER | __GFP_NOWARN,
  GFP_HIGHUSER | __GFP_NOWARN, GFP_DMA | __GFP_NOWARN, GFP_KERNEL | GFP_DMA | __GFP_NOWARN,
  GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, GFP_KERNEL | __GFP_COMP | __GFP_NOWARN, GFP_ATOMIC | __GFP_COMP | __GFP_NOWARN,
];

/** gfp_zone() and the fallback list, written out independently of mm/gfp.ts. */
function allowedZones(gfp: number, arch: Machine["arch"]): ZoneName[] {
  if (gfp & __GFP_DMA) return ["DMA"];
  if (gfp & __GFP_DMA32) return arch === "x86_64" ? ["DMA32", "DMA"] : ["Normal", "DMA"];
  if (gfp & __GFP_HIGHMEM && arch === "i386") return ["HighMem", "Normal", "DMA"];
  return arch === "x86_64" ? ["Normal", "DMA32", "DMA"] : ["Normal", "DMA"];
}

/** The watermark an allocation must leave free (__zone_watermark_ok's ALLOC_MIN_RESERVE / ALLOC_NON_BLOCK). */
function reserve(min: number, gfp: number): number {
  if (gfp & __GFP_HIGH) {
    min -= Math.floor(min / 2);
    if (!(gfp & __GFP_DIRECT_RECLAIM)) min -= Math.floor(min / 4);
  }
  return min;
}

/** The reference model: a bitmap of free frames and a count per zone. */
class Model {
  readonly free: Uint8Array;
  readonly freeIn = new Map<ZoneName, number>();
  readonly zones: ReadonlyArray<{ name: ZoneName; start: number; end: number; min: number }>;

  constructor(readonly k: Kernel) {
    const p = k.profile;
    this.free = new Uint8Array(p.maxPfn);
    this.zones = p.zones.map((z) => ({ name: z.name, start: z.startPfn, end: z.endPfn, min: k.pages.zone(z.id)!.watermark.min }));
    // Boot: usable e820 RAM in a zone, minus what memblock reserved.
    for (const e of p.e820) {
      if (e.type !== "usable") continue;
      for (let pfn = Math.ceil(e.start / PAGE); pfn < Math.min(Math.floor(e.end / PAGE), p.maxPfn); pfn++) this.free[pfn] = 1;
    }
    for (const [lo, hi] of k.reserved.values()) this.free.fill(0, lo, hi);
    for (const z of this.zones) {
      let n = 0;
      for (let pfn = z.start; pfn < z.end; pfn++) n += this.free[pfn];
      this.freeIn.set(z.name, n);
    }
  }

  zone(name: ZoneName) { return this.zones.find((z) => z.name === name)!; }

  zoneOf(pfn: number): ZoneName | undefined {
    return this.zones.find((z) => pfn >= z.start && pfn < z.end)?.name;
  }

  /** An aligned run of 2^order free frames inside the zone: what a fully coalesced buddy allocator can hand out. */
  hasRun(name: ZoneName, order: number): boolean {
    const z = this.zone(name), n = 1 << order;
    if (order === 0) return this.freeIn.get(name)! > 0;
    for (let pfn = Math.ceil(z.start / n) * n; pfn + n <= z.end; pfn += n) {
      let i = 0;
      while (i < n && this.free[pfn + i]) i++;
      if (i === n) return true;
    }
    return false;
  }

  /** Whether the zone could satisfy the request: watermark, then a block. */
  canServe(name: ZoneName, gfp: number, order: number): boolean {
    const z = this.zone(name);
    if (!z) return false;
    return this.freeIn.get(name)! - (1 << order) >= reserve(z.min, gfp) && this.hasRun(name, order);
  }

  take(pfn: number, order: number): void {
    const zone = this.zoneOf(pfn)!;
    for (let i = 0; i < 1 << order; i++) {
      assert.equal(this.free[pfn + i], 1, `pfn 0x${(pfn + i).toString(16)} handed out but not free (overlaps a live block or a reservation)`);
      this.free[pfn + i] = 0;
    }
    this.freeIn.set(zone, this.freeIn.get(zone)! - (1 << order));
  }

  give(pfn: number, order: number): void {
    const zone = this.zoneOf(pfn)!;
    this.free.fill(1, pfn, pfn + (1 << order));
    this.freeIn.set(zone, this.freeIn.get(zone)! + (1 << order));
  }
}

interface Snapshot { nrFree: number[][]; freePages: number[]; heads: number[][][] }

function snapshot(k: Kernel): Snapshot {
  const zs = k.pages.zones;
  return {
    nrFree: zs.map((z) => [...z.nrFree]),
    freePages: zs.map((z) => z.freePages),
    heads: zs.map((z) => z.nrFree.map((_, o) => k.pages.buddy.list(z, o).sort((a, b) => a - b))),
  };
}

/** The buddy allocator's own books agree with themselves and with the model. */
function checkBooks(k: Kernel, m: Model): void {
  for (const z of k.pages.zones) {
    const sum = z.nrFree.reduce((s, n, o) => s + n * (1 << o), 0);
    assert.equal(sum, z.freePages, `${z.name}: nr_free does not add up to free pages`);
    assert.equal(z.freePages, m.freeIn.get(z.name), `${z.name}: free pages differ from the model`);
  }
}

/** Every frame on a free list is free in the model, and every free frame of the model is on a free list. */
function checkFreeLists(k: Kernel, m: Model): void {
  const onList = new Uint8Array(m.free.length);
  for (const z of k.pages.zones) {
    for (let o = 0; o < z.nrFree.length; o++) {
      const heads = k.pages.buddy.list(z, o);
      assert.equal(heads.length, z.nrFree[o], `${z.name} order ${o}: list length vs nr_free`);
      for (const h of heads) {
        assert.equal(h % (1 << o), 0, `free block 0x${h.toString(16)} of order ${o} is misaligned`);
        assert.ok(h >= z.startPfn && h + (1 << o) <= z.endPfn, `free block 0x${h.toString(16)} leaves zone ${z.name}`);
        for (let i = 0; i < 1 << o; i++) {
          assert.equal(onList[h + i], 0, `pfn 0x${(h + i).toString(16)} is on two free lists`);
          onList[h + i] = 1;
        }
      }
    }
  }
  assert.deepEqual(onList, m.free);
}

type Op =
  | { kind: "alloc"; gfp: number; order: number }
  | { kind: "free"; pick: number }
  /** Allocate until the allocator refuses (or `max` blocks): drives zones down to their watermarks. */
  | { kind: "burst"; gfp: number; order: number; max: number };

const orderArb = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("alloc" as const), gfp: fc.constantFrom(...GFPS), order: orderArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("burst" as const), gfp: fc.constantFrom(...GFPS), order: fc.integer({ min: 0, max: 10 }), max: fc.integer({ min: 1, max: 600 }) }), weight: 1 },
);

/** A burst is a run of single allocations that stops at the first NULL. */
function expand(ops: readonly Op[]): Array<Exclude<Op, { kind: "burst" }> & { burst?: number }> {
  return ops.flatMap((op, i) => (op.kind === "burst" ? Array.from({ length: op.max }, () => ({ kind: "alloc" as const, gfp: op.gfp, order: op.order, burst: i })) : [op]));
}

interface Live { page: Page; order: number; zone: ZoneName }

describe("buddy allocator: properties against a reference model", () => {
  it("boot hands exactly the unreserved RAM of each zone to the buddy allocator", () => {
    for (const mc of MACHINES) {
      const k = boot({ ...mc, trackStacks: false });
      const m = new Model(k);
      checkBooks(k, m);
      checkFreeLists(k, m);
    }
  });

  it("(a) live blocks are disjoint, naturally aligned, outside reservations and in the first zone of the zonelist that can serve them; (c) free + live is constant", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MACHINES), fc.array(opArb, { maxLength: 200, size: "max" }), (mc, ops) => {
        const k = boot({ ...mc, trackStacks: false });
        const m = new Model(k);
        const total = k.pages.totalFreePages();
        const live: Live[] = [];
        let livePages = 0, stopped = -1;
        for (const op of expand(ops)) {
          if (op.kind === "alloc") {
            if (op.burst !== undefined && op.burst === stopped) continue;
            const allowed = allowedZones(op.gfp, mc.arch).filter((z) => m.zones.some((mz) => mz.name === z));
            // Decide before the call which zone a correct allocator must use.
            const expect = allowed.find((z) => m.canServe(z, op.gfp, op.order));
            const page = alloc_pages(op.gfp, op.order);
            if (!expect) {
              assert.equal(page, null, `${mc.arch} ${mc.mem}: order-${op.order} gfp 0x${op.gfp.toString(16)} should fail`);
              if (op.burst !== undefined) stopped = op.burst;
              continue;
            }
            assert.ok(page, `${mc.arch} ${mc.mem}: order-${op.order} gfp 0x${op.gfp.toString(16)} should come from ${expect}`);
            const pfn = page.pfn, n = 1 << op.order;
            assert.equal(pfn % n, 0, "naturally aligned");
            const zone = m.zoneOf(pfn);
            assert.equal(zone, expect, `block 0x${pfn.toString(16)} is in ${zone}, expected ${expect}`);
            assert.equal(m.zoneOf(pfn + n - 1), zone, "the block stays inside one zone");
            for (const [lo, hi] of k.reserved.values()) assert.ok(pfn + n <= lo || pfn >= hi, "overlaps a memblock reservation");
            m.take(pfn, op.order); // also: no overlap with any live block
            assert.equal(page_count(page), 1);
            live.push({ page, order: op.order, zone: expect });
            livePages += n;
          } else {
            if (live.length === 0) continue;
            const [b] = live.splice(op.pick % live.length, 1);
            __free_pages(b.page, b.order);
            m.give(b.page.pfn, b.order);
            livePages -= 1 << b.order;
          }
          assert.equal(k.pages.totalFreePages() + livePages, total, "free + live pages is constant");
          checkBooks(k, m);
        }
        checkFreeLists(k, m);
        assert.deepEqual(k.findings, []);
      }),
      { numRuns: 80 },
    );
  });

  it("(b) freeing everything coalesces back to the state right after boot", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MACHINES), fc.array(opArb, { maxLength: 200, size: "max" }), fc.array(fc.nat(), { maxLength: 64, size: "max" }), (mc, ops, picks) => {
        const k = boot({ ...mc, trackStacks: false });
        const initial = snapshot(k);
        const live: Array<{ page: Page; order: number }> = [];
        let stopped = -1;
        for (const op of expand(ops)) {
          if (op.kind === "alloc") {
            if (op.burst !== undefined && op.burst === stopped) continue;
            const page = alloc_pages(op.gfp, op.order);
            if (!page && op.burst !== undefined) stopped = op.burst;
            if (page) live.push({ page, order: op.order });
          } else if (live.length) {
            const [b] = live.splice(op.pick % live.length, 1);
            __free_pages(b.page, b.order);
          }
        }
        // free the rest in a generated order
        for (const pick of picks) {
          if (!live.length) break;
          const [b] = live.splice(pick % live.length, 1);
          __free_pages(b.page, b.order);
        }
        while (live.length) {
          const b = live.pop()!;
          __free_pages(b.page, b.order);
        }
        assert.deepEqual(snapshot(k), initial);
        assert.equal(k.pages.blocks.size, 0);
        assert.deepEqual(k.findings, []);
      }),
      { numRuns: 80 },
    );
  });

  it("(d) get_page/put_page follow a model count; the first underflow in an allocation is one PG001 (later ones on any of its pages are the same bug) and the count never goes negative", () => {
    const refOp = fc.record({ op: fc.constantFrom("get", "put", "put"), sub: fc.nat() });
    fc.assert(
      fc.property(
        fc.constantFrom(...MACHINES),
        fc.constantFrom(0, 1, 2, 3),
        fc.array(refOp, { maxLength: 200, size: "max" }),
        (mc, order, ops) => {
          const k = boot({ ...mc, trackStacks: false });
          const zoneFree = () => k.pages.zones.reduce((s, z) => s + z.freePages, 0);
          // order 0, or a compound page whose tails refer to the head
          const page = alloc_pages(GFP_KERNEL | (order > 0 ? __GFP_COMP : 0), order)!;
          const n = 1 << order;
          // Model: one count per subpage; while the compound page lives every subpage refers to the head's.
          // Once it is freed the compound page is dissolved and each frame counts for itself.
          const counts = new Array<number>(n).fill(0);
          counts[0] = 1;
          let live = true, underflows = 0;
          // After the first underflow on any frame of the allocation, later ones on any of its frames follow
          // from it (one bug, one finding): a compound page's former tails are the same allocation.
          let reported = false;
          const holder = (i: number) => (live ? 0 : i);
          const freeWhileLive = zoneFree();
          for (const { op, sub } of ops) {
            const i = sub % n, j = holder(i);
            const before = k.findings.length;
            const bad = counts[j] === 0; // get_page() on a freed page, or put_page() below zero
            const fresh: boolean = bad && !reported;
            if (fresh) reported = true;
            if (op === "get") {
              get_page(nth_page(page, i));
              counts[j]++;
            } else {
              put_page(nth_page(page, i));
              if (!bad && --counts[j] === 0 && live) live = false;
            }
            if (fresh) underflows++;
            assert.equal(k.findings.length - before, fresh ? 1 : 0, `${op}_page with the count at ${bad ? 0 : "> 0"}${bad && !fresh ? " (already reported)" : ""}`);
            assert.equal(k.findings.length, underflows);
            assert.ok(k.findings.every((f) => f.rule === "PG001"));
            for (let s = 0; s < n; s++) {
              const c = page_count(nth_page(page, s));
              assert.equal(c, counts[holder(s)], `page_count of subpage ${s}`);
              assert.ok(c >= 0);
            }
            // the block went back exactly once, when the last reference went
            assert.equal(zoneFree(), live ? freeWhileLive : freeWhileLive + n);
            assert.equal(k.pages.blocks.has(page.pfn), live);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
