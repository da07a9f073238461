// The page allocator's front end (mm/page_alloc.c): GFP → zonelist,
// watermarks, preparing struct page on allocation, the checks at free
// ("BUG: Bad page state"), page references, and page_owner records that
// say who allocated and who freed each block.

import { ZoneId } from "../arch/profile";
import type { Kernel } from "../kernel";
import { REPORT_RULE } from "../kernel/report";
import type { CapturedStack } from "../kernel/stack";
import { fixAt, secondRelease } from "../kernel/fixsite";
import type { Module } from "../kernel/module";
import { PAGE_SIZE } from "../util/addr";
import { BuddyAllocator, MAX_ORDER, NR_PAGE_ORDERS, Zone } from "./buddy";
import { dumpPage } from "./dump";
import { __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_NOWARN, __GFP_ZERO, gfpMode, zonelist } from "./gfp";
import { Owner } from "./memmap";
import { PAGE_FLAGS_CHECK_AT_FREE, PG, PG_TAIL } from "./page-flags";

export interface Track {
  readonly pid: number;
  readonly comm: string;
  readonly seq: number;
  readonly stack: CapturedStack | undefined;
  /** The module whose code was running, for the leak report at unload. */
  readonly module: Module | null;
  /** Virtual time of the event, ns. */
  readonly tsNs: number;
}

export interface PageBlock {
  readonly pfn: number;
  readonly order: number;
  readonly gfp: number;
  readonly compound: boolean;
  readonly owner: Owner;
  readonly alloc: Track;
}

export class PageAllocator {
  readonly zones: Zone[];
  readonly buddy: BuddyAllocator;
  /** Live blocks by head PFN (page_owner). */
  readonly blocks = new Map<number, PageBlock>();
  /** Last free of each head PFN, for use-after-free reports. */
  readonly freed = new Map<number, { order: number; alloc: Track; free: Track }>();
  /** get_page() references a module took outside a fault handler, not yet put: the leak report needs them. */
  private readonly moduleRefs = new Map<number, Track[]>();
  /** Tail → head for compound pages. */
  private readonly compoundHead = new Map<number, number>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    this.zones = k.profile.zones.map((s) => new Zone(s));
    this.buddy = new BuddyAllocator(this.zones);
  }

  zone(id: ZoneId): Zone | undefined { return this.zones.find((z) => z.id === id); }

  /** memblock_free_all(): hand every usable, unreserved frame to the buddy allocator. */
  bootFree(usable: ReadonlyArray<readonly [number, number]>, reserved: ReadonlyArray<readonly [number, number]>): void {
    for (const z of this.zones) {
      for (const [lo0, hi0] of usable) {
        const lo = Math.max(lo0, z.startPfn), hi = Math.min(hi0, z.endPfn);
        if (lo >= hi) continue;
        z.presentPages += hi - lo;
        for (const [flo, fhi] of subtractRanges(lo, hi, reserved)) {
          // __free_pages_memory(): the largest naturally aligned blocks that fit.
          for (let pfn = flo; pfn < fhi; ) {
            let order = MAX_ORDER;
            while (order > 0 && (pfn % (1 << order) !== 0 || pfn + (1 << order) > fhi)) order--;
            this.buddy.free(z, pfn, order, true);
            z.managedPages += 1 << order;
            pfn += 1 << order;
          }
        }
      }
    }
    this.setupWatermarks();
  }

  /** init_per_zone_wmark_min + __setup_per_zone_wmarks: min_free_kbytes = sqrt(lowmem KiB × 16). */
  private setupWatermarks(): void {
    const lowZones = this.zones.filter((z) => z.id !== ZoneId.HIGHMEM);
    const lowPages = lowZones.reduce((s, z) => s + z.managedPages, 0);
    const minFreeKb = Math.min(262144, Math.max(128, Math.floor(Math.sqrt(lowPages * (PAGE_SIZE / 1024) * 16))));
    const minPages = Math.floor(minFreeKb / (PAGE_SIZE / 1024)); // pages_min = min_free_kbytes >> (PAGE_SHIFT - 10)
    for (const z of this.zones) {
      // tmp: the zone's share of pages_min; highmem caps its min but keeps tmp for the kswapd gaps.
      const tmp = Math.floor((minPages * z.managedPages) / Math.max(1, lowPages));
      const min = z.id === ZoneId.HIGHMEM ? Math.min(128, Math.max(32, Math.floor(z.managedPages / 1024))) : tmp;
      const gap = Math.max(Math.floor(tmp / 4), Math.floor((z.managedPages * 10) / 10000));
      z.watermark = { min, low: min + gap, high: min + 2 * gap };
    }
  }


  private watermarkOk(z: Zone, order: number, gfp: number): boolean {
    let min = z.watermark.min;
    if (gfp & __GFP_HIGH) {
      min -= Math.floor(min / 2); // ALLOC_MIN_RESERVE
      // ALLOC_NON_BLOCK digs deeper only together with __GFP_HIGH (GFP_ATOMIC); GFP_NOWAIT does not.
      if (!(gfp & __GFP_DIRECT_RECLAIM)) min -= Math.floor(min / 4);
    }
    return z.freePages - (1 << order) >= min;
  }

  track(stack = this.#k.stacks.record()): Track {
    return { pid: this.#k.current.pid, comm: this.#k.current.comm, seq: this.#k.events.lastSeq + 1, stack, module: this.#k.currentModule, tsNs: this.#k.clock.now };
  }

  /** alloc_pages(): the head PFN, or -1 for NULL. */
  alloc(gfp: number, order: number, owner: Owner = Owner.Pages, stack?: CapturedStack): number {
    const k = this.#k;
    k.clock.advance(k.cost.pageAlloc);
    if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) {
      // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp): __GFP_NOWARN silences it
      if (!(gfp & __GFP_NOWARN)) k.warn(`WARNING: page allocation of order ${order} is larger than MAX_PAGE_ORDER (${MAX_ORDER})`, stack);
      return -1;
    }
    for (const id of zonelist(gfp, k.profile)) {
      const z = this.zone(id);
      if (!z || z.managedPages === 0 || !this.watermarkOk(z, order, gfp)) continue;
      const pfn = this.buddy.take(z, order);
      if (pfn < 0) continue;
      this.prepNewPages(pfn, order, gfp, owner, stack);
      k.events.emit({ type: "page_alloc", pfn, order, gfp, zone: z.name });
      return pfn;
    }
    k.events.emit({ type: "page_alloc_fail", order, gfp });
    if (!(gfp & __GFP_NOWARN)) {
      k.printk(`\x014${k.current.comm}: page allocation failure: order:${order}, mode:${gfpMode(gfp)}, nodemask=(null)\n`);
      k.printk(`\x014${this.showFreeAreas().join("\n")}\n`);
    }
    return -1;
  }

  private prepNewPages(pfn: number, order: number, gfp: number, owner: Owner, stack: CapturedStack | undefined): void {
    const mm = this.#k.memmap;
    const n = 1 << order;
    const compound = (gfp & __GFP_COMP) !== 0 && order > 0;
    for (let i = 0; i < n; i++) {
      mm.setFlags(pfn + i, 0);
      mm.setRefcount(pfn + i, i === 0 ? 1 : 0);
      mm.setMapcount(pfn + i, -1);
      if (compound && i > 0) {
        this.compoundHead.set(pfn + i, pfn);
        mm.setFlag(pfn + i, PG_TAIL);
      }
    }
    if (compound) mm.setFlag(pfn, PG.head);
    mm.setOwner(pfn, owner, n);
    if (gfp & __GFP_ZERO) for (let i = 0; i < n; i++) this.#k.phys.zeroFrame(pfn + i);
    this.blocks.set(pfn, { pfn, order, gfp, compound, owner, alloc: this.track(stack) });
    for (let i = 0; i < n; i++) this.badRefs.delete(pfn + i);
    this.freed.delete(pfn);
  }

  /**
   * split_page(): a non-compound order-n block becomes 2^n order-0 pages, each
   * with a reference of its own, so each is freed with __free_page() alone.
   * Returns false (the block left whole) where Linux's VM_BUG_ON_PAGE() fires.
   */
  split(pfn: number, order: number): boolean {
    const block = this.blocks.get(pfn), mm = this.#k.memmap;
    if (!block || block.compound || block.order !== order || mm.refcount(pfn) === 0) return false;
    for (let i = 1; i < 1 << order; i++) {
      mm.setRefcount(pfn + i, 1);
      this.blocks.set(pfn + i, { ...block, pfn: pfn + i, order: 0 });
    }
    this.blocks.set(pfn, { ...block, order: 0 });
    return true;
  }

  /** compound_head(): the head of a compound page, or the page itself. */
  head(pfn: number): number { return this.#k.memmap.testFlag(pfn, PG_TAIL) ? this.compoundHead.get(pfn) ?? pfn : pfn; }

  /** The live block containing pfn, if any. */
  blockOf(pfn: number): PageBlock | undefined {
    const b = this.blocks.get(pfn);
    if (b) return b;
    for (let o = 1; o <= MAX_ORDER; o++) {
      const cand = this.blocks.get(pfn - (pfn % (1 << o)));
      if (cand && cand.order >= o) return cand;
    }
    return undefined;
  }

  /**
   * __free_pages(): drop the caller's reference; the block goes back when it
   * was the last. A non-compound block whose head is still referenced
   * elsewhere loses its tail pages only, as in Linux.
   */
  free(pfn: number, order: number, caller: string, stack?: CapturedStack): void {
    const k = this.#k;
    k.clock.advance(k.cost.pageFree);
    const block = this.blocks.get(pfn);
    if (!block) {
      this.reportBadFree(pfn, order, caller, stack);
      return;
    }
    if (block.order !== order) {
      k.violation({
        rule: "MEM004",
        params: { fn: `${caller}(order ${order})`, addr: k.px(this.pageAddressOrZero(pfn)), alloc_fn: `alloc_pages(order ${block.order})` },
        report: [
          `BUG: KASAN: invalid-free in ${k.stacks.symbol(stack)}`,
          `${caller}() was given order ${order}, but pfn:0x${pfn.toString(16)} heads an order-${block.order} block (${1 << block.order} pages)`,
          `allocated by task ${block.alloc.pid}:`, ...k.stacks.formatStack(block.alloc.stack),
          "The simulator frees the block with the order it was allocated with.",
        ],
        stack,
      });
      order = block.order;
    }
    // MM008: the driver lets go of memory that a user PTE still maps. When the mapping's own references
    // (vm_insert_page(), a fault handler's get_page()) keep the page alive, this is just the driver
    // dropping its reference, as __free_pages() then frees nothing: no finding.
    if (k.memmap.refcount(pfn) <= 1) k.mm.reportMappedFree(Array.from({ length: 1 << order }, (_, i) => pfn + i), `the order-${order} block at pfn:0x${pfn.toString(16)}`, `${caller}()`, stack);
    const ref = k.memmap.addRefcount(pfn, -1);
    if (ref > 0) {
      // Only the mappings hold it now: it no longer belongs to vmalloc or the driver.
      if (k.memmap.owner(pfn) === Owner.Vmalloc) k.memmap.setOwner(pfn, Owner.Pages, 1 << order);
      if (!block.compound && order > 0) {
        for (let o = order - 1; o >= 0; o--) this.releaseTail(pfn + (1 << o), o, block, stack);
        this.blocks.set(pfn, { ...block, order: 0 });
      }
      return;
    }
    this.freeBlock(block, stack);
  }

  private releaseTail(pfn: number, order: number, block: PageBlock, stack: CapturedStack | undefined): void {
    this.blocks.set(pfn, { ...block, pfn, order });
    this.freeBlock(this.blocks.get(pfn)!, stack);
  }

  /** free_the_page() with free_pages_check(): a bad page is reported and leaked. */
  freeBlock(block: PageBlock, stack: CapturedStack | undefined): void {
    const k = this.#k, mm = k.memmap;
    const { pfn, order } = block;
    const n = 1 << order;
    for (let i = 0; i < n; i++) {
      const p = pfn + i;
      const bad = mm.mapcount(p) !== -1 ? "nonzero mapcount"
        : (i > 0 || !block.compound) && mm.refcount(p) !== 0 ? "nonzero _refcount"
        : mm.flags(p) & PAGE_FLAGS_CHECK_AT_FREE & ~(1 << PG.head) ? "PAGE_FLAGS_CHECK_AT_FREE flag(s) set" : undefined;
      if (bad) {
        const reserved = mm.testFlag(p, PG.reserved);
        k.violation({
          rule: reserved ? "PG002" : "PG001",
          params: { pfn: `0x${p.toString(16)}`, reason: bad, refcount: mm.refcount(p), mapcount: mm.mapcount(p) + 1, fn: `${k.stacks.symbol(stack)}` },
          report: [
            `BUG: Bad page state in process ${k.current.comm}  pfn:${p.toString(16).padStart(5, "0")}`,
            ...dumpPage(mm, p, bad),
            "Call Trace:", ...k.stacks.formatStack(stack),
            "Disabling lock debugging due to kernel taint",
          ],
          stack,
          ...((f) => (f ? { fix: f } : {}))(reserved ? fixAt(stack, (f) => {
            const setAt = k.fixSites.reservedBy(p)?.top;
            return `ClearPageReserved() each page before this free in ${f.fn}()${setAt ? `: pfn:0x${p.toString(16)} was SetPageReserved() at ${k.stacks.formatFrame(setAt)} and never cleared` : ""}`;
          }) : undefined),
        });
        this.blocks.delete(pfn); // a bad page is never reused: it is leaked, as Linux does
        return;
      }
    }
    this.blocks.delete(pfn);
    for (let i = 1; i < n; i++) {
      this.compoundHead.delete(pfn + i);
      mm.clearFlag(pfn + i, PG_TAIL);
    }
    mm.clearFlag(pfn, PG.head);
    mm.setOwner(pfn, Owner.Free, n);
    this.freed.set(pfn, { order, alloc: block.alloc, free: this.track(stack) });
    const z = this.buddy.zoneOf(pfn)!;
    this.buddy.free(z, pfn, order);
    k.events.emit({ type: "page_free", pfn, order });
  }

  private reportBadFree(pfn: number, order: number, caller: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    if (this.badRefs.has(pfn)) return;
    const inside = this.blockOf(pfn);
    const wasFreed = this.freed.get(pfn);
    if (inside) {
      k.violation({
        rule: "MEM003",
        params: { kind: "invalid free", fn: `${caller}()`, addr: k.px(this.pageAddressOrZero(pfn)), object: `pfn:0x${pfn.toString(16)} is inside the order-${inside.order} block at pfn:0x${inside.pfn.toString(16)}` },
        report: [REPORT_RULE, `BUG: KASAN: invalid-free in ${k.stacks.symbol(stack)}`, "", ...k.dumpStackHeader(stack), "", ...dumpPage(k.memmap, pfn, "not the head of an allocated block"), REPORT_RULE],
        stack,
      });
      return;
    }
    const reason = "VM_BUG_ON_PAGE(page_ref_count(page) == 0)";
    if (this.repeatAt("MEM003", stack)) return;
    k.violation({
      rule: "MEM003",
      params: { kind: wasFreed ? "double free" : "invalid free", fn: `${caller}()`, addr: k.px(this.pageAddressOrZero(pfn)), object: `pfn:0x${pfn.toString(16)} is ${wasFreed ? "already free" : "not allocated"}` },
      report: [
        REPORT_RULE,
        `BUG: KASAN: double-free in ${k.stacks.symbol(stack)}`,
        "", ...k.dumpStackHeader(stack), "",
        ...dumpPage(k.memmap, pfn, reason),
        ...(wasFreed ? [`page last allocated by task ${wasFreed.alloc.pid}:`, ...k.stacks.formatStack(wasFreed.alloc.stack), `page last freed by task ${wasFreed.free.pid}:`, ...k.stacks.formatStack(wasFreed.free.stack)] : []),
        REPORT_RULE,
      ],
      stack,
      ...((f) => (f ? { fix: f } : {}))(wasFreed ? secondRelease(k.stacks, stack, wasFreed.free.stack, `frees pfn:0x${pfn.toString(16)}`) : undefined),
    });
    void order;
  }

  /**
   * Pages whose reference count a PG001 already reported as broken (an unbalanced put freed them under
   * their owner): the gets, puts and frees that follow on them are that same bug, as Linux's BUG there
   * would have ended the task, so they are not reported again.
   */
  private readonly badRefs = new Set<number>();

  /**
   * A PG001 on a page breaks the references of its whole allocation: a compound page's tails share
   * the head's count (and once the head is freed, its former tails look like pages of their own),
   * and a plain higher-order block's tails go with it. Every page of it is marked.
   */
  private markBadRefs(h: number): void {
    let start = h, n = 1;
    const live = this.blockOf(h);
    if (live) { start = live.pfn; n = 1 << live.order; }
    else {
      for (let o = 0; o <= MAX_ORDER; o++) {
        const base = h - (h % (1 << o)), f = this.freed.get(base);
        if (f && f.order >= o) { start = base; n = 1 << f.order; break; }
      }
    }
    for (let i = 0; i < n; i++) this.badRefs.add(start + i);
  }

  /** True once a PG001 reported this page's references broken (what follows on it is that bug). */
  refsBroken(pfn: number): boolean { return this.badRefs.has(pfn); }

  /**
   * Driver lines a page BUG (PG001, MEM003) was reported at. Linux's BUG there
   * ends the task, so the same line doing the same to the next page (a loop
   * over the pages, the next close() of the same buggy code) is that one bug.
   * A PG001 that finds its page freed too early also files the line that
   * freed it: that line's later double frees follow from it.
   */
  private readonly bugSites = new Set<string>();

  private static siteKey(rule: string, stack: CapturedStack | undefined): string | undefined {
    const top = stack?.top;
    return top ? `${rule}@${top.file}:${top.line}` : undefined;
  }

  /** True when `rule` was already reported at this stack's driver line (and files it when not). */
  private repeatAt(rule: "PG001" | "MEM003", stack: CapturedStack | undefined): boolean {
    const key = PageAllocator.siteKey(rule, stack);
    if (!key) return false;
    if (this.bugSites.has(key)) return true;
    this.bugSites.add(key);
    return false;
  }

  /** The free of the block a free page belonged to, if it was freed (not never allocated). */
  private freedRecord(h: number): { order: number; alloc: Track; free: Track } | undefined {
    for (let o = 0; o <= MAX_ORDER; o++) {
      const base = h - (h % (1 << o)), f = this.freed.get(base);
      if (f && f.order >= o) return f;
    }
    return undefined;
  }

  /** get_page(): a tail of a compound page takes the reference on its head. */
  getPage(pfn: number, stack?: CapturedStack): void {
    const k = this.#k, h = this.head(pfn);
    if (k.memmap.refcount(h) <= 0 && !this.badRefs.has(h)) {
      this.markBadRefs(h);
      stack ??= k.stacks.capture();
      // A page that was freed: the get is where it shows, the free that came too early is the bug.
      const freed = k.memmap.owner(h) === Owner.Free ? this.freedRecord(h) : undefined;
      const freedAt = freed?.free.stack?.top;
      // A tail page of a live non-compound block: only the head holds the block's reference. The
      // allocation is the line to change (__GFP_COMP, kmalloc(), or split_page()).
      const block = freed ? undefined : this.blockOf(h);
      const tail = block && !block.compound && block.pfn !== h ? block : undefined;
      const tailAt = tail?.alloc.stack?.top;
      if (freed) for (const rule of ["PG001", "MEM003"] as const) { const key = PageAllocator.siteKey(rule, freed.free.stack); if (key) this.bugSites.add(key); }
      if (!this.repeatAt("PG001", stack)) {
        k.violation({
          rule: "PG001",
          params: { pfn: `0x${h.toString(16)}`, reason: `get_page() on a page with no references${freedAt ? `: it was freed by ${freedAt.fn}()` : ""}`, refcount: k.memmap.refcount(h), mapcount: k.memmap.mapcount(h) + 1 },
          report: [
            ...dumpPage(k.memmap, h, "VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page))"),
            `kernel BUG at include/linux/mm.h: get_page() of a page whose _refcount is ${k.memmap.refcount(h)}`,
            "Call Trace:", ...k.stacks.formatStack(stack),
            ...(freed ? [`page last allocated by task ${freed.alloc.pid}:`, ...k.stacks.formatStack(freed.alloc.stack), `page last freed by task ${freed.free.pid}:`, ...k.stacks.formatStack(freed.free.stack)] : []),
            ...(tail ? [`The page is page ${h - tail.pfn} of a non-compound order-${tail.order} block (pfn:0x${tail.pfn.toString(16)}), allocated by task ${tail.alloc.pid}:`, ...k.stacks.formatStack(tail.alloc.stack)] : []),
          ],
          stack,
          ...((f) => (f ? { fix: f } : {}))(freedAt ? fixAt(freedAt, (f) => `${f.fn}() freed pfn:0x${h.toString(16)} while it was still in use (a mapping could still fault it in): free the pages when their last user is gone, not here`)
            : tailAt ? fixAt(tailAt, (f) => `${f.fn}() allocates an order-${tail!.order} block that is not compound: only its first page holds a reference, so get_page() on page ${h - tail!.pfn} finds none; add __GFP_COMP (or use kmalloc()), or split_page() it into pages that each hold their own`)
            : undefined),
        });
      }
    }
    const r = k.memmap.addRefcount(h, 1);
    if (k.events.hasListeners) k.events.emit({ type: "page_ref", pfn: h, refcount: r, op: "get" });
    else k.events.skip();
    // A reference taken in a fault handler belongs to the page table, which puts it at unmap.
    if (k.currentModule && !k.inFault) {
      const list = this.moduleRefs.get(h) ?? [];
      list.push(this.track(stack));
      this.moduleRefs.set(h, list);
    }
  }

  /** Page references a module still holds. */
  heldRefs(module: Module): Array<{ pfn: number; track: Track }> {
    const out: Array<{ pfn: number; track: Track }> = [];
    for (const [pfn, list] of this.moduleRefs) for (const t of list) if (t.module === module) out.push({ pfn, track: t });
    return out;
  }

  /** put_page(): the last reference frees the page (or its whole block). */
  putPage(pfn: number, stack?: CapturedStack): void {
    const k = this.#k, h = this.head(pfn);
    if (k.memmap.refcount(h) <= 0) {
      if (this.badRefs.has(h)) return;
      this.markBadRefs(h);
      stack ??= k.stacks.capture();
      if (this.repeatAt("PG001", stack)) return;
      k.violation({
        rule: "PG001",
        params: { pfn: `0x${h.toString(16)}`, reason: "put_page() below zero", refcount: k.memmap.refcount(h), mapcount: k.memmap.mapcount(h) + 1 },
        report: [
          ...dumpPage(k.memmap, h, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)"),
          "kernel BUG at include/linux/mm.h: put_page() of a page whose _refcount is already 0",
          "Call Trace:", ...k.stacks.formatStack(stack),
        ],
        stack,
      });
      return;
    }
    const r = k.memmap.addRefcount(h, -1);
    if (k.events.hasListeners) k.events.emit({ type: "page_ref", pfn: h, refcount: r, op: "put" });
    else k.events.skip();
    const held = this.moduleRefs.get(h);
    if (held && k.currentModule) {
      const i = held.findIndex((t) => t.module === k.currentModule);
      if (i >= 0) held.splice(i, 1);
      if (!held.length) this.moduleRefs.delete(h);
    }
    if (r === 0) {
      const block = this.blocks.get(h);
      if (!block) return;
      if (!block.compound && block.order > 0) {
        // put_page() knows only an order-0 page here: the head goes back and the
        // tail pages stay allocated with no owner — leaked, exactly as in Linux.
        for (let o = block.order - 1; o >= 0; o--) this.blocks.set(h + (1 << o), { ...block, pfn: h + (1 << o), order: o });
        this.blocks.set(h, { ...block, order: 0 });
      }
      this.freeBlock(this.blocks.get(h)!, stack ?? k.stacks.record());
    }
  }

  /** page_address() for lowmem; 0 for high memory (the kmap layer knows better). */
  pageAddressOrZero(pfn: number): number {
    const p = this.#k.profile;
    return pfn < p.maxLowPfn ? p.pageOffset + pfn * PAGE_SIZE : 0;
  }

  totalFreePages(): number { return this.zones.reduce((s, z) => s + z.freePages, 0); }

  /** /proc/buddyinfo, as mm/vmstat.c frag_show_print() writes it. */
  buddyinfo(): string {
    let out = "";
    for (const z of this.zones) {
      if (z.presentPages === 0) continue;
      out += `Node 0, zone ${z.name.padStart(8)} `;
      for (let o = 0; o < NR_PAGE_ORDERS; o++) out += `${String(z.nrFree[o]).padStart(6)} `;
      out += "\n";
    }
    return out;
  }

  /** The per-zone lines of show_free_areas() that follow an allocation failure. */
  showFreeAreas(): string[] {
    return this.zones.filter((z) => z.presentPages > 0).map((z) => {
      const kb = (n: number) => `${n * (PAGE_SIZE / 1024)}kB`;
      const orders = z.nrFree.map((n, o) => `${n}*${4 << o}kB`).join(" ");
      return `Node 0 ${z.name}: ${orders} = ${kb(z.freePages)} (free:${kb(z.freePages)} min:${kb(z.watermark.min)} managed:${kb(z.managedPages)})`;
    });
  }
}

/** [lo, hi) minus the reserved ranges, as sorted disjoint ranges. */
function subtractRanges(lo: number, hi: number, reserved: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  let parts: Array<[number, number]> = [[lo, hi]];
  for (const [rlo, rhi] of reserved) {
    parts = parts.flatMap(([a, b]): Array<[number, number]> => {
      if (rhi <= a || rlo >= b) return [[a, b]];
      const out: Array<[number, number]> = [];
      if (a < rlo) out.push([a, rlo]);
      if (rhi < b) out.push([rhi, b]);
      return out;
    });
  }
  return parts;
}
