// Per-process page tables: two levels on i386, three with PAE, four on
// x86_64. Every table is a real frame from the page allocator (so page tables
// cost memory, as they do), and a software TLB caches translations until the
// code that changes a PTE flushes it, where Linux flushes.

import type { Kernel } from "../kernel";
import { PAGE_SIZE } from "../util/addr";
import { __GFP_ZERO, GFP_KERNEL } from "./gfp";
import { Owner } from "./memmap";

// PTE bits of arch/x86/include/asm/pgtable_types.h (the low 12 bits; the frame number above them).
export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_PWT = 0x008;
export const _PAGE_PCD = 0x010;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
export const _PAGE_PSE = 0x080;
export const _PAGE_GLOBAL = 0x100;
/** _PAGE_SOFTW1: a mapping with no struct page behind it (remap_pfn_range, vmf_insert_pfn). */
export const _PAGE_SPECIAL = 0x200;
const FLAG_MASK = 0xfff;

export function ptePfn(pte: number): number { return Math.floor(pte / PAGE_SIZE); }
export function pteFlags(pte: number): number { return pte % PAGE_SIZE; }
export function mkPte(pfn: number, flags: number): number { return pfn * PAGE_SIZE + (flags & FLAG_MASK); }
export function ptePresent(pte: number): boolean { return (pte & _PAGE_PRESENT) !== 0; }
/**
 * pte_set_flags()/pte_clear_flags(). A PTE is a frame number times 4096 plus
 * flags, beyond 32 bits for memory above 4 GiB: JavaScript's `|` and `& ~`
 * would truncate it to a signed 32-bit value, so flags change only here:
 * the `clear` bits go, then the `set` bits come.
 */
export function pteModify(pte: number, set: number, clear = 0): number { return mkPte(ptePfn(pte), (pteFlags(pte) & ~clear) | set); }

interface Table {
  readonly pfn: number;
  readonly entries: Map<number, Table | number>;
}

export interface WalkLevel {
  readonly level: string;
  readonly tablePfn: number;
  readonly index: number;
  /** The entry's value: the next table's frame for upper levels, the PTE at the last level. */
  readonly entry: number | undefined;
}

/** What the CPU has cached for one virtual page. */
export interface TlbEntry {
  pte: number;
  frame: Uint8Array | undefined;
}

export class PageTables {
  private readonly root: Table;
  private readonly shifts: readonly number[];
  private readonly fanout: readonly number[];
  /** The software TLB: virtual page number → cached translation. */
  private readonly tlb = new Map<number, TlbEntry>();
  tablePages = 1;

  constructor(private readonly k: Kernel) {
    const p = k.profile;
    this.shifts = p.pageTableLevels === 4 ? [39, 30, 21, 12] : p.pageTableLevels === 3 ? [30, 21, 12] : [22, 12];
    this.fanout = p.pageTableLevels === 4 ? [512, 512, 512, 512] : p.pageTableLevels === 3 ? [4, 512, 512] : [1024, 1024];
    this.root = this.newTable();
  }

  private newTable(): Table {
    const pfn = this.k.pages.alloc(GFP_KERNEL | __GFP_ZERO, 0, Owner.PageTable);
    if (pfn < 0) throw new RangeError("out of memory for page tables");
    return { pfn, entries: new Map() };
  }

  private index(addr: number, level: number): number {
    return Math.floor(addr / 2 ** this.shifts[level]) % this.fanout[level];
  }

  /** The last-level table for addr, created on the way when `create`. */
  private leaf(addr: number, create: boolean): Table | undefined {
    let t = this.root;
    for (let l = 0; l < this.shifts.length - 1; l++) {
      const i = this.index(addr, l);
      let next = t.entries.get(i) as Table | undefined;
      if (!next) {
        if (!create) return undefined;
        next = this.newTable();
        this.tablePages++;
        t.entries.set(i, next);
      }
      t = next;
    }
    return t;
  }

  /** The PTE for addr, 0 when none. */
  get(addr: number): number {
    const t = this.leaf(addr, false);
    return t ? ((t.entries.get(this.index(addr, this.shifts.length - 1)) as number | undefined) ?? 0) : 0;
  }

  /** set_pte_at(). The caller flushes the TLB where Linux would. */
  set(addr: number, pte: number): void {
    this.leaf(addr, true)!.entries.set(this.index(addr, this.shifts.length - 1), pte);
  }

  /** pte_clear(): returns the old PTE. */
  clear(addr: number): number {
    const t = this.leaf(addr, false);
    if (!t) return 0;
    const i = this.index(addr, this.shifts.length - 1);
    const old = (t.entries.get(i) as number | undefined) ?? 0;
    t.entries.delete(i);
    return old;
  }

  /** Every level of the walk for addr, as far as tables exist. */
  walk(addr: number): WalkLevel[] {
    const names = this.k.profile.levelNames;
    const out: WalkLevel[] = [];
    let t: Table | undefined = this.root;
    for (let l = 0; l < this.shifts.length && t; l++) {
      const i = this.index(addr, l);
      const e = t.entries.get(i);
      const last = l === this.shifts.length - 1;
      out.push({ level: names[l], tablePfn: t.pfn, index: i, entry: e === undefined ? undefined : last ? (e as number) : (e as Table).pfn });
      t = last ? undefined : (e as Table | undefined);
    }
    return out;
  }

  /** Present PTEs in [start, end), in address order. */
  *entries(start: number, end: number): Generator<[number, number]> {
    for (let a = start; a < end; a += PAGE_SIZE) {
      const t = this.leaf(a, false);
      if (!t) {
        // Skip the rest of the range this missing last-level table would cover.
        const span = 2 ** this.shifts[this.shifts.length - 2];
        a = Math.floor(a / span) * span + span - PAGE_SIZE;
        continue;
      }
      const pte = t.entries.get(this.index(a, this.shifts.length - 1)) as number | undefined;
      if (pte) yield [a, pte];
    }
  }

  tlbLookup(vpn: number): TlbEntry | undefined { return this.tlb.get(vpn); }
  tlbFill(vpn: number, e: TlbEntry): void { this.tlb.set(vpn, e); }
  /** flush_tlb_page(). */
  flushPage(addr: number): void { this.tlb.delete(Math.floor(addr / PAGE_SIZE)); }
  /** flush_tlb_range(). */
  flushRange(start: number, end: number): void {
    if ((end - start) / PAGE_SIZE > this.tlb.size) {
      for (const vpn of [...this.tlb.keys()]) if (vpn * PAGE_SIZE >= start && vpn * PAGE_SIZE < end) this.tlb.delete(vpn);
    } else for (let a = start; a < end; a += PAGE_SIZE) this.tlb.delete(a / PAGE_SIZE);
  }
  /** flush_tlb_mm(). */
  flushAll(): void { this.tlb.clear(); }
  get tlbSize(): number { return this.tlb.size; }

  /** free_pgtables(): give every table frame back. */
  destroy(): void {
    const free = (t: Table, level: number) => {
      if (level < this.shifts.length - 1) for (const e of t.entries.values()) free(e as Table, level + 1);
      this.k.pages.free(t.pfn, 0, "free_pgtables", undefined);
    };
    free(this.root, 0);
    this.tlb.clear();
    this.tablePages = 0;
  }
}
