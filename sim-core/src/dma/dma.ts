// The DMA layer: masks, coherent allocations, streaming mappings and
// scatterlists over three routes, and the device's side of every transfer.
//
//   direct   bus address = physical address (kernel/dma/direct.c); a buffer
//            beyond the device's mask is bounced through swiotlb.
//   iommu    bus addresses are IOVAs from a per-device domain; sg lists are
//            merged into as few DMA segments as the device allows.
//
// Every live mapping has an entry (debug.ts) whether or not the checker is
// on: the unmap needs it. The checker adds the "Mapped at" stack, the checks,
// cacheline tracking (DMA015) and the CPU ownership index behind DMA001.
//
// Non-coherent devices (dev.coherent === false) get the CPU cache model
// (cache.ts): map and sync_for_device write dirty lines back, unmap and
// sync_for_cpu for FROM_DEVICE/BIDIRECTIONAL invalidate, the device reads and
// writes RAM, and a missing sync shows as stale data (DMA025).
//
// DMA mask policy: dma_set_mask() fails with -EIO for a mask narrower than
// ZONE_DMA (24 bits: nothing could be allocated for it, as
// dma_direct_supported() decides) and for one wider than the device model's
// maxMaskBits (the device, or the bus it sits on, cannot drive those address
// lines: the simulator knows what the hardware is, so it refuses instead of
// letting the device truncate addresses). A refused mask leaves the old one in
// place; mapping afterwards is DMA018 ("result ignored").

import { Ownership } from "./ownership";
import type { Kernel } from "../kernel";
import type { Device } from "../dev/device";
import { KernelOops } from "../kernel/report";
import type { CapturedStack, StackToken, StackTracker } from "../kernel/stack";
import { allocationOf, fixAt, type FixSite } from "../kernel/fixsite";
import { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_ZERO } from "../mm/gfp";
import { Owner } from "../mm/memmap";
import { PAGE_SIZE } from "../util/addr";
import type { Ref } from "../util/ref";
import { CpuCache, InitShadow, L1_CACHE_BYTES } from "./cache";
import {
  DmaDebug, DmaEntry, R_CACHELINE, R_CPU_ACCESS, R_MAP_ERR, R_STALE_CPU, R_STALE_DEV, R_UNINIT, TYPE_NAMES, devPrefix, dirName, hexDma, validDirection,
  type EntryType, type SgGroup,
} from "./debug";
import { FrameBags } from "./frame-bags";
import { IommuDomain } from "./iommu";
import { DmaPools } from "./pool";
import { Scatterlist, sgEntries, sgHead } from "./scatterlist";
import { Swiotlb } from "./swiotlb";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_MAPPING_ERROR, DMA_TO_DEVICE, type DeviceDma, type DmaDirection } from "./types";

const EIO = 5;
const ZONE_DMA_MASK = (1n << 24n) - 1n;
const ZONE_DMA32_MASK = (1n << 32n) - 1n;

/**
 * A multimap of entries that allocates nothing in the common case of one
 * entry per key (live mappings by device address; the page and cache-line
 * indexes are FrameBags).
 */
export class Bags<K> {
  private readonly m = new Map<K, DmaEntry | DmaEntry[]>();
  get size(): number { return this.m.size; }
  /** Adds e; returns another entry already there, if any. */
  add(k: K, e: DmaEntry): DmaEntry | undefined {
    const b = this.m.get(k);
    if (b === undefined) { this.m.set(k, e); return undefined; }
    if (Array.isArray(b)) { const o = b[0]; b.push(e); return o; }
    this.m.set(k, [b, e]);
    return b;
  }
  del(k: K, e: DmaEntry): void {
    const b = this.m.get(k);
    if (b === undefined) return;
    if (!Array.isArray(b)) { if (b === e) this.m.delete(k); return; }
    const i = b.indexOf(e);
    if (i >= 0) b.splice(i, 1);
    if (b.length === 1) this.m.set(k, b[0]);
    else if (!b.length) this.m.delete(k);
  }
  get(k: K): readonly DmaEntry[] | undefined {
    const b = this.m.get(k);
    return b === undefined ? undefined : Array.isArray(b) ? b : [b];
  }
  has(k: K): boolean { return this.m.has(k); }
  clear(): void { this.m.clear(); }
}

/** dma-debug's families: dma_map_single and dma_map_page mappings may be released by either unmap. */
function fam(t: EntryType): EntryType {
  return t === "page" ? "single" : t;
}

/** DMA_BIT_MASK(n). */
export function dmaBitMask(n: number): bigint {
  return n >= 64 ? (1n << 64n) - 1n : (1n << BigInt(Math.max(0, n))) - 1n;
}

/** Where BUG_ON(!valid_dma_direction(dir)) sits, per entry point (kernel/dma/mapping.c, 6.12). */
const BUG_LINES: Record<string, number> = {
  dma_map_single: 158, dma_map_page: 158, dma_unmap_single: 179, dma_unmap_page: 179, dma_map_sg: 193, dma_unmap_sg: 296,
  dma_sync_single_for_cpu: 344, dma_sync_single_for_device: 356, dma_sync_sg_for_cpu: 368, dma_sync_sg_for_device: 380,
};

/** Per-device DMA state. */
export class DevState {
  /** Live entries by device address. */
  readonly live = new Bags<number>();
  readonly all = new Set<DmaEntry>();
  readonly sg = new Map<Scatterlist, SgGroup>();
  readonly domain: IommuDomain | null;
  /** The last 256 unmapped device addresses, a ring (DMA003's "already unmapped"). */
  readonly unmapped = new Float64Array(256).fill(-1);
  unmappedAt = 0;
  /**
   * Beside each ring slot: the unmapped size and where it was unmapped (a second unmap, a DMAR fault, say
   * where). Parallel arrays, not an object per unmap: the checker's unmap path allocates nothing of its own.
   */
  readonly unmappedSize = new Float64Array(256);
  readonly unmappedStack: StackToken[] = new Array(256).fill(undefined);

  constructor(readonly dev: Device, private readonly stacks: StackTracker) {
    this.domain = dev.route === "iommu" ? new IommuDomain() : null;
  }

  /** The most recent unmap of a range covering bus address a. */
  lastUnmapOf(a: number): { addr: number; size: number; stack: CapturedStack | undefined } | undefined {
    for (let i = 1; i <= Math.min(256, this.unmappedAt); i++) {
      const j = (this.unmappedAt - i) & 255, addr = this.unmapped[j], size = this.unmappedSize[j];
      if (a >= addr && a < addr + Math.max(size, 1)) {
        const t = this.unmappedStack[j];
        if (typeof t === "number") this.unmappedStack[j] = this.stacks.stackOf(t);
        return { addr, size, stack: this.unmappedStack[j] as CapturedStack | undefined };
      }
    }
    return undefined;
  }
  maskFailed = false;
  /** Where the driver's failing dma_set_mask*() was called (the result it had to test). */
  maskFailedAt: CapturedStack | undefined;
  coherentMaskFailed = false;
  private maskSeen: bigint | null | undefined = undefined;
  private limitNum = 0;
  readonly once = new Set<string>();
  readonly faulted = new Set<string>();

  /** The streaming mask as a number (compared with addresses, never printed). */
  get limit(): number {
    const m = this.dev.dma_mask;
    if (m !== this.maskSeen) {
      this.maskSeen = m;
      this.limitNum = m === null ? 0 : Number(m);
    }
    return this.limitNum;
  }
}

export class Dma {
  readonly debug: DmaDebug;
  readonly swiotlb: Swiotlb;
  readonly cache: CpuCache;
  readonly pools: DmaPools;
  readonly shadow = new InitShadow();
  private readonly states = new Map<Device, DevState>();
  /** Live streaming entries by page frame: the CPU-side checks (DMA001) and the cache model look here. */
  readonly pageMaps = new FrameBags();
  /** DMA015: tracked cache lines of live non-TO_DEVICE mappings. */
  private readonly cachelines = new FrameBags();
  /** mm/access.ts calls the cpu* hooks only while this is set: something to check or a cache to model. */
  cpuHooked = false;
  private unsubscribe: (() => void) | null = null;
  private readonly listener = (e: import("../kernel/events").KernelEvent): void => this.onEvent(e);

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    this.debug = new DmaDebug(k);
    this.swiotlb = new Swiotlb(k);
    this.cache = new CpuCache(k);
    this.pools = new DmaPools(k);
  }

  // ------------------------------------------------------------ devices

  /** Sets up a device for DMA: its state, its view of memory (dev.dma), the swiotlb pool. */
  attach(dev: Device): DevState {
    let st = this.states.get(dev);
    if (st) return st;
    st = new DevState(dev, this.#k.stacks);
    this.states.set(dev, st);
    const s = st;
    const view: DeviceDma = {
      read: (busAddr, len) => this.deviceRead(s, busAddr, len),
      write: (busAddr, bytes) => this.deviceWrite(s, busAddr, bytes),
    };
    dev.dma = view;
    if (this.debug.enabled && this.debug.initTracking && !this.unsubscribe) this.unsubscribe = this.#k.events.on(this.listener);
    return st;
  }

  state(dev: Device): DevState {
    return this.states.get(dev) ?? this.attach(dev);
  }

  /** Live mappings and coherent buffers of a device. */
  liveCount(dev: Device): number {
    return this.states.get(dev)?.all.size ?? 0;
  }

  /**
   * Driver unbind or module unload (the PCI layer calls this): dma-debug's
   * bus notifier check, DMA020. The entries are forgotten afterwards; their
   * memory, swiotlb slots and IOVAs stay leaked, as in Linux.
   */
  releaseDevice(dev: Device): number {
    const st = this.states.get(dev);
    if (!st || st.all.size === 0) return 0;
    const count = st.all.size;
    const e = st.all.values().next().value as DmaEntry;
    if (this.debug.enabled) {
      this.debug.err("DMA020", dev, e,
        `device driver has pending DMA allocations while released from device [count=${count}]`,
        { count, dev_addr: hexDma(e.devAddr), size: e.size, map_dir: dirName(e.dir), map_fn: e.type },
        [`One of leaked entries details: [device address=${hexDma(e.devAddr)}] [size=${e.size} bytes] [mapped with ${dirName(e.dir)}] [mapped as ${TYPE_NAMES[e.type]}]`],
        this.#k.fixSites.currentRemove());
    }
    for (const x of [...st.all]) this.forget(st, x);
    st.sg.clear();
    return count;
  }

  // ------------------------------------------------------------ masks

  setMask(dev: Device, mask: bigint, coherent: boolean, streaming: boolean): number {
    const st = this.state(dev);
    const ok = mask >= ZONE_DMA_MASK && mask <= dmaBitMask(dev.maxMaskBits);
    if (streaming) st.maskFailed = !ok;
    if (coherent) st.coherentMaskFailed = !ok;
    if (!ok) { st.maskFailedAt = this.#k.stacks.record(); return -EIO; }
    dev.maskSetByDriver = true;
    if (streaming) dev.dma_mask = mask;
    if (coherent) dev.coherent_dma_mask = mask;
    return 0;
  }

  /**
   * DMA018's line to change: the dma_set_mask*() whose -EIO was ignored, or
   * (never called) the bound driver's probe(), which has no line to point at.
   */
  private maskFix(st: DevState, failed: boolean): FixSite | undefined {
    if (failed) return fixAt(st.maskFailedAt, (f) => `test what dma_set_mask_and_coherent() returns here in ${f.fn}() and fail (return it) instead of going on to map: the device cannot reach the memory it would be given`);
    const probe = (st.dev.driver as { probe?: unknown } | null)?.probe;
    const name = typeof probe === "function" && probe.name ? probe.name.replace(/^bound /, "") : undefined;
    return name ? Object.freeze({ fn: name, why: `${name}() never sets the DMA mask: call dma_set_mask_and_coherent(dev, DMA_BIT_MASK(${st.dev.maxMaskBits})) there before the first mapping, and fail the probe if it returns an error` }) : undefined;
  }

  /** WARN_ON_ONCE(!dev->dma_mask) and the ignored dma_set_mask() result: false when the map must fail. */
  private maskOk(st: DevState, fn: string): boolean {
    const dev = st.dev;
    if (dev.dma_mask === null) {
      if (!st.once.has("nomask")) {
        st.once.add("nomask");
        const k = this.#k, stack = k.stacks.capture();
        k.violation({
          rule: "DMA018",
          params: { fn: `${fn}()`, problem: "DMA without a DMA mask (dev->dma_mask is NULL): call dma_set_mask_and_coherent() at probe", mask: "none", bus_limit: "0" },
          report: [
            "------------[ cut here ]------------",
            `${devPrefix(dev)}: ${fn}() with no DMA mask set: the map fails with DMA_MAPPING_ERROR`,
            `WARNING: CPU: 0 PID: ${k.current.pid} at kernel/dma/mapping.c:155 dma_map_page_attrs+0x1c/0x2b0`,
            "Call Trace:", ...k.stacks.formatStack(stack),
            "---[ end trace 0000000000000000 ]---",
          ],
          stack,
          ...((f) => (f ? { fix: f } : {}))(this.maskFix(st, false)),
        });
      }
      return false;
    }
    if (st.maskFailed && !st.once.has("maskfail")) {
      st.once.add("maskfail");
      const k = this.#k, stack = k.stacks.capture();
      const mask = dev.dma_mask.toString(16);
      k.violation({
        rule: "DMA018",
        params: { fn: `${fn}()`, problem: "dma_set_mask() failed with -EIO and the driver maps DMA anyway", mask: `0x${mask}`, bus_limit: "0" },
        report: [
          `${devPrefix(dev)}: ${fn}() after dma_set_mask() failed with -EIO: "You must not use DMA on this device unless the dma_set_mask family of functions has returned success" (the mask in effect is still ${mask})`,
          "Call Trace:", ...k.stacks.formatStack(stack),
        ],
        stack,
        ...((f) => (f ? { fix: f } : {}))(this.maskFix(st, true)),
      });
    }
    return true;
  }

  /**
   * The PCI default mask is wider than the hardware and the driver never
   * narrowed it: the bus address handed to the device has bits it cannot
   * drive. Linux can't see this; the simulator knows the card's address lines.
   */
  private unreachable(st: DevState, bus: number, size: number, fn: string): void {
    const dev = st.dev;
    // An ignored -EIO was already reported as such (maskOk()): this is the same bug.
    if (dev.maskSetByDriver || st.once.has("unreachable") || st.once.has("maskfail")) return;
    const reach = dmaBitMask(dev.maxMaskBits);
    if (BigInt(bus + Math.max(size, 1) - 1) <= reach) return;
    st.once.add("unreachable");
    const k = this.#k, stack = k.stacks.capture();
    const mask = (dev.dma_mask ?? 0n).toString(16);
    // The driver may have called dma_set_mask*() and ignored its -EIO: say that, not "never called".
    const failed = st.maskFailed || st.coherentMaskFailed;
    const why = failed ? "dma_set_mask_and_coherent() failed with -EIO and the driver went on" : "dma_set_mask() was never called";
    const whyReport = failed ? "the driver's dma_set_mask_and_coherent() failed with -EIO and its result was ignored" : "the driver never called dma_set_mask_and_coherent()";
    k.violation({
      rule: "DMA018",
      params: {
        fn: `${fn}()`,
        problem: `the device drives only ${dev.maxMaskBits} address lines, but ${why}, so the PCI default 32-bit mask let ${fn}() hand it bus address ${hexDma(bus)}+${size}`,
        mask: `0x${mask}`, bus_limit: "0",
      },
      report: [
        `${devPrefix(dev)}: ${fn}() gave the device bus address ${hexDma(bus)}+${size}, beyond the ${dev.maxMaskBits}-bit reach of its hardware (mask ${mask} is the PCI default; ${whyReport})`,
        "Call Trace:", ...k.stacks.formatStack(stack),
      ],
      stack,
      ...((f) => (f ? { fix: f } : {}))(this.maskFix(st, failed)),
    });
  }

  private overflow(st: DevState, what: "DMA" | "swiotlb", addr: number, size: number, fn: string): void {
    const key = `overflow-${what}`;
    if (st.once.has(key)) return;
    st.once.add(key);
    const k = this.#k, dev = st.dev, stack = k.stacks.capture();
    const mask = (dev.dma_mask ?? 0n).toString(16);
    const line = `${devPrefix(dev)}: ${what} addr ${hexDma(addr)}+${size} overflow (mask ${mask}, bus limit 0).`;
    k.violation({
      rule: "DMA018",
      params: { fn: `${fn}()`, problem: what === "DMA" ? `buffer at ${hexDma(addr)}+${size} is beyond the DMA mask and swiotlb is not available to bounce it` : `the swiotlb pool at ${hexDma(addr)} is itself beyond the DMA mask`, mask: `0x${mask}`, bus_limit: "0" },
      report: [
        "------------[ cut here ]------------", line,
        `WARNING: CPU: 0 PID: ${k.current.pid} at kernel/dma/direct.h:105 dma_direct_map_page+0x1f4/0x220`,
        "Call Trace:", ...k.stacks.formatStack(stack), "---[ end trace 0000000000000000 ]---",
      ],
      stack,
    });
  }

  // ------------------------------------------------------------ shared helpers

  /** BUG_ON(!valid_dma_direction(dir)): an oops that ends the driver's call. */
  checkDirection(dir: unknown, fn: string): void {
    if (validDirection(dir)) return;
    const k = this.#k, stack = k.stacks.capture();
    const headline = `kernel BUG at kernel/dma/mapping.c:${BUG_LINES[fn] ?? 158}!`;
    const report = [
      "------------[ cut here ]------------", headline,
      `Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN${k.profile.arch === "x86_64" ? " NOPTI" : ""}`,
      ...k.dumpStackHeader(stack),
      `(${fn}() was given direction ${dirName(Number(dir))}: valid are DMA_BIDIRECTIONAL, DMA_TO_DEVICE and DMA_FROM_DEVICE)`,
      "---[ end trace 0000000000000000 ]---",
    ];
    const f = k.violation({ rule: "DMA017", params: { dir: typeof dir === "number" ? dirName(dir) : String(dir), fn: `${fn}()` }, report, stack });
    throw new KernelOops(headline, 0, report, f.location, "DMA017");
  }

  private register(st: DevState, e: DmaEntry): void {
    st.live.add(e.devAddr, e);
    st.all.add(e);
    if (e.type === "coherent") {
      if (this.debug.enabled) this.trackCachelines(e);
      return;
    }
    if (this.debug.enabled || e.cached) {
      for (let p = Math.floor(e.paddr / PAGE_SIZE), last = Math.floor((e.paddr + Math.max(e.size, 1) - 1) / PAGE_SIZE); p <= last; p++) {
        this.pageMaps.add(p, e);
      }
      this.cpuHooked = true;
    }
    if (this.debug.enabled && e.dir !== DMA_TO_DEVICE) this.trackCachelines(e);
  }

  /** DMA015: dma-debug's active cacheline tracking, on the first line of each mapping (to_cacheline_number()). */
  private trackCachelines(e: DmaEntry): void {
    this.trackLine(Math.floor(e.paddr / L1_CACHE_BYTES), e);
  }

  private trackLine(ln: number, e: DmaEntry): void {
    if (this.cachelines.add(ln, e) === undefined) return;
    let other: DmaEntry | undefined;
    for (const o of this.cachelines.get(ln)!) if (o !== e && (o.group === null || o.group !== e.group)) { other = o; break; }
    if (other && !(e.reported & R_CACHELINE)) {
      e.reported |= R_CACHELINE;
      this.debug.err("DMA015", e.dev, e, "cacheline tracking EEXIST, overlapping mappings aren't supported",
        { cacheline: `0x${ln.toString(16)}`, dev_addr: hexDma(e.devAddr), other_dev_addr: hexDma(other.devAddr) },
        [`(cacheline 0x${ln.toString(16)} is also in the live ${dirName(other.dir)} mapping at device address ${hexDma(other.devAddr)})`],
        // The map shows it; the buffer had to be allocated on cache lines of its own.
        () => fixAt(e.type === "coherent" ? e.stack : allocationOf(this.#k, e.paddr), (f) => `the buffer ${f.fn}() allocates here shares cache line 0x${ln.toString(16)} with another live mapping: give each DMA buffer whole cache lines of its own (a size and alignment of at least dma_get_cache_alignment(), or one larger buffer mapped once)`));
    }
  }

  private untrackLine(ln: number, e: DmaEntry): void {
    this.cachelines.del(ln, e);
  }

  private unregister(st: DevState, e: DmaEntry): void {
    st.live.del(e.devAddr, e);
    st.all.delete(e);
    if (this.debug.enabled) {
      const slot = st.unmappedAt++ & 255;
      st.unmapped[slot] = e.devAddr;
      st.unmappedSize[slot] = e.size;
      st.unmappedStack[slot] = this.debug.recordStacks ? this.#k.stacks.recordToken() : undefined;
    }
    if (e.type !== "coherent") {
      for (let p = Math.floor(e.paddr / PAGE_SIZE), last = Math.floor((e.paddr + Math.max(e.size, 1) - 1) / PAGE_SIZE); p <= last; p++) {
        this.pageMaps.del(p, e);
      }
      if (e.cached) this.evictLines(e);
    }
    if (this.cachelines.size) this.untrackLine(Math.floor(e.paddr / L1_CACHE_BYTES), e);
    this.rehook();
  }

  /** Drops an entry without undoing the mapping (releaseDevice()). */
  private forget(st: DevState, e: DmaEntry): void {
    this.unregister(st, e);
  }

  rehook(): void {
    this.cpuHooked = this.pageMaps.size > 0 || this.shadow.size > 0;
  }

  /** Lines of a cached entry that no other cached entry covers: written back and dropped. */
  private evictLines(e: DmaEntry): void {
    if (!this.cache.lines.size) return;
    for (let ln = Math.floor(e.paddr / L1_CACHE_BYTES), last = Math.floor((e.paddr + e.size - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      if (!this.cache.lines.has(ln)) continue;
      if (!this.lineCacheable(this.pageMaps.get(Math.floor((ln * L1_CACHE_BYTES) / PAGE_SIZE)), ln * L1_CACHE_BYTES)) this.cache.evict(ln);
    }
  }

  private lineCacheable(list: readonly DmaEntry[] | undefined, ls: number): boolean {
    if (!list) return false;
    for (const e of list) if (e.cached && e.paddr < ls + L1_CACHE_BYTES && e.paddr + e.size > ls) return true;
    return false;
  }

  /** The live entry at exactly this device address, preferring the given family. */
  private exact(st: DevState, addr: number, type: EntryType | null): DmaEntry | undefined {
    const list = st.live.get(addr);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    return (type && list.find((e) => fam(e.type) === fam(type))) || list[0];
  }

  /** The live entry containing a device address. */
  private containing(st: DevState, addr: number): DmaEntry | undefined {
    const e = this.exact(st, addr, null);
    if (e) return e;
    for (const x of st.all) if (addr >= x.devAddr && addr < x.devAddr + x.size) return x;
    return undefined;
  }

  private entry(st: DevState, type: EntryType, devAddr: number, size: number, dir: DmaDirection, paddr: number, cpuAddr: number, bounce: boolean, iovaPfn: number, group: SgGroup | null, order = 0): DmaEntry {
    const stacks = this.#k.stacks;
    return new DmaEntry(st.dev, type, devAddr, size, dir, paddr, cpuAddr, bounce, iovaPfn, group, order,
      !st.dev.coherent && !bounce && type !== "coherent", new Ownership(size, type !== "coherent"),
      this.debug.enabled && this.debug.recordStacks ? stacks.recordToken() : undefined, stacks);
  }

  // ------------------------------------------------------------ streaming: single and page

  /** Maps a physical range for a device: the bus address, or DMA_MAPPING_ERROR. */
  mapPhys(dev: Device, type: "single" | "page", pa: number, cpuAddr: number, size: number, dir: DmaDirection, fn: string): number {
    const st = this.state(dev);
    if (!this.maskOk(st, fn)) return DMA_MAPPING_ERROR;
    const k = this.#k;
    k.clock.advance(k.cost.pageAlloc);
    let bus: number, bounce = false, iovaPfn = -1;
    if (st.domain) {
      iovaPfn = this.iovaAlloc(st, Math.ceil(((pa % PAGE_SIZE) + Math.max(size, 1)) / PAGE_SIZE));
      if (iovaPfn < 0) return DMA_MAPPING_ERROR;
      st.domain.map(iovaPfn, pa, size);
      bus = iovaPfn * PAGE_SIZE + (pa % PAGE_SIZE);
    } else if (!this.swiotlb.force && pa + size - 1 <= st.limit) {
      bus = pa;
    } else {
      const tlb = this.bounceMap(st, pa, size, fn);
      if (tlb < 0) return DMA_MAPPING_ERROR;
      bus = tlb;
      bounce = true;
    }
    this.unreachable(st, bus, size, fn);
    const e = this.entry(st, type, bus, size, dir, pa, cpuAddr, bounce, iovaPfn, null);
    if (e.cached) this.cache.clean(pa, size); // arch_sync_dma_for_device()
    this.register(st, e);
    this.emit({ type: "dma_map", dev: dev.name, kind: type, busAddr: bus, phys: pa, size, dir: dirName(dir) });
    return bus;
  }

  private iovaAlloc(st: DevState, pages: number): number {
    const limit = st.limit + 1;
    const pfn = st.domain!.alloc(pages, limit);
    if (pfn < 0) this.#k.printk(`\x014${devPrefix(st.dev)}: IOVA space exhausted (${pages} pages below ${hexDma(limit)})\n`);
    return pfn;
  }

  private bounceMap(st: DevState, pa: number, size: number, fn: string): number {
    const t = this.swiotlb;
    t.init();
    if (!t.ready || t.nslabs === 0) {
      this.overflow(st, "DMA", pa, size, fn);
      return -1;
    }
    if (t.end - 1 > st.limit) {
      this.overflow(st, "swiotlb", t.end - PAGE_SIZE, size, fn);
      return -1;
    }
    const tlb = t.map(pa, size);
    if (tlb >= 0) return tlb;
    const k = this.#k, dev = st.dev, stack = k.stacks.capture();
    const line = `${devPrefix(dev)}: swiotlb buffer is full (sz: ${size} bytes), total ${t.nslabs} (slots), used ${t.usedSlots} (slots)`;
    k.violation({
      rule: "DMA019",
      params: { size, total_slots: t.nslabs, used_slots: t.usedSlots },
      report: [line, "Call Trace:", ...k.stacks.formatStack(stack)],
      stack,
    });
    return -1;
  }

  /** dma_unmap_single()/dma_unmap_page(). */
  unmapSingle(dev: Device, type: "single" | "page", addr: number, size: number, dir: DmaDirection): void {
    const st = this.state(dev);
    const e = this.exact(st, addr, type);
    if (this.debug.enabled) this.checkUnmap(st, e, type, addr, size, dir, 0, 0);
    // check_unmap() deletes the entry it reported on: a coherent buffer "unmapped" this way is forgotten by
    // dma-debug and never freed (a later dma_free_coherent() is then a free of memory it has not allocated).
    if (e?.type === "coherent" && this.debug.enabled) this.unregister(st, e);
    if (!e || e.type === "coherent" || e.type === "sg") return;
    this.release(st, e, dir, Math.min(size, e.size), true);
    if (e.iovaPfn >= 0) st.domain?.free(e.iovaPfn);
    this.emit({ type: "dma_unmap", dev: dev.name, kind: type, busAddr: addr, size, dir: dirName(dir) });
  }

  /** Undoes one streaming entry: the final sync for the CPU (per the unmap's direction), then the bookkeeping. */
  private release(st: DevState, e: DmaEntry, dir: DmaDirection, size: number, copyBack: boolean): void {
    if (e.bounce) this.swiotlb.unmap(e.devAddr, size, dir, copyBack);
    else if (e.cached && copyBack && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) this.cache.invalidate(e.paddr, e.size);
    this.unregister(st, e);
  }

  /** check_unmap(), in dma-debug's order. */
  private checkUnmap(st: DevState, e: DmaEntry | undefined, type: EntryType, addr: number, size: number, dir: DmaDirection, cpuAddr: number, sgEnts: number): void {
    const d = this.debug, dev = st.dev;
    if (!e) {
      const state = addr === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : st.unmapped.includes(addr) ? "already unmapped" : "never mapped";
      const text = addr === DMA_MAPPING_ERROR
        ? "device driver tries to free an invalid DMA memory address"
        : `device driver tries to free DMA memory it has not allocated [device address=${hexDma(addr)}] [size=${size} bytes]`;
      const first = state === "already unmapped" ? st.lastUnmapOf(addr) : undefined;
      const k = this.#k, firstAt = first?.stack?.top;
      d.err("DMA003", dev, null, text, { dev_addr: hexDma(addr), size, state },
        first?.stack ? ["The mapping was already unmapped at:", ...k.stacks.formatStack(first.stack)] : [],
        // The second release is the line to change; the first is where the handle stopped being valid.
        firstAt && ((s) => fixAt(s, (f) => `${f.fn}() releases ${hexDma(addr)} a second time: it was already released at ${k.stacks.formatFrame(firstAt)}; release it once (clear the handle after the first, or drop one of the two)`)));
      return;
    }
    if (e.type === "coherent" && type === "coherent") {
      if (e.size !== size || e.cpuAddr !== cpuAddr) {
        const text = e.cpuAddr !== cpuAddr
          ? `device driver frees DMA memory with different CPU address [device address=${hexDma(addr)}] [size=${size} bytes] [cpu alloc address=${hexDma(e.cpuAddr)}] [cpu free address=${hexDma(cpuAddr)}]`
          : `device driver frees DMA memory with different size [device address=${hexDma(addr)}] [map size=${e.size} bytes] [unmap size=${size} bytes]`;
        d.err("DMA007", dev, e, text, { dev_addr: hexDma(addr), alloc_cpu_addr: hexDma(e.cpuAddr), free_cpu_addr: hexDma(cpuAddr), map_size: e.size, unmap_size: size });
      }
      return;
    }
    if (e.size !== size && fam(e.type) === fam(type)) {
      d.err("DMA004", dev, e, `device driver frees DMA memory with different size [device address=${hexDma(addr)}] [map size=${e.size} bytes] [unmap size=${size} bytes]`,
        { dev_addr: hexDma(addr), map_size: e.size, unmap_size: size });
    }
    if (fam(e.type) !== fam(type)) {
      d.err("DMA006", dev, e, `device driver frees DMA memory with wrong function [device address=${hexDma(addr)}] [size=${size} bytes] [mapped as ${TYPE_NAMES[e.type]}] [unmapped as ${TYPE_NAMES[type]}]`,
        { dev_addr: hexDma(addr), size, map_fn: e.type, unmap_fn: type });
      return;
    }
    if (sgEnts && e.group && sgEnts !== e.group.nents) {
      d.err("DMA008", dev, e, `device driver frees DMA sg list with different entry count [map count=${e.group.nents}] [unmap count=${sgEnts}]`,
        { map_nents: e.group.nents, unmap_nents: sgEnts, mapped_nents: e.group.mapped },
        sgEnts === e.group.mapped ? [`(${sgEnts} is the count dma_map_sg() returned: dma_unmap_sg() takes the nents passed to dma_map_sg())`] : []);
    }
    if (e.dir !== dir) {
      d.err("DMA005", dev, e, `device driver frees DMA memory with different direction [device address=${hexDma(addr)}] [size=${size} bytes] [mapped with ${dirName(e.dir)}] [unmapped with ${dirName(dir)}]`,
        { dev_addr: hexDma(addr), size, map_dir: dirName(e.dir), unmap_dir: dirName(dir) });
    }
    this.checkMapErr(e, size);
  }

  private checkMapErr(e: DmaEntry, size: number): void {
    if (e.mapErrChecked || (e.type !== "single" && e.type !== "page") || e.reported & R_MAP_ERR) return;
    e.reported |= R_MAP_ERR;
    const mapFn = e.type === "page" ? "dma_map_page" : "dma_map_single";
    this.debug.err("DMA002", e.dev, e, `device driver failed to check map error[device address=${hexDma(e.devAddr)}] [size=${size} bytes] [mapped as ${TYPE_NAMES[e.type]}]`,
      { dev_addr: hexDma(e.devAddr), size, map_fn: e.type },
      // dma-debug reports at the unmap; the check belongs right after the map, before the handle is given to the device.
      [], () => fixAt(e.stack, (f) => `the handle ${mapFn}() returns here is used without dma_mapping_error(): test it right after this line and take the error path (return -ENOMEM) when it fails`));
  }

  /** dma_mapping_error(): -ENOMEM for DMA_MAPPING_ERROR, else 0; marks the handle checked. */
  mappingError(dev: Device, addr: number): number {
    const list = this.states.get(dev)?.live.get(addr);
    if (list) for (const e of list) e.mapErrChecked = true;
    return addr === DMA_MAPPING_ERROR ? -12 : 0;
  }

  // ------------------------------------------------------------ sync

  syncSingle(dev: Device, addr: number, size: number, dir: DmaDirection, forCpu: boolean, fn: string, call = fn): void {
    const st = this.state(dev);
    const e = this.containing(st, addr);
    if (this.debug.enabled) {
      if (!e) {
        this.debug.err("DMA009", dev, null, `device driver tries to sync DMA memory it has not allocated [device address=${hexDma(addr)}] [size=${size} bytes]`, { dev_addr: hexDma(addr), size });
      } else {
        this.checkSync(e, addr, size, dir, forCpu, fn, 0);
        this.checkMapErr(e, e.size);
      }
    }
    if (!e || e.type === "coherent") return;
    const off = addr - e.devAddr, n = Math.max(0, Math.min(size, e.size - off));
    this.syncEntry(e, off, n, dir, forCpu);
    this.noteSync(e, call, off, n, forCpu);
    this.emit({ type: "dma_sync", dev: dev.name, busAddr: addr, size, dir: dirName(dir), forCpu });
  }

  private noteSync(e: DmaEntry, fn: string, off: number, n: number, forCpu: boolean): void {
    if (!this.debug.enabled) return;
    e.noteSync(fn, off, n, forCpu, this.debug.recordStacks ? this.#k.stacks.recordToken() : undefined);
  }

  private syncEntry(e: DmaEntry, off: number, n: number, dir: DmaDirection, forCpu: boolean): void {
    if (e.bounce) {
      if (forCpu) this.swiotlb.syncForCpu(e.devAddr + off, n, dir);
      else this.swiotlb.syncForDevice(e.devAddr + off, n, dir);
    } else if (e.cached) {
      if (!forCpu) this.cache.clean(e.paddr + off, n);
      else if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) this.cache.invalidate(e.paddr + off, n);
    }
    e.owner.set(off, off + n, !forCpu);
  }

  /** check_sync(): range, direction, and the data-flow checks, exactly where dma-debug makes them. */
  private checkSync(e: DmaEntry, addr: number, size: number, dir: DmaDirection, forCpu: boolean, fn: string, sgEnts: number): void {
    const d = this.debug, dev = e.dev;
    const end = addr - e.devAddr + size;
    if (!e.group && end > e.size) {
      d.err("DMA010", dev, e, `device driver syncs DMA memory outside allocated range [device address=${hexDma(e.devAddr)}] [allocation size=${e.size} bytes] [sync offset+size=${end}]`,
        { dev_addr: hexDma(e.devAddr), map_size: e.size, sync_end: end });
    }
    if (e.dir === DMA_BIDIRECTIONAL) return this.checkSgCount(e, sgEnts);
    if (dir === e.dir && (forCpu ? e.dir === DMA_FROM_DEVICE || dir === DMA_TO_DEVICE : e.dir === DMA_TO_DEVICE || dir === DMA_FROM_DEVICE)) return this.checkSgCount(e, sgEnts);
    const size_ = e.group ? e.group.entries.reduce((s, x) => s + x.size, 0) : e.size;
    if (dir !== e.dir) {
      d.err("DMA011", dev, e, `device driver syncs DMA memory with different direction [device address=${hexDma(e.devAddr)}] [size=${size_} bytes] [mapped with ${dirName(e.dir)}] [synced with ${dirName(dir)}]`,
        { dev_addr: hexDma(e.devAddr), size: size_, map_dir: dirName(e.dir), sync_dir: dirName(dir) });
    }
    const params = () => ({ sync_fn: fn, map_dir: dirName(e.dir), sync_dir: dirName(dir), dev_addr: hexDma(e.devAddr), size: size_ });
    if (forCpu && e.dir !== DMA_FROM_DEVICE && dir !== DMA_TO_DEVICE) {
      d.err("DMA012", dev, e, `device driver syncs device read-only DMA memory for cpu [device address=${hexDma(e.devAddr)}] [size=${size_} bytes] [mapped with ${dirName(e.dir)}] [synced with ${dirName(dir)}]`, params());
    }
    if (!forCpu && e.dir !== DMA_TO_DEVICE && dir !== DMA_FROM_DEVICE) {
      d.err("DMA012", dev, e, `device driver syncs device write-only DMA memory to device [device address=${hexDma(e.devAddr)}] [size=${size_} bytes] [mapped with ${dirName(e.dir)}] [synced with ${dirName(dir)}]`, params());
    }
    this.checkSgCount(e, sgEnts);
  }

  private checkSgCount(e: DmaEntry, sgEnts: number): void {
    if (!sgEnts || !e.group || sgEnts === e.group.nents) return;
    this.debug.err("DMA013", e.dev, e, `device driver syncs DMA sg list with different entry count [map count=${e.group.nents}] [sync count=${sgEnts}]`,
      { map_nents: e.group.nents, sync_nents: sgEnts });
  }

  // ------------------------------------------------------------ scatterlists

  /** dma_map_sg(): the number of DMA segments, 0 on failure. */
  mapSg(dev: Device, sgl: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection, fn: string, skipCpuSync = false): number {
    const st = this.state(dev);
    const list = sgEntries(sgl, nents);
    if (!this.maskOk(st, fn) || !list.length) return 0;
    for (const s of list) {
      if (s.virt !== null && this.badArea(dev, s.virt, s.length)) return 0;
      if (!s.page) throw new TypeError(`${fn}(): scatterlist entry ${s.index} has no page: set it with sg_set_page() or sg_set_buf()`);
    }
    const k = this.#k;
    k.clock.advance(k.cost.pageAlloc);
    const head = list[0];
    const bus: number[] = [], bounce: boolean[] = [];
    let iovaPfn = -1, count = 0;
    if (st.domain) {
      const spans = list.map((s) => Math.ceil(((s.offset % PAGE_SIZE) + s.length) / PAGE_SIZE));
      iovaPfn = this.iovaAlloc(st, spans.reduce((a, b) => a + b, 0));
      if (iovaPfn < 0) return 0;
      let at = iovaPfn;
      list.forEach((s, i) => {
        const pa = s.page!.pfn * PAGE_SIZE + s.offset;
        st.domain!.map(at, pa, s.length);
        bus.push(at * PAGE_SIZE + (pa % PAGE_SIZE));
        bounce.push(false);
        at += spans[i];
      });
      // __finalise_sg(): concatenate segments that continue page-aligned IOVA space.
      const maxLen = dev.dma_parms.max_segment_size, segMask = Number(dev.dma_parms.segment_boundary_mask & 0xffffffffffffn);
      for (const s of list) { s.dma_address = DMA_MAPPING_ERROR; s.dma_length = 0; }
      let cur = -1, curLen = 0;
      list.forEach((s, i) => {
        const sOff = (s.page!.pfn * PAGE_SIZE + s.offset) % PAGE_SIZE, sIovaLen = spans[i] * PAGE_SIZE;
        const dmaAddr = bus[i] - sOff;
        if (curLen && !sOff && dmaAddr % (segMask + 1) !== 0 && maxLen - curLen >= s.length) curLen += s.length;
        else {
          cur++;
          curLen = s.length;
          count++;
          list[cur].dma_address = dmaAddr + sOff;
        }
        list[cur].dma_length = curLen;
        if (s.length + sOff < sIovaLen) curLen = 0;
      });
    } else {
      for (let i = 0; i < list.length; i++) {
        const s = list[i], pa = s.page!.pfn * PAGE_SIZE + s.offset;
        if (!this.swiotlb.force && pa + s.length - 1 <= st.limit) { bus.push(pa); bounce.push(false); }
        else {
          const tlb = this.bounceMap(st, pa, s.length, fn);
          if (tlb < 0) {
            for (let j = 0; j < i; j++) if (bounce[j]) this.swiotlb.unmap(bus[j], list[j].length, dir, false);
            return 0;
          }
          bus.push(tlb);
          bounce.push(true);
        }
        s.dma_address = bus[i];
        s.dma_length = s.length;
      }
      count = list.length;
    }
    const group: SgGroup = { head, entries: [], nents, mapped: count, dir, iovaPfn, mapFn: fn };
    list.forEach((s, i) => {
      this.unreachable(st, bus[i], s.length, fn);
      const pa = s.page!.pfn * PAGE_SIZE + s.offset;
      const e = this.entry(st, "sg", bus[i], s.length, dir, pa, s.virt ?? 0, bounce[i], -1, group);
      group.entries.push(e);
      if (e.cached && !skipCpuSync) this.cache.clean(pa, s.length);
      this.register(st, e);
    });
    st.sg.set(head, group);
    if (this.debug.enabled) this.checkSgSegments(dev, list, count);
    this.emit({ type: "dma_map", dev: dev.name, kind: "sg", busAddr: head.dma_address, phys: head.page!.pfn * PAGE_SIZE + head.offset, size: list.reduce((a, s) => a + s.length, 0), dir: dirName(dir) });
    return count;
  }

  /** check_sg_segment() (CONFIG_DMA_API_DEBUG_SG). */
  private checkSgSegments(dev: Device, list: Scatterlist[], count: number): void {
    const maxSeg = dev.dma_parms.max_segment_size, boundary = dev.dma_parms.segment_boundary_mask;
    const hex = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
    list.forEach((s, i) => {
      if (s.length > maxSeg) {
        this.debug.err("DMA016", dev, null, `mapping sg segment longer than device claims to support [len=${s.length}] [max=${maxSeg}]`,
          { index: i, problem: "longer than the device's max segment size", start: hexDma(s.dma_address), len: s.length, max_seg: maxSeg, boundary: hex(boundary) });
      }
      if (i >= count || s.dma_length === 0) return;
      const start = BigInt(s.dma_address), end = start + BigInt(s.dma_length) - 1n;
      if ((start ^ end) & ~boundary & ((1n << 64n) - 1n)) {
        this.debug.err("DMA016", dev, null, `mapping sg segment across boundary [start=${hex(start)}] [end=${hex(end)}] [boundary=${hex(boundary)}]`,
          { index: i, problem: "crosses the device's segment boundary", start: hex(start), len: s.dma_length, max_seg: maxSeg, boundary: hex(boundary) });
      }
    });
  }

  unmapSg(dev: Device, sgl: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection, skipCpuSync = false): void {
    const st = this.state(dev);
    const head = sgHead(sgl);
    const g = st.sg.get(head);
    if (this.debug.enabled) {
      if (!g) {
        const other = this.exact(st, head.dma_address, null);
        this.checkUnmap(st, other, "sg", head.dma_address, head.dma_length, dir, 0, nents);
      } else this.checkUnmap(st, g.entries[0], "sg", g.entries[0].devAddr, g.entries[0].size, dir, 0, nents);
    }
    if (!g) return;
    // Only the first nents entries get their final sync: with the returned count the tail is never copied back.
    g.entries.forEach((e, i) => this.release(st, e, dir, e.size, i < nents && !skipCpuSync));
    if (g.iovaPfn >= 0) st.domain?.free(g.iovaPfn);
    st.sg.delete(head);
    this.emit({ type: "dma_unmap", dev: dev.name, kind: "sg", busAddr: head.dma_address, size: g.entries.reduce((a, e) => a + e.size, 0), dir: dirName(dir) });
  }

  syncSg(dev: Device, sgl: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection, forCpu: boolean, fn: string): void {
    const st = this.state(dev);
    const head = sgHead(sgl);
    const g = st.sg.get(head);
    if (this.debug.enabled) {
      if (!g) this.debug.err("DMA009", dev, null, `device driver tries to sync DMA memory it has not allocated [device address=${hexDma(head.dma_address)}] [size=${head.dma_length} bytes]`, { dev_addr: hexDma(head.dma_address), size: head.dma_length });
      else this.checkSync(g.entries[0], g.entries[0].devAddr, g.entries[0].size, dir, forCpu, fn, nents);
    }
    if (!g) return;
    g.entries.forEach((e, i) => {
      if (i < nents) this.syncEntry(e, 0, e.size, dir, forCpu);
      else e.owner.set(0, e.size, !forCpu);
      this.noteSync(e, fn, 0, e.size, forCpu);
    });
    this.emit({ type: "dma_sync", dev: dev.name, busAddr: head.dma_address, size: g.entries.reduce((a, e) => a + e.size, 0), dir: dirName(dir), forCpu });
  }

  // ------------------------------------------------------------ DMA014

  /** Memory dma_map_single() cannot map: reported, and the map fails (true). Kernel text is reported but mapped. */
  badArea(dev: Device, addr: number, len: number): boolean {
    const k = this.#k, p = k.profile;
    let area: string | null = null;
    if (k.vmalloc.isVmallocAddr(addr)) area = "vmalloc area";
    else if (p.arch === "i386" && ((addr >= p.pkmapBase && addr < p.pkmapBase + p.lastPkmap * PAGE_SIZE) || (addr >= k.highmem.fixmapAddr(p.kmapSlotsPerCpu * p.nrCpus - 1) && addr <= p.fixaddrTop))) area = "kmap address";
    else if (!(addr >= p.pageOffset && addr < p.highMemory && k.memmap.pfnValid(Math.floor((addr - p.pageOffset) / PAGE_SIZE)))) {
      const textStart = p.kernel.virtStart, textEnd = textStart + p.kernel.textSize + p.kernel.rodataSize;
      const inImage = p.arch === "x86_64" && addr >= p.kernel.virtStart - p.kernel.physStart && addr < p.kernel.virtStart + k.imageSize;
      if (addr < textEnd && addr + len > textStart) area = "kernel text or rodata";
      else if (!inImage) area = "invalid area";
    } else {
      const textStart = p.pageOffset + p.kernel.physStart, textEnd = textStart + p.kernel.textSize + p.kernel.rodataSize;
      if (p.arch === "i386" && addr < textEnd && addr + len > textStart) area = "kernel text or rodata";
    }
    if (area === null) return false;
    if (this.debug.enabled) {
      this.debug.err("DMA014", dev, null, `device driver maps memory from ${area} [addr=${k.px(addr)}] [len=${len}]`,
        { area, addr: `0x${k.px(addr)}`, size: len },
        area === "kernel text or rodata" ? [] : ["(the address is not in the kernel's linear map, so it has no struct page to DMA from: the mapping fails with DMA_MAPPING_ERROR)"],
        // A vmalloc buffer: the map shows it, the allocation is what to change.
        area === "vmalloc area" ? () => fixAt(k.vmalloc.find(addr)?.alloc.stack, (f) => `allocate the DMA buffer ${f.fn}() takes here with kmalloc() or alloc_pages() (physically contiguous, in the linear map), or map each page with dma_map_page() / an sg table`) : undefined);
    }
    return area !== "kernel text or rodata";
  }

  /** The physical address behind a linear-map (or x86_64 image) address. */
  linearPhys(addr: number): number {
    const p = this.#k.profile;
    if (addr >= p.pageOffset && addr < p.highMemory) return addr - p.pageOffset;
    return addr - (p.kernel.virtStart - p.kernel.physStart);
  }

  // ------------------------------------------------------------ coherent

  /** dma_alloc_coherent(): the CPU address (0 for NULL); the bus address goes through handle. */
  allocCoherent(dev: Device, size: number, handle: Ref<number>, gfp: number, stack: CapturedStack | undefined): number {
    const k = this.#k, st = this.state(dev);
    if (size <= 0) return 0;
    const order = Math.max(0, Math.ceil(Math.log2(Math.ceil(size / PAGE_SIZE))));
    const mask = dev.coherent_dma_mask, limit = Number(mask);
    let zone = 0;
    if (!st.domain) zone = mask <= ZONE_DMA_MASK ? __GFP_DMA : mask <= ZONE_DMA32_MASK ? __GFP_DMA32 : 0;
    const flags = (gfp & ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) | zone | __GFP_ZERO;
    let pfn = k.withModule(null, () => k.pages.alloc(flags, order, Owner.Pages, stack));
    if (pfn >= 0 && !st.domain && pfn * PAGE_SIZE + (PAGE_SIZE << order) - 1 > limit) {
      k.pages.free(pfn, order, "dma_free_coherent", stack);
      pfn = zone === __GFP_DMA ? -1 : k.withModule(null, () => k.pages.alloc((flags & ~__GFP_DMA32) | __GFP_DMA, order, Owner.Pages, stack));
    }
    if (pfn < 0) return 0;
    const pa = pfn * PAGE_SIZE;
    let bus = pa, iovaPfn = -1;
    if (st.domain) {
      iovaPfn = st.domain.alloc(1 << order, limit + 1);
      if (iovaPfn < 0) { k.pages.free(pfn, order, "dma_free_coherent", stack); return 0; }
      st.domain.map(iovaPfn, pa, PAGE_SIZE << order);
      bus = iovaPfn * PAGE_SIZE;
    }
    this.unreachable(st, bus, size, "dma_alloc_coherent");
    const cpu = k.profile.pageOffset + pa;
    this.shadow.markInit(pa, PAGE_SIZE << order);
    const e = this.entry(st, "coherent", bus, size, DMA_BIDIRECTIONAL, pa, cpu, false, iovaPfn, null, order);
    this.register(st, e);
    handle.value = bus;
    return cpu;
  }

  /** dma_free_coherent(). */
  freeCoherent(dev: Device, size: number, cpuAddr: number, handle: number, fn = "dma_free_coherent", checkContext = true): void {
    const k = this.#k, st = this.state(dev);
    if (checkContext && k.irqs.depth > 0) this.irqContext(dev, fn);
    const e = this.exact(st, handle, "coherent");
    if (this.debug.enabled) this.checkUnmap(st, e, "coherent", handle, size, DMA_BIDIRECTIONAL, cpuAddr, 0);
    if (!e || e.type !== "coherent") return;
    this.unregister(st, e);
    if (e.iovaPfn >= 0) st.domain?.free(e.iovaPfn);
    k.pages.free(Math.floor(e.paddr / PAGE_SIZE), e.order, "dma_free_coherent", undefined);
  }

  /** DMA023: WARN_ON(irqs_disabled()) in dma_free_attrs(); dma_pool_destroy()'s might_sleep(). */
  irqContext(dev: Device, fn: string): void {
    const k = this.#k, stack = k.stacks.capture();
    const head = fn === "dma_pool_destroy"
      ? [`BUG: sleeping function called from invalid context at mm/dmapool.c:278`, `in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: ${k.current.pid}, name: ${k.current.comm}`, "preempt_count: 10000, expected: 0"]
      : ["------------[ cut here ]------------", `WARNING: CPU: 0 PID: ${k.current.pid} at kernel/dma/mapping.c:704 dma_free_attrs+0x94/0xb0`];
    k.violation({
      rule: "DMA023",
      params: { fn: `${fn}()`, context: "interrupt context" },
      report: [...head, `(${devPrefix(dev)}: ${fn}() from an interrupt handler: defer it to process context, e.g. a work item)`, "Call Trace:", ...k.stacks.formatStack(stack)],
      stack,
    });
  }

  // ------------------------------------------------------------ the device's side

  /** Bus address to physical, through the IOMMU when there is one; -1 (after a DMAR fault report) when unmapped. */
  private busToPhys(st: DevState, bus: number, write: boolean): number {
    if (!st.domain) return bus;
    const pa = st.domain.translate(bus);
    if (pa >= 0) return pa;
    const key = `${Math.floor(bus / PAGE_SIZE)}:${write ? "w" : "r"}`;
    if (!st.faulted.has(key)) {
      st.faulted.add(key);
      const k = this.#k, dev = st.dev, stack = k.stacks.capture();
      const bdf = dev.name.replace(/^[0-9a-f]{4}:/i, "");
      const line = write
        ? `DMAR: [DMA Write NO_PASID] Request device [${bdf}] fault addr 0x${bus.toString(16)} [fault reason 0x05] PTE Write access is not set`
        : `DMAR: [DMA Read NO_PASID] Request device [${bdf}] fault addr 0x${bus.toString(16)} [fault reason 0x06] PTE Read access is not set`;
      k.violation({
        rule: "DMA024",
        params: { device: devPrefix(dev), access: write ? "write" : "read", dev_addr: hexDma(bus) },
        report: [
          "DMAR: DRHD: handling fault status reg 2", line,
          `(${devPrefix(dev)}: no live mapping covers bus address ${hexDma(bus)}: a stale or unchecked handle, or one the driver computed; the IOMMU blocked the access)`,
          "Call Trace:", ...k.stacks.formatStack(stack),
          ...((u) => u?.stack ? [`The mapping [device address=${hexDma(u.addr)}] [size=${u.size} bytes] that covered it was unmapped at:`, ...k.stacks.formatStack(u.stack)] : [])(st.lastUnmapOf(bus)),
        ],
        stack,
        // The fault is where the device got going; what to change is the unmap that came before the device was done.
        ...((f) => (f ? { fix: f } : {}))(fixAt(st.lastUnmapOf(bus)?.stack, (f) => `${f.fn}() unmaps ${hexDma(bus)} while the device still uses it: unmap only after the device has finished with the buffer (its completion interrupt, or after stopping it)`)),
      });
    }
    return -1;
  }

  deviceRead(st: DevState, bus: number, len: number): Uint8Array {
    const k = this.#k, out = new Uint8Array(len);
    k.clock.advance(len * k.cost.bytes);
    this.emit({ type: "dma_transfer", dev: st.dev.name, busAddr: bus, size: len, write: false });
    for (let off = 0; off < len;) {
      const b = bus + off, n = Math.min(len - off, PAGE_SIZE - (b % PAGE_SIZE));
      const pa = this.busToPhys(st, b, false);
      if (pa < 0) out.fill(0xff, off, off + n);
      else if (!k.isRamPhys(pa)) this.peer(pa, n, (r, o) => out.set(r.subarray(o, o + n), off), () => out.fill(0xff, off, off + n));
      else {
        k.phys.read(pa, out, off, n);
        if (this.cache.lines.size) this.deviceReadsCache(st, pa, n, b);
      }
      off += n;
    }
    if (this.debug.enabled && this.shadow.size) this.checkUninit(st, bus, len);
    return out;
  }

  deviceWrite(st: DevState, bus: number, bytes: Uint8Array): void {
    const k = this.#k, len = bytes.length;
    k.clock.advance(len * k.cost.bytes);
    this.emit({ type: "dma_transfer", dev: st.dev.name, busAddr: bus, size: len, write: true });
    for (let off = 0; off < len;) {
      const b = bus + off, n = Math.min(len - off, PAGE_SIZE - (b % PAGE_SIZE));
      const pa = this.busToPhys(st, b, true);
      if (pa >= 0 && !k.isRamPhys(pa)) this.peer(pa, n, (r, o) => r.set(bytes.subarray(off, off + n), o), () => undefined);
      else if (pa >= 0) {
        k.phys.write(pa, bytes, off, n);
        // A user page the device filled (direct I/O into pinned pages) is as dirty as one the CPU wrote.
        if (k.gup.grants.size) k.gup.noteWrite(Math.floor(pa / PAGE_SIZE));
        if (this.shadow.size) this.shadow.markInit(pa, n);
        if (this.cache.lines.size) {
          for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((pa + n - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
            const l = this.cache.lines.get(ln);
            if (l) l.stale = true;
          }
        }
      }
      off += n;
    }
  }

  /** Peer-to-peer: a bus address inside another device's memory; nothing else decodes (reads as all ones). */
  private peer(pa: number, n: number, hit: (bytes: Uint8Array, off: number) => void, miss: () => void): void {
    const r = this.#k.io.regionAt(pa);
    if (r && pa + n <= r.end) hit(r.bytes, pa - r.start);
    else miss();
  }

  /** DMA025, device side: the device reads RAM under a dirty CPU line. */
  private deviceReadsCache(st: DevState, pa: number, n: number, bus: number): void {
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((pa + n - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      const l = this.cache.lines.get(ln);
      if (!l || !l.dirty) continue;
      const ls = ln * L1_CACHE_BYTES, at = Math.max(ls, pa);
      const e = this.pageMaps.get(Math.floor(ls / PAGE_SIZE))?.find((x) => x.cached && x.paddr < ls + L1_CACHE_BYTES && x.paddr + x.size > ls);
      if (!e || e.reported & R_STALE_DEV) continue;
      e.reported |= R_STALE_DEV;
      const sync = e.type === "sg" ? "dma_sync_sg_for_device" : "dma_sync_single_for_device";
      const addr = this.kernelAddr(at), dev = st.dev, busAt = bus + (at - pa);
      this.debug.note("DMA025", dev, e, [
        `DMA-API: ${devPrefix(dev)}: device read stale data at ${addr} [device address=${hexDma(busAt)}]: ${sync}() was not called after the CPU wrote it`,
        `The CPU's write of cache line 0x${ln.toString(16)} is still in its (write-back) cache; the device, which does not snoop it, read the older bytes in memory.`,
        `Call ${sync}(dev, handle, size, ${dirName(e.dir)}) after the CPU writes the buffer and before the device reads it.`,
      ], { reader: "device", addr, dev_addr: hexDma(busAt), missing_sync: sync, writer: "CPU" }, undefined,
      (s) => this.deviceReadFix(e, s, sync));
    }
  }

  /**
   * DMA025 (device side)'s line to change. The device read when the driver
   * started it, maybe deep in a helper that programs the card; the hand-over
   * belongs where the CPU had the buffer: the function that took it back with
   * its last sync for the CPU, at its call that led to the device's start.
   * The call is named the way the driver syncs (a range sync gets the range it
   * took back).
   */
  private deviceReadFix(e: DmaEntry, s: CapturedStack | undefined, sync: string): FixSite | undefined {
    const ls = e.lastSync, dir = dirName(e.dir);
    const call = ls?.fn.startsWith("dma_sync_single_range_") ? `dma_sync_single_range_for_device(dev, handle, ${ls.off}, ${ls.n}, ${dir})`
      : ls?.fn.startsWith("dma_sync_single_") ? `dma_sync_single_for_device(dev, handle, size, ${dir})`
      : `${sync}(dev, handle, size, ${dir})`;
    const frames = s?.driverFrames ?? [];
    const took = ls?.forCpu ? ls.stack?.driverFrames ?? [] : [];
    const at = frames.find((f) => took.some((t) => t.fn === f.fn && t.file === f.file));
    if (at && at !== frames[0]) {
      return fixAt(at, (f) => `call ${call} before this line in ${f.fn}(): ${f.fn}() took the buffer back for the CPU and wrote it, and the device reads it from here on (in ${frames[0].fn}()) with the CPU's writes still in its cache`);
    }
    return fixAt(s, (f) => `call ${call} after the CPU's last write to the buffer and before the device is started: it read the buffer while ${f.fn}() was at this line, with the CPU's writes still in its cache`);
  }

  /** DMA022: bytes of TO_DEVICE/BIDIRECTIONAL mappings the device reads that were never written. */
  private checkUninit(st: DevState, bus: number, len: number): void {
    for (const e of st.all) {
      if (e.type === "coherent" || e.dir === DMA_FROM_DEVICE || e.reported & R_UNINIT) continue;
      const lo = Math.max(bus, e.devAddr), hi = Math.min(bus + len, e.devAddr + e.size);
      if (lo >= hi) continue;
      const { count, first } = this.shadow.count(e.paddr + (lo - e.devAddr), hi - lo);
      if (!count) continue;
      e.reported |= R_UNINIT;
      const addr = this.kernelAddr(first), dev = st.dev;
      this.debug.note("DMA022", dev, e, [
        `BUG: KMSAN: uninit-value in DMA read by ${devPrefix(dev)}`,
        `${count} of the ${hi - lo} bytes the device read at device address ${hexDma(lo)} (${dirName(e.dir)} mapping) were never written since they were allocated; the first is at ${addr}`,
        "Initialise the whole buffer before mapping it (kzalloc(), or memset() the padding).",
      ], { uninit: count, size: hi - lo, addr, dev_addr: hexDma(lo) }, undefined,
      () => fixAt(e.stack, (f) => `initialise the whole buffer before this map in ${f.fn}() (allocate it with kzalloc(), or memset() it): ${count} of the bytes the device reads were never written`));
    }
  }

  private kernelAddr(pa: number): string {
    const k = this.#k, pfn = Math.floor(pa / PAGE_SIZE);
    const va = k.highmem.pageAddress(pfn);
    return va ? `0x${k.px(va + (pa - pfn * PAGE_SIZE))}` : `phys 0x${pa.toString(16)}`;
  }

  // ------------------------------------------------------------ the CPU's side (mm/access.ts)

  private cpuAccessCheck(list: readonly DmaEntry[], pa: number, n: number, vaddr: number, write: boolean, stack: CapturedStack | undefined): void {
    if (!this.debug.enabled) return;
    for (const e of list) {
      if (e.reported & R_CPU_ACCESS || e.paddr >= pa + n || e.paddr + e.size <= pa) continue;
      const first = e.owner.firstDevice(Math.max(pa, e.paddr) - e.paddr, Math.min(pa + n, e.paddr + e.size) - e.paddr);
      if (first < 0) continue;
      e.reported |= R_CPU_ACCESS;
      const lo = e.paddr + first, at = vaddr + (lo - pa), k = this.#k;
      const single = e.type !== "sg";
      const mapFn = e.type === "sg" ? e.group?.mapFn ?? "dma_map_sg" : e.type === "page" ? "dma_map_page" : "dma_map_single";
      // A table mapped with dma_map_sgtable() is synced with the sgtable calls.
      const sg = mapFn === "dma_map_sgtable" ? "sgtable" : "sg";
      const toCpu = single ? "dma_sync_single_for_cpu" : `dma_sync_${sg}_for_cpu`, toDev = single ? "dma_sync_single_for_device" : `dma_sync_${sg}_for_device`;
      const access = write ? "write" : "read";
      const cpu = e.owner.cpuRanges();
      this.debug.note("DMA001", e.dev, e, [
        `DMA-API: ${devPrefix(e.dev)}: CPU ${access} of ${n} bytes at 0x${k.px(at)} while the device owns streaming DMA buffer [device address=${hexDma(e.devAddr)}] [mapped with ${dirName(e.dir)}]`,
        cpu.length
          // Part of the mapping was handed back: the driver syncs by range, and this access is outside what it took back.
          ? `The CPU owns only ${cpu.map(([a, b]) => `[${a}, ${b})`).join(", ")} of this ${e.size}-byte mapping; byte ${first} onwards of the access belongs to the device: take that range back with ${single ? "dma_sync_single_range_for_cpu()" : toCpu + "()"} first, or keep the access inside the range the CPU owns.`
          : `The buffer belongs to the device from ${mapFn}() or ${toDev}() until ${toCpu}() or the unmap: take it back with ${toCpu}() before touching it, and hand it over again with ${toDev}().`,
      ], { access, size: n, addr: `0x${k.px(at)}`, dev_addr: hexDma(e.devAddr), map_dir: dirName(e.dir) }, stack,
      (s) => this.cpuAccessFix(e, s, Math.max(pa, e.paddr) - e.paddr, Math.min(pa + n, e.paddr + e.size) - e.paddr, first, access, mapFn, toCpu, toDev));
    }
  }

  /**
   * DMA001's line to change. When the driver's latest sync of the mapping took
   * back a range that misses the bytes touched, that sync is the line (its
   * offset or size is wrong), given with the range it needs; else a sync
   * before the access, by the call the driver syncs this mapping with.
   */
  private cpuAccessFix(e: DmaEntry, s: CapturedStack | undefined, lo: number, hi: number, first: number, access: string, mapFn: string, toCpu: string, toDev: string): FixSite | undefined {
    const k = this.#k, ls = e.lastSync, dir = dirName(e.dir);
    // The driver's own style: dma_sync_single_*() on an sg entry, a range sync on a page…
    const style = ls ? ls.fn.replace(/_for_device$/, "_for_cpu") : undefined;
    const ranged = style === "dma_sync_single_range_for_cpu" || (!style && e.owner.cpuRanges().length > 0 && e.type !== "sg");
    const take = style ?? (ranged ? "dma_sync_single_range_for_cpu" : toCpu);
    // An sg entry the driver has not synced yet may be taken back alone, as RX rings of sg entries do.
    const call = ranged ? `${take}(dev, handle, ${lo}, ${hi - lo}, ${dir})`
      : !style && e.type === "sg" ? `${take}() (or, for this entry alone, dma_sync_single_for_cpu(dev, sg_dma_address(sg), sg_dma_len(sg), ${dir}))`
      : `${take}()`;
    const at = s?.top;
    if (ls?.forCpu && ls.stack?.top && (first < ls.off || first >= ls.off + ls.n)) {
      return fixAt(ls.stack, (f) => `this ${ls.fn}() in ${f.fn}() takes back bytes [${ls.off}, ${ls.off + ls.n}) of the ${e.size}-byte mapping, but the ${access}${at ? ` at ${k.stacks.formatFrame(at)}` : ""} touches [${lo}, ${hi}): sync those bytes instead, ${call}, or keep the ${access} inside the range taken back`);
    }
    return fixAt(s, (f) => {
      const mapAt = e.stack?.top;
      return `call ${call} for the bytes it ${access}s before this line in ${f.fn}() (or unmap first): the device owns the buffer from ${mapFn}()${mapAt ? ` at ${k.stacks.formatFrame(mapAt)}` : ""} or the last ${ls && !ls.forCpu ? `${ls.fn}()${ls.stack?.top ? ` at ${k.stacks.formatFrame(ls.stack.top)}` : ""}` : `${toDev}()`} until then`;
    });
  }

  private anyCached(list: readonly DmaEntry[]): boolean {
    for (const e of list) if (e.cached) return true;
    return false;
  }

  /** After k.phys.read() of a chunk within one page: ownership check and the cached lines' view. */
  cpuRead(pa: number, out: Uint8Array, off: number, n: number, vaddr: number, stack: CapturedStack | undefined): void {
    const list = this.pageMaps.get(Math.floor(pa / PAGE_SIZE));
    if (!list) return;
    this.cpuAccessCheck(list, pa, n, vaddr, false, stack);
    if (!this.anyCached(list)) return;
    const end = pa + n;
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((end - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      const ls = ln * L1_CACHE_BYTES;
      if (!this.lineCacheable(list, ls)) continue;
      const l = this.cache.fill(ln);
      const lo = Math.max(ls, pa), hi = Math.min(ls + L1_CACHE_BYTES, end);
      out.set(l.data.subarray(lo - ls, hi - ls), off + (lo - pa));
      if (l.stale) this.staleCpuRead(list, ls, lo, vaddr + (lo - pa), stack);
    }
  }

  /** DMA025, CPU side: only while the CPU owns the buffer (if the device owns it, DMA001 has said it). */
  private staleCpuRead(list: readonly DmaEntry[], ls: number, lo: number, va: number, stack: CapturedStack | undefined): void {
    const e = list.find((x) => x.cached && x.paddr < ls + L1_CACHE_BYTES && x.paddr + x.size > ls);
    if (!e || e.owner.anyDevice(Math.max(ls, e.paddr) - e.paddr, Math.min(ls + L1_CACHE_BYTES, e.paddr + e.size) - e.paddr) || e.reported & R_STALE_CPU) return;
    e.reported |= R_STALE_CPU;
    const k = this.#k, sync = e.type === "sg" ? "dma_sync_sg_for_cpu" : "dma_sync_single_for_cpu";
    const busAt = e.devAddr + Math.max(0, lo - e.paddr);
    this.debug.note("DMA025", e.dev, e, [
      `DMA-API: ${devPrefix(e.dev)}: CPU read stale data at 0x${k.px(va)} [device address=${hexDma(busAt)}]: ${sync}() was not called after the device wrote it`,
      `Cache line 0x${(ls / L1_CACHE_BYTES).toString(16)} was filled before the device wrote memory underneath it; without ${sync}() to invalidate it, the CPU keeps reading the old bytes.`,
      `Call ${sync}(dev, handle, size, ${dirName(e.dir)}) after the device's write and before the CPU reads the buffer (and hand it back with the _for_device sync before the device writes it again).`,
    ], { reader: "CPU", addr: `0x${k.px(va)}`, dev_addr: hexDma(busAt), missing_sync: sync, writer: "device" }, stack,
    (s) => fixAt(s, (f) => {
      // Named the way the driver syncs this mapping: a range sync gets the bytes read.
      const lo = Math.max(ls, e.paddr) - e.paddr, ranged = e.lastSync?.fn.startsWith("dma_sync_single_range_");
      const call = ranged ? `dma_sync_single_range_for_cpu(dev, handle, ${lo}, ${Math.min(ls + L1_CACHE_BYTES, e.paddr + e.size) - e.paddr - lo}, ${dirName(e.dir)})` : `${sync}(dev, handle, size, ${dirName(e.dir)})`;
      return `call ${call} before this line in ${f.fn}(): the device wrote the buffer after the CPU last cached it, so this read sees the old bytes`;
    }));
  }

  /** Instead of k.phys.write() of a chunk within one page. */
  cpuWrite(pa: number, src: Uint8Array, off: number, n: number, vaddr: number, stack: CapturedStack | undefined): void {
    if (this.shadow.size) this.shadow.markInit(pa, n);
    const list = this.pageMaps.get(Math.floor(pa / PAGE_SIZE));
    if (!list) { this.#k.phys.write(pa, src, off, n); return; }
    this.cpuAccessCheck(list, pa, n, vaddr, true, stack);
    if (!this.anyCached(list)) { this.#k.phys.write(pa, src, off, n); return; }
    const end = pa + n;
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((end - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      const ls = ln * L1_CACHE_BYTES, lo = Math.max(ls, pa), hi = Math.min(ls + L1_CACHE_BYTES, end);
      if (!this.lineCacheable(list, ls)) { this.#k.phys.write(lo, src, off + (lo - pa), hi - lo); continue; }
      const l = this.cache.fill(ln);
      l.data.set(src.subarray(off + (lo - pa), off + (hi - pa)), lo - ls);
      l.dirty = true;
    }
  }

  cpuFill(pa: number, value: number, n: number, vaddr: number, stack: CapturedStack | undefined): void {
    this.cpuWrite(pa, new Uint8Array(n).fill(value), 0, n, vaddr, stack);
  }

  /** What the CPU sees at [pa, pa+len): RAM under any cached lines (swiotlb's memcpy). */
  cpuView(pa: number, buf: Uint8Array): void {
    this.#k.phys.read(pa, buf);
    if (!this.cache.lines.size) return;
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((pa + buf.length - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      const l = this.cache.lines.get(ln);
      if (!l) continue;
      const ls = ln * L1_CACHE_BYTES, lo = Math.max(ls, pa), hi = Math.min(ls + L1_CACHE_BYTES, pa + buf.length);
      buf.set(l.data.subarray(lo - ls, hi - ls), lo - pa);
    }
  }

  /** A CPU-side copy into RAM made by the DMA layer itself (swiotlb's copy back): no checks, lines dropped. */
  cpuStore(pa: number, buf: Uint8Array): void {
    this.#k.phys.write(pa, buf);
    if (this.shadow.size) this.shadow.markInit(pa, buf.length);
    if (this.cache.lines.size) this.cache.invalidate(pa, buf.length);
  }

  /**
   * The DMA layer's own events. When the only listener is the DMA layer's
   * allocation tracker (DMA022), which ignores them, an event costs a
   * sequence number only, as it does everywhere else with nobody listening.
   */
  private emit(body: import("../kernel/events").KernelEventBody): void {
    const ev = this.#k.events;
    if (this.unsubscribe && ev.onlyListenerIs(this.listener)) return ev.skip();
    ev.emit(body);
  }

  // ------------------------------------------------------------ allocation tracking for DMA022

  private onEvent(e: import("../kernel/events").KernelEvent): void {
    const p = this.#k.profile, s = this.shadow;
    switch (e.type) {
      case "kmalloc":
        if (e.addr >= p.pageOffset && e.addr < p.highMemory) {
          if (e.gfp & __GFP_ZERO) s.markInit(e.addr - p.pageOffset, e.size);
          else s.markUninit(e.addr - p.pageOffset, e.size);
        }
        break;
      case "kfree":
        if (e.addr >= p.pageOffset && e.addr < p.highMemory) s.markInit(e.addr - p.pageOffset, e.size);
        break;
      case "page_alloc":
        if (e.gfp & __GFP_ZERO || this.#k.currentModule === null) s.markInit(e.pfn * PAGE_SIZE, PAGE_SIZE << e.order);
        else s.markUninit(e.pfn * PAGE_SIZE, PAGE_SIZE << e.order);
        break;
      case "page_free":
        s.markInit(e.pfn * PAGE_SIZE, PAGE_SIZE << e.order);
        break;
      default:
        return;
    }
    this.rehook();
  }
}
