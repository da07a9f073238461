// SLUB, as far as a driver can see it: kmalloc size classes, named caches,
// slabs carved from the page allocator, and the KASAN pieces that make
// misuse visible — a redzone after every object and a quarantine that keeps
// freed objects out of circulation for a while.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { PAGE_SIZE } from "../util/addr";
import { MAX_ORDER } from "./buddy";
import { __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_NOWARN, __GFP_ZERO, GFP_KERNEL, gfpNames } from "./gfp";
import { Owner } from "./memmap";
import type { Track } from "./page_alloc";
import { PG } from "./page-flags";

/** ZERO_SIZE_PTR ((void *)16): what kmalloc(0) returns; not NULL, but any dereference faults. kfree() accepts it. */
export const ZERO_SIZE_PTR = 16;
export const KMALLOC_MIN_SIZE = 8;
export const KMALLOC_MAX_CACHE_SIZE = 8192;
/** KMALLOC_MAX_SIZE (PAGE_SIZE << MAX_ORDER): the largest kmalloc(); bigger requests return NULL. */
export const KMALLOC_MAX_SIZE = PAGE_SIZE << MAX_ORDER;
const KMALLOC_SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
const QUARANTINE_FRACTION = 32;
/** mm/slab.h: flags that make no sense for slab memory, masked off with a warning. */
const GFP_SLAB_BUG_MASK = __GFP_DMA32 | __GFP_HIGHMEM;

export const enum ObjState { Free = 0, Allocated = 1, Quarantined = 2, Freed = 3 }

export interface ObjMeta {
  requested: number;
  alloc: Track;
  free?: Track;
}

/** mm/kasan/generic.c optimal_redzone(). */
export function optimalRedzone(objectSize: number): number {
  return objectSize <= 64 - 16 ? 16 : objectSize <= 128 - 32 ? 32 : objectSize <= 512 - 64 ? 64
    : objectSize <= 4096 - 128 ? 128 : objectSize <= (1 << 14) - 256 ? 256 : objectSize <= (1 << 15) - 512 ? 512
    : objectSize <= (1 << 16) - 1024 ? 1024 : 2048;
}

export class Slab {
  readonly state: Uint8Array;
  readonly meta: Array<ObjMeta | undefined>;
  readonly freelist: number[];
  inuse = 0;
  constructor(readonly cache: KmemCache, readonly pfn: number, readonly base: number) {
    const n = cache.objsPerSlab;
    this.state = new Uint8Array(n);
    this.meta = new Array(n);
    this.freelist = [];
    for (let i = n - 1; i >= 0; i--) this.freelist.push(i);
  }
  objAddr(i: number): number { return this.base + i * this.cache.size; }
}

export class KmemCache {
  /** Bytes between objects: the object plus its KASAN redzone. */
  readonly size: number;
  readonly order: number;
  readonly objsPerSlab: number;
  readonly minPartial: number;
  readonly slabs: Slab[] = [];
  destroyed = false;
  constructor(readonly name: string, readonly objectSize: number, readonly align: number, readonly gfp: number, nrCpus: number, readonly ctor?: (obj: number) => void) {
    const a = Math.max(8, align);
    this.size = Math.ceil((objectSize + optimalRedzone(objectSize)) / a) * a;
    // calculate_order(): enough objects per slab for the CPUs, at most PAGE_ALLOC_COSTLY_ORDER.
    const minObjects = 4 * (Math.floor(Math.log2(nrCpus)) + 2);
    let order = 0;
    while (order < 3 && (PAGE_SIZE << order) / this.size < minObjects) order++;
    while ((PAGE_SIZE << order) < this.size) order++;
    this.order = order;
    this.objsPerSlab = Math.floor((PAGE_SIZE << order) / this.size);
    this.minPartial = Math.min(10, Math.max(5, Math.floor(Math.log2(objectSize) / 2)));
  }
  /** Objects not on a freelist: live ones and those waiting in KASAN's quarantine, as slabinfo counts them. */
  get activeObjs(): number { return this.slabs.reduce((s, sl) => s + this.objsPerSlab - sl.freelist.length, 0); }
  get numObjs(): number { return this.slabs.length * this.objsPerSlab; }
}

export interface LargeKmalloc { pfn: number; order: number; size: number; alloc: Track }

export interface ObjectInfo {
  cache: KmemCache;
  slab: Slab;
  index: number;
  start: number;
  state: ObjState;
  meta: ObjMeta | undefined;
}

export class SlabAllocator {
  readonly caches: KmemCache[] = [];
  private readonly kmallocCaches: KmemCache[];
  private dmaCaches: KmemCache[] | undefined;
  private readonly slabByPfn = new Map<number, Slab>();
  readonly large = new Map<number, LargeKmalloc>();
  private readonly quarantine: Array<{ slab: Slab; index: number }> = [];
  private quarantineHead = 0;
  quarantineBytes = 0;
  readonly quarantineMax: number;

  readonly #k: Kernel;
  constructor(k: Kernel, quarantineMax?: number) {
    this.#k = k;
    this.quarantineMax = quarantineMax ?? Math.floor(k.profile.memBytes / QUARANTINE_FRACTION);
    this.kmallocCaches = KMALLOC_SIZES.map((s) => this.createCache(kmallocName("kmalloc", s), s, 0, 0));
  }

  createCache(name: string, size: number, align: number, gfp: number, ctor?: (obj: number) => void): KmemCache {
    const c = new KmemCache(name, size, align, gfp, this.#k.profile.nrCpus, ctor);
    this.caches.push(c);
    return c;
  }

  destroyCache(c: KmemCache): number {
    this.drainQuarantine(c);
    const busy = c.activeObjs;
    if (busy === 0) {
      for (const s of [...c.slabs]) this.discard(s);
      this.caches.splice(this.caches.indexOf(c), 1);
      c.destroyed = true;
    }
    return busy;
  }

  kmallocCache(size: number, gfp: number): KmemCache | undefined {
    const list = gfp & __GFP_DMA ? (this.dmaCaches ??= KMALLOC_SIZES.map((s) => this.createCache(kmallocName("dma-kmalloc", s), s, 0, __GFP_DMA))) : this.kmallocCaches;
    return list.find((c) => c.objectSize >= size);
  }

  /** kmalloc(): an object address, 0 for NULL, ZERO_SIZE_PTR for size 0. */
  kmalloc(size: number, gfp: number, stack?: CapturedStack): number {
    if (!Number.isFinite(size) || size < 0) size = Number.MAX_SAFE_INTEGER;
    if (size === 0) return ZERO_SIZE_PTR;
    if (size > KMALLOC_MAX_CACHE_SIZE) return this.kmallocLarge(size, gfp, stack);
    return this.alloc(this.kmallocCache(size, gfp)!, size, gfp, stack);
  }

  private kmallocLarge(size: number, gfp: number, stack: CapturedStack | undefined): number {
    const k = this.#k;
    const order = Math.max(0, Math.ceil(Math.log2(Math.ceil(size / PAGE_SIZE))));
    if (order > MAX_ORDER) {
      // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp): silent under __GFP_NOWARN.
      if (!(gfp & __GFP_NOWARN)) k.warn(`WARNING: kmalloc of ${size} bytes exceeds KMALLOC_MAX_SIZE (${KMALLOC_MAX_SIZE})`, stack);
      return 0;
    }
    stack ??= k.stacks.record();
    const pfn = k.pages.alloc(this.fixFlags(gfp, stack) | __GFP_COMP, order, Owner.Pages, stack);
    if (pfn < 0) return 0;
    this.large.set(pfn, { pfn, order, size, alloc: k.pages.track(stack) });
    const addr = k.pages.pageAddressOrZero(pfn);
    k.events.emit({ type: "kmalloc", addr, size, cache: `order-${order} pages`, gfp });
    return addr;
  }

  /** kmem_cache_alloc() and the small-size path of kmalloc(). */
  alloc(c: KmemCache, requested: number, gfp: number, stack?: CapturedStack): number {
    const k = this.#k;
    k.clock.advance(k.cost.slabAlloc);
    let slab = c.slabs.find((s) => s.freelist.length > 0);
    if (!slab) {
      stack ??= k.stacks.record();
      const pfn = k.pages.alloc((this.fixFlags(gfp, stack) & ~__GFP_ZERO) | c.gfp | __GFP_COMP, c.order, Owner.Slab, stack);
      if (pfn < 0) {
        this.drainQuarantine();
        slab = c.slabs.find((s) => s.freelist.length > 0);
        if (!slab) return 0;
      } else {
        k.memmap.setFlag(pfn, PG.slab);
        slab = new Slab(c, pfn, k.pages.pageAddressOrZero(pfn));
        for (let i = 0; i < 1 << c.order; i++) this.slabByPfn.set(pfn + i, slab);
        c.slabs.unshift(slab);
        k.events.emit({ type: "slab_new", cache: c.name, pfn, order: c.order });
      }
    }
    const i = slab.freelist.pop()!;
    slab.state[i] = ObjState.Allocated;
    slab.meta[i] = { requested, alloc: k.pages.track(stack ?? k.stacks.record()) };
    slab.inuse++;
    const addr = slab.objAddr(i);
    if (gfp & __GFP_ZERO) k.phys.fill(addr - k.profile.pageOffset, 0, c.objectSize);
    else if (c.ctor) c.ctor(addr);
    k.events.emit({ type: "kmalloc", addr, size: requested, cache: c.name, gfp });
    return addr;
  }

  /**
   * kmalloc_fix_flags(), called by new_slab() and the large kmalloc path:
   * slab memory must have a logical address, so __GFP_HIGHMEM (and __GFP_DMA32)
   * are dropped with a warning instead of handing out a highmem frame.
   */
  private fixFlags(gfp: number, stack: CapturedStack | undefined): number {
    const invalid = gfp & GFP_SLAB_BUG_MASK;
    if (!invalid) return gfp;
    const k = this.#k, fixed = gfp & ~GFP_SLAB_BUG_MASK;
    const hex = (v: number) => (v ? `0x${v.toString(16)}` : "0");
    k.printk(`\x014Unexpected gfp: ${hex(invalid)} (${gfpNames(invalid)}). Fixing up to gfp: ${hex(fixed)} (${gfpNames(fixed)}). Fix your code!\n`);
    for (const l of k.dumpStackHeader(stack)) k.printk(`\x014${l}\n`);
    return fixed;
  }

  /** The slab object an address falls in, live or not. */
  objectAt(addr: number): ObjectInfo | undefined {
    const p = this.#k.profile;
    if (addr < p.pageOffset || addr >= p.highMemory) return undefined;
    const slab = this.slabByPfn.get(Math.floor((addr - p.pageOffset) / PAGE_SIZE));
    if (!slab) return undefined;
    const index = Math.min(Math.floor((addr - slab.base) / slab.cache.size), slab.cache.objsPerSlab - 1);
    return { cache: slab.cache, slab, index, start: slab.objAddr(index), state: slab.state[index] as ObjState, meta: slab.meta[index] };
  }

  largeAt(addr: number): LargeKmalloc | undefined {
    const p = this.#k.profile;
    if (addr < p.pageOffset || addr >= p.highMemory) return undefined;
    const pfn = Math.floor((addr - p.pageOffset) / PAGE_SIZE);
    const head = this.#k.pages.head(pfn);
    return this.large.get(head);
  }

  /** ksize(): the usable size of an allocation (0 when addr is not one). */
  ksize(addr: number): number {
    const o = this.objectAt(addr);
    if (o && o.start === addr && o.state === ObjState.Allocated) return o.cache.objectSize;
    const l = this.largeAt(addr);
    return l ? PAGE_SIZE << l.order : 0;
  }

  /** Size the caller asked for, for krealloc's copy. */
  requestedSize(addr: number): number {
    const o = this.objectAt(addr);
    if (o && o.start === addr && o.state === ObjState.Allocated) return o.meta!.requested;
    return this.largeAt(addr)?.size ?? 0;
  }

  /**
   * kfree(). Returns what was wrong, already reported, or undefined. The
   * caller (the API layer) decides nothing: every check lives here.
   */
  kfree(addr: number, stack?: CapturedStack): void {
    const k = this.#k;
    if (addr === 0 || addr === ZERO_SIZE_PTR) return;
    const o = this.objectAt(addr);
    if (o) {
      if (o.start !== addr || o.state !== ObjState.Allocated) {
        stack ??= k.stacks.capture();
        // check_slab_allocation(): a pointer that is not an object's start is an invalid free whatever the object's state.
        k.kasan.reportBadFree(addr, o.start !== addr ? "invalid-free" : "double-free", "kfree", stack);
        return;
      }
      this.free(o.slab, o.index, stack);
      return;
    }
    const l = this.largeAt(addr);
    if (l && k.pages.pageAddressOrZero(l.pfn) === addr) {
      this.large.delete(l.pfn);
      k.events.emit({ type: "kfree", addr, size: l.size, cache: `order-${l.order} pages` });
      k.pages.free(l.pfn, l.order, "kfree", stack ?? k.stacks.record());
      return;
    }
    stack ??= k.stacks.capture();
    k.kasan.reportBadFree(addr, l ? "invalid-free" : "mismatch-or-invalid", "kfree", stack);
  }

  /** kmem_cache_free() — also the tail of kfree for slab objects. */
  free(slab: Slab, i: number, stack?: CapturedStack): void {
    const k = this.#k;
    k.clock.advance(k.cost.slabFree);
    const start = slab.objAddr(i) - k.profile.pageOffset;
    const frames: number[] = [];
    for (let pa = Math.floor(start / PAGE_SIZE) * PAGE_SIZE; pa < start + slab.cache.objectSize; pa += PAGE_SIZE) frames.push(pa / PAGE_SIZE);
    k.mm.reportMappedFree(frames, `the ${slab.cache.name} object ${k.px(slab.objAddr(i))}`, "kfree()", stack);
    const meta = slab.meta[i]!;
    meta.free = k.pages.track(stack ?? k.stacks.record());
    slab.state[i] = ObjState.Quarantined;
    slab.inuse--;
    k.events.emit({ type: "kfree", addr: slab.objAddr(i), size: meta.requested, cache: slab.cache.name });
    this.quarantine.push({ slab, index: i });
    this.quarantineBytes += slab.cache.size;
    while (this.quarantineBytes > this.quarantineMax) this.evictOne();
  }

  private evictOne(): void {
    const q = this.quarantine[this.quarantineHead++];
    if (this.quarantineHead > 1024 && this.quarantineHead * 2 > this.quarantine.length) {
      this.quarantine.splice(0, this.quarantineHead);
      this.quarantineHead = 0;
    }
    this.quarantineBytes -= q.slab.cache.size;
    q.slab.state[q.index] = ObjState.Freed;
    q.slab.freelist.push(q.index);
    this.maybeDiscard(q.slab);
  }

  /** Let everything in quarantine (or one cache's share) go back to its slab. */
  drainQuarantine(only?: KmemCache): void {
    const keep: Array<{ slab: Slab; index: number }> = [];
    for (let i = this.quarantineHead; i < this.quarantine.length; i++) {
      const q = this.quarantine[i];
      if (only && q.slab.cache !== only) { keep.push(q); continue; }
      this.quarantineBytes -= q.slab.cache.size;
      q.slab.state[q.index] = ObjState.Freed;
      q.slab.freelist.push(q.index);
    }
    this.quarantine.length = 0;
    this.quarantine.push(...keep);
    this.quarantineHead = 0;
    for (const c of only ? [only] : this.caches) for (const s of [...c.slabs]) this.maybeDiscard(s);
  }

  /** kmem_cache_shrink() on every cache: empty the quarantine and give empty slabs back. */
  shrinkAll(): void {
    this.drainQuarantine();
    for (const c of this.caches) for (const s of [...c.slabs]) if (s.inuse === 0 && s.freelist.length === c.objsPerSlab) this.discard(s);
  }

  get quarantined(): number { return this.quarantine.length - this.quarantineHead; }

  private maybeDiscard(slab: Slab): void {
    const c = slab.cache;
    if (slab.inuse > 0 || slab.freelist.length !== c.objsPerSlab) return;
    const partial = c.slabs.filter((s) => s.freelist.length > 0).length;
    if (partial > c.minPartial || c.destroyed) this.discard(slab);
  }

  private discard(slab: Slab): void {
    const k = this.#k, c = slab.cache;
    c.slabs.splice(c.slabs.indexOf(slab), 1);
    for (let i = 0; i < 1 << c.order; i++) this.slabByPfn.delete(slab.pfn + i);
    k.memmap.clearFlag(slab.pfn, PG.slab);
    k.events.emit({ type: "slab_discard", cache: c.name, pfn: slab.pfn, order: c.order });
    k.pages.free(slab.pfn, c.order, "discard_slab", undefined);
  }

  /** krealloc(): grow or shrink, keeping the contents. */
  krealloc(addr: number, newSize: number, gfp: number = GFP_KERNEL, stack?: CapturedStack): number {
    if (addr === 0 || addr === ZERO_SIZE_PTR) return this.kmalloc(newSize, gfp, stack);
    if (newSize === 0) {
      this.kfree(addr, stack);
      return ZERO_SIZE_PTR;
    }
    const old = this.requestedSize(addr);
    if (old === 0) {
      this.kfree(addr, stack); // reports the bad pointer
      return 0;
    }
    const o = this.objectAt(addr);
    if (o && newSize <= o.cache.objectSize) {
      o.meta!.requested = newSize;
      return addr;
    }
    const n = this.kmalloc(newSize, gfp & ~__GFP_ZERO, stack);
    if (n === 0) return 0;
    const k = this.#k, off = k.profile.pageOffset;
    const bytes = new Uint8Array(Math.min(old, newSize));
    k.phys.read(addr - off, bytes);
    k.phys.write(n - off, bytes);
    if (gfp & __GFP_ZERO && newSize > old) k.phys.fill(n - off + old, 0, newSize - old);
    this.kfree(addr, stack);
    return n;
  }

  /** /proc/slabinfo (version 2.1), as mm/slab_common.c cache_show() writes it. */
  slabinfo(): string {
    let out = "slabinfo - version: 2.1\n";
    out += "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
    for (const c of [...this.caches].reverse()) {
      const slabs = c.slabs.length;
      out += `${c.name.padEnd(17)} ${String(c.activeObjs).padStart(6)} ${String(c.numObjs).padStart(6)} ${String(c.size).padStart(6)} ${String(c.objsPerSlab).padStart(4)} ${String(1 << c.order).padStart(4)}`;
      out += ` : tunables ${"0".padStart(4)} ${"0".padStart(4)} ${"0".padStart(4)}`;
      out += ` : slabdata ${String(slabs).padStart(6)} ${String(slabs).padStart(6)} ${"0".padStart(6)}\n`;
    }
    return out;
  }

}

function kmallocName(prefix: string, size: number): string {
  return `${prefix}-${size >= 1024 ? `${size / 1024}k` : size}`;
}
