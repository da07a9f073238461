// mm/highmem.c: giving a page a kernel virtual address. kmap() takes one of
// LAST_PKMAP persistent slots (high memory only; low memory already has its
// logical address); kmap_atomic()/kmap_local_page() push per-CPU fixmap
// slots that must be released in reverse order.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { PAGE_SIZE } from "../util/addr";
import { Page } from "./memmap";
import type { Track } from "./page_alloc";

export type KmapKind = "kmap" | "kmap_atomic" | "kmap_local";

interface LocalSlot { pfn: number; addr: number; kind: "kmap_atomic" | "kmap_local"; highmem: boolean; stack: CapturedStack | undefined }

export interface KmapSlotInfo { slot: number; addr: number; pfn: number; count: number }

export class Highmem {
  /** pkmap_count[]: 0 free, 1 mapped but unused (flushed on wrap), n > 1 in use by n - 1 callers. */
  private readonly pkmapCount: Int32Array;
  private readonly pkmapPfn: Int32Array;
  /** page_address_htable: pfn → pkmap slot. */
  private readonly pkmapOf = new Map<number, number>();
  private lastPkmapNr = 0;
  /** Addresses whose slot an out-of-order kunmap tore down in their stead: their own kunmap is no new bug. */
  readonly #tornDownEarly = new Set<number>();
  /** Per-CPU kmap_local stacks (CPU 0 is the one drivers run on). */
  readonly local: LocalSlot[][];
  /** preempt/pagefault-disable depth owed to kmap_atomic. */
  atomicDepth = 0;
  /** Who holds each persistent kmap, for leak reports. */
  readonly kmapHolders = new Map<number, Track[]>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    const n = k.profile.lastPkmap;
    this.pkmapCount = new Int32Array(n);
    this.pkmapPfn = new Int32Array(n).fill(-1);
    this.local = Array.from({ length: k.profile.nrCpus }, () => []);
  }

  isHighmem(pfn: number): boolean { return pfn >= this.#k.profile.maxLowPfn; }

  pkmapAddr(slot: number): number { return this.#k.profile.pkmapBase + slot * PAGE_SIZE; }

  /** __fix_to_virt(FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu). FIX_KMAP_BEGIN sits a few entries below the top. */
  fixmapAddr(idx: number, cpu = 0): number {
    const FIX_KMAP_BEGIN = 1;
    return this.#k.profile.fixaddrTop - (FIX_KMAP_BEGIN + idx + this.#k.profile.kmapSlotsPerCpu * cpu) * PAGE_SIZE;
  }

  /** page_address(): the lowmem logical address, a pkmap address, or 0. */
  pageAddress(pfn: number): number {
    if (!this.isHighmem(pfn)) return this.#k.profile.pageOffset + pfn * PAGE_SIZE;
    const slot = this.pkmapOf.get(pfn);
    return slot === undefined ? 0 : this.pkmapAddr(slot);
  }

  kmap(page: Page, stack: CapturedStack | undefined): number {
    const k = this.#k;
    k.mightSleep("kmap", stack);
    k.clock.advance(k.cost.kmap);
    const pfn = page.pfn;
    if (!this.isHighmem(pfn)) return this.pageAddress(pfn);
    let slot = this.pkmapOf.get(pfn);
    if (slot === undefined) {
      slot = this.findFreeSlot();
      if (slot < 0) {
        k.violation({
          rule: "PG003",
          params: { problem: `kmap() with all ${k.profile.lastPkmap} pkmap slots in use`, pfn: `0x${pfn.toString(16)}` },
          report: [
            `INFO: task ${k.current.comm}:${k.current.pid} blocked in kmap_high(): all LAST_PKMAP (${k.profile.lastPkmap}) persistent kmap slots are in use and none will be released`,
            "Call Trace:", ...k.stacks.formatStack(stack),
          ],
          stack,
        });
        k.hang("kmap_high() waits forever for a free pkmap slot", stack, "PG003");
      }
      this.pkmapCount[slot] = 1;
      this.pkmapPfn[slot] = pfn;
      this.pkmapOf.set(pfn, slot);
      k.kpt.map(this.pkmapAddr(slot), pfn);
    }
    this.pkmapCount[slot]++;
    const holders = this.kmapHolders.get(pfn) ?? [];
    holders.push(k.pages.track(stack));
    this.kmapHolders.set(pfn, holders);
    const addr = this.pkmapAddr(slot);
    k.events.emit({ type: "kmap", kind: "kmap", pfn, addr, slot });
    return addr;
  }

  /** map_new_virtual(): scan from the last slot; on wrap, flush_all_zero_pkmaps() frees unused ones. */
  private findFreeSlot(): number {
    const n = this.#k.profile.lastPkmap;
    for (let tries = 0; tries < 2 * n; tries++) {
      this.lastPkmapNr = (this.lastPkmapNr + 1) % n;
      if (this.lastPkmapNr === 0) this.flushAllZeroPkmaps();
      if (this.pkmapCount[this.lastPkmapNr] === 0) return this.lastPkmapNr;
    }
    return -1;
  }

  private flushAllZeroPkmaps(): void {
    for (let i = 0; i < this.pkmapCount.length; i++) {
      if (this.pkmapCount[i] !== 1) continue;
      this.pkmapCount[i] = 0;
      this.#k.kpt.unmap(this.pkmapAddr(i));
      this.pkmapOf.delete(this.pkmapPfn[i]);
      this.pkmapPfn[i] = -1;
    }
  }

  kunmap(page: unknown, stack: CapturedStack | undefined): void {
    const k = this.#k;
    if (!(page instanceof Page)) {
      k.violation({
        rule: "PG004",
        params: { fn: "kunmap", expected: "the struct page passed to kmap()", got: describeArg(page, k) },
        report: ["WARNING: kunmap() takes the struct page that was passed to kmap(), not the address kmap() returned", "Call Trace:", ...k.stacks.formatStack(stack)],
        stack,
      });
      return;
    }
    const pfn = page.pfn;
    if (!this.isHighmem(pfn)) return;
    const slot = this.pkmapOf.get(pfn);
    if (slot === undefined || this.pkmapCount[slot] < 2) {
      k.violation({
        rule: "PG003",
        params: { problem: "kunmap() of a page that is not kmapped", pfn: `0x${pfn.toString(16)}` },
        report: [`kernel BUG at mm/highmem.c: kunmap_high(): pkmap_count underflow for pfn:0x${pfn.toString(16)}`, "Call Trace:", ...k.stacks.formatStack(stack)],
        stack,
      });
      return;
    }
    this.pkmapCount[slot]--;
    this.kmapHolders.get(pfn)?.pop();
    k.events.emit({ type: "kunmap", kind: "kmap", pfn, addr: this.pkmapAddr(slot), slot });
  }

  kmapLocal(page: Page, kind: "kmap_atomic" | "kmap_local", stack: CapturedStack | undefined): number {
    const k = this.#k;
    k.clock.advance(k.cost.kmap);
    const stackOfCpu = this.local[0];
    const idx = stackOfCpu.length;
    if (idx >= k.profile.kmapSlotsPerCpu) {
      k.violation({
        rule: "PG005",
        params: { problem: `more than KM_MAX_IDX (${k.profile.kmapSlotsPerCpu}) nested ${kind} mappings`, addr: "-" },
        report: [`kernel BUG at mm/highmem.c: kmap_local_idx_push(): BUG_ON(idx >= KM_MAX_IDX)`, "Call Trace:", ...k.stacks.formatStack(stack)],
        stack,
      });
      k.hang(`${kind}: out of per-CPU kmap slots`, stack, "PG005");
    }
    const pfn = page.pfn;
    const highmem = this.isHighmem(pfn);
    const addr = highmem ? this.fixmapAddr(idx) : this.pageAddress(pfn);
    if (highmem) k.kpt.map(addr, pfn);
    this.#tornDownEarly.delete(addr);
    stackOfCpu.push({ pfn, addr, kind, highmem, stack });
    if (kind === "kmap_atomic") this.atomicDepth++;
    k.events.emit({ type: "kmap", kind, pfn, addr, slot: idx });
    return addr;
  }

  kunmapLocal(addr: unknown, kind: "kmap_atomic" | "kmap_local", stack: CapturedStack | undefined): void {
    const k = this.#k;
    const fn = kind === "kmap_atomic" ? "kunmap_atomic" : "kunmap_local";
    if (typeof addr !== "number") {
      k.violation({
        rule: "PG004",
        params: { fn, expected: `the address ${kind}() returned`, got: describeArg(addr, k) },
        report: [`WARNING: ${fn}() takes the address that ${kind}() returned, not the struct page`, "Call Trace:", ...k.stacks.formatStack(stack)],
        stack,
      });
      return;
    }
    const cpu = this.local[0];
    const top = cpu[cpu.length - 1];
    const pos = cpu.map((s) => s.addr).lastIndexOf(addr);
    if (top && pos < 0 && this.#tornDownEarly.delete(addr)) {
      // Its slot went with an earlier out-of-order release (reported there); Linux's WARN_ON_ONCE stays
      // quiet now and pops the top, which is the slot that release left mapped: the stack balances again.
      this.#pop(cpu);
      return;
    }
    if (!top || pos < 0) {
      k.violation({
        rule: "PG005",
        params: { problem: `${fn}() of an address that is not a live ${kind} mapping`, addr: k.px(addr) },
        report: [`WARNING: CPU: 0 PID: ${k.current.pid} at mm/highmem.c: kunmap_local_indexed`, `${fn}() of ${k.px(addr)}, which no live ${kind}() returned`, "Call Trace:", ...k.stacks.formatStack(stack)],
        stack,
      });
      return;
    }
    if (pos !== cpu.length - 1) {
      k.violation({
        rule: "PG005",
        params: { problem: `${fn}() out of order: released while ${k.px(top.addr)}, mapped after it, is still held`, addr: k.px(addr) },
        report: [
          `WARNING: CPU: 0 PID: ${k.current.pid} at mm/highmem.c: kunmap_local_indexed`,
          `WARN_ON_ONCE(addr != __fix_to_virt(FIX_KMAP_BEGIN + idx)): ${k.px(addr)} is slot ${pos}, the newest mapping is slot ${cpu.length - 1} at ${k.px(top.addr)}`,
          "kmap_atomic()/kmap_local_page() mappings are a stack: release them in the reverse order of mapping.",
          `As in Linux, the newest slot (${k.px(top.addr)}) is the one torn down; ${k.px(addr)} stays mapped.`,
          "Call Trace:", ...k.stacks.formatStack(stack),
        ],
        stack,
      });
      this.#tornDownEarly.add(top.addr);
    }
    this.#pop(cpu);
  }

  /** kunmap_local_indexed() pops the top of the per-CPU stack whatever address it was given. */
  #pop(cpu: LocalSlot[]): void {
    const k = this.#k;
    const idx = cpu.length - 1;
    const slot = cpu.pop()!;
    if (slot.highmem) k.kpt.unmap(slot.addr);
    if (slot.kind === "kmap_atomic") this.atomicDepth = Math.max(0, this.atomicDepth - 1);
    k.events.emit({ type: "kunmap", kind: slot.kind, pfn: slot.pfn, addr: slot.addr, slot: idx });
  }

  /** Persistent kmap slots in use, for inspection. */
  pkmapSlots(): KmapSlotInfo[] {
    const out: KmapSlotInfo[] = [];
    for (let i = 0; i < this.pkmapCount.length; i++) {
      if (this.pkmapCount[i] > 0) out.push({ slot: i, addr: this.pkmapAddr(i), pfn: this.pkmapPfn[i], count: this.pkmapCount[i] - 1 });
    }
    return out;
  }

  /** Persistent kmaps still held: (pfn, holders). */
  heldKmaps(): Array<{ pfn: number; count: number; holders: Track[] }> {
    return this.pkmapSlots().filter((s) => s.count > 0).map((s) => ({ pfn: s.pfn, count: s.count, holders: this.kmapHolders.get(s.pfn) ?? [] }));
  }
}

function describeArg(v: unknown, k: Kernel): string {
  if (v instanceof Page) return `struct page (pfn:0x${v.pfn.toString(16)})`;
  if (typeof v === "number") return `address ${k.px(v)}`;
  return typeof v;
}
