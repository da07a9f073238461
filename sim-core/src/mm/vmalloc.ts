// The kernel's vmalloc area: virtually contiguous ranges over frames that
// need not be, each followed by an unmapped guard page. vmalloc(), vmap-style
// ioremap() and the kernel page table entries behind them.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { PAGE_SIZE, alignUp, hexAddr, vpn } from "../util/addr";
import { __GFP_HIGHMEM, __GFP_NOWARN, __GFP_ZERO, GFP_KERNEL, gfpMode } from "./gfp";
import { Owner } from "./memmap";
import type { Track } from "./page_alloc";

export type VmAreaKind = "vmalloc" | "ioremap" | "vmap";

export interface VmArea {
  readonly addr: number;
  /** Mapped bytes, page-aligned; the guard page follows. */
  readonly size: number;
  /** What the caller asked for: KASAN poisons the rest of the last page. */
  readonly requested: number;
  readonly kind: VmAreaKind;
  /** Frames in order (vmalloc), or the physical base (ioremap). */
  readonly pfns: readonly number[];
  readonly phys?: number;
  readonly alloc: Track;
  free?: Track;
}

/** Kernel page table entries outside the direct map: vmalloc, ioremap, pkmap and fixmap. */
export class KernelPageTable {
  private readonly pte = new Map<number, number>();
  /**
   * Keys count pages from the start of the vmalloc area, where most entries
   * are: small integers keep the Map fast on 64-bit, where raw page numbers
   * of kernel addresses are far beyond the small-integer range.
   */
  constructor(private readonly base = 0) {}
  map(va: number, pfn: number): void { this.pte.set(vpn(va) - this.base, pfn); }
  unmap(va: number): void { this.pte.delete(vpn(va) - this.base); }
  /** The frame mapped at va's page, or -1. */
  lookup(va: number): number { return this.pte.get(vpn(va) - this.base) ?? -1; }
  get size(): number { return this.pte.size; }
}

export class VmallocSpace {
  /** Live areas sorted by address. */
  private readonly areas: VmArea[] = [];
  /** Recently freed areas, newest last, for use-after-vfree reports. */
  readonly recentlyFreed: VmArea[] = [];

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** alloc_vmap_area(): first fit, with one guard page after the area. */
  private reserve(size: number): number {
    const p = this.#k.profile;
    let start = p.vmallocStart;
    for (const a of this.areas) {
      if (a.addr - start >= size + PAGE_SIZE) break;
      start = a.addr + a.size + PAGE_SIZE;
    }
    return start + size + PAGE_SIZE <= p.vmallocEnd ? start : 0;
  }

  private insert(a: VmArea): void {
    let i = this.areas.length;
    while (i > 0 && this.areas[i - 1].addr > a.addr) i--;
    this.areas.splice(i, 0, a);
  }

  /** The area whose mapping or guard page contains addr. */
  find(addr: number): VmArea | undefined {
    let lo = 0, hi = this.areas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, a = this.areas[mid];
      if (addr < a.addr) hi = mid - 1;
      else if (addr >= a.addr + a.size + PAGE_SIZE) lo = mid + 1;
      else return a;
    }
    return undefined;
  }

  findFreed(addr: number): VmArea | undefined {
    for (let i = this.recentlyFreed.length - 1; i >= 0; i--) {
      const a = this.recentlyFreed[i];
      if (addr >= a.addr && addr < a.addr + a.size + PAGE_SIZE) return a;
    }
    return undefined;
  }

  isVmallocAddr(addr: number): boolean {
    const p = this.#k.profile;
    return addr >= p.vmallocStart && addr < p.vmallocEnd;
  }

  list(): readonly VmArea[] { return this.areas; }

  /** vmalloc()/vzalloc(): 0 for NULL. */
  vmalloc(size: number, gfp: number = GFP_KERNEL, stack?: CapturedStack): number {
    const k = this.#k;
    stack ??= k.stacks.record();
    if (!Number.isFinite(size) || size <= 0) return 0;
    const bytes = alignUp(size, PAGE_SIZE);
    // warn_alloc() prefixes its message with the task's comm.
    const warnAlloc = (what: string) => {
      if (!(gfp & __GFP_NOWARN)) k.printk(`\x014${k.current.comm}: vmalloc error: size ${size}, ${what}, mode:${gfpMode(gfp)}, nodemask=(null)\n`);
    };
    const totalram = k.pages.zones.reduce((s, z) => s + z.managedPages, 0);
    if (bytes / PAGE_SIZE > totalram) {
      warnAlloc("exceeds total pages");
      return 0;
    }
    const addr = this.reserve(bytes);
    if (addr === 0) {
      warnAlloc("vm_struct allocation failed");
      return 0;
    }
    const pfns: number[] = [];
    for (let i = 0; i < bytes / PAGE_SIZE; i++) {
      const pfn = k.pages.alloc(gfp | __GFP_HIGHMEM | __GFP_NOWARN, 0, Owner.Vmalloc, stack);
      if (pfn < 0) {
        for (const f of pfns) k.pages.free(f, 0, "vfree", stack);
        warnAlloc("page order 0, failed to allocate pages");
        return 0;
      }
      k.clock.advance(k.cost.vmallocPage);
      pfns.push(pfn);
      k.kpt.map(addr + i * PAGE_SIZE, pfn);
      if (gfp & __GFP_ZERO) k.phys.zeroFrame(pfn);
    }
    this.insert({ addr, size: bytes, requested: size, kind: "vmalloc", pfns, alloc: k.pages.track(stack) });
    k.events.emit({ type: "vmalloc", addr, size, pages: pfns.length });
    return addr;
  }

  /** Map a physical range (device memory) into the vmalloc area: ioremap()'s core. */
  mapPhys(phys: number, size: number, kind: VmAreaKind, stack: CapturedStack | undefined): number {
    const k = this.#k;
    const first = Math.floor(phys / PAGE_SIZE), last = Math.ceil((phys + size) / PAGE_SIZE);
    const bytes = (last - first) * PAGE_SIZE;
    const addr = this.reserve(bytes);
    if (addr === 0) return 0;
    const pfns: number[] = [];
    for (let i = 0; i < last - first; i++) {
      pfns.push(first + i);
      k.kpt.map(addr + i * PAGE_SIZE, first + i);
    }
    this.insert({ addr, size: bytes, requested: bytes, kind, pfns, phys: first * PAGE_SIZE, alloc: k.pages.track(stack) });
    return addr + (phys - first * PAGE_SIZE);
  }

  /** Remove an area and its page table entries; the caller frees frames if it owns them. */
  unmapArea(a: VmArea, stack: CapturedStack | undefined): void {
    const k = this.#k;
    this.areas.splice(this.areas.indexOf(a), 1);
    for (let i = 0; i < a.size / PAGE_SIZE; i++) k.kpt.unmap(a.addr + i * PAGE_SIZE);
    a.free = k.pages.track(stack);
    this.recentlyFreed.push(a);
    if (this.recentlyFreed.length > 256) this.recentlyFreed.shift();
  }

  /** vfree(). */
  vfree(addr: number, stack?: CapturedStack): void {
    const k = this.#k;
    if (addr === 0) return;
    stack ??= k.stacks.record();
    const a = this.find(addr);
    if (!a || a.addr !== addr || a.kind !== "vmalloc") {
      k.kasan.reportBadVfree(addr, a, stack);
      return;
    }
    k.mm.reportMappedFree(a.pfns, `the vmalloc area ${k.px(a.addr)}`, "vfree()", stack);
    this.unmapArea(a, stack);
    for (const pfn of a.pfns) k.pages.free(pfn, 0, "vfree", stack);
    k.events.emit({ type: "vfree", addr, size: a.requested });
  }

  /** vmalloc_to_pfn(): -1 when nothing is mapped there. */
  toPfn(addr: number): number { return this.isVmallocAddr(addr) ? this.#k.kpt.lookup(addr) : -1; }

  /** /proc/vmallocinfo, as mm/vmalloc.c s_show() writes it. */
  vmallocinfo(): string {
    const d = this.#k.profile.ptrDigits;
    return this.areas.map((a) => {
      const caller = this.#k.stacks.symbol(a.alloc.stack);
      const extra = a.kind === "vmalloc" ? ` pages=${a.pfns.length} vmalloc` : ` phys=0x${hexAddr(a.phys ?? 0, this.#k.profile.physDigits)} ioremap`;
      return `0x${hexAddr(a.addr, d)}-0x${hexAddr(a.addr + a.size + PAGE_SIZE, d)} ${String(a.size + PAGE_SIZE).padStart(7)} ${caller}${extra}\n`;
    }).join("");
  }
}
