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

/** One page-table page: child tables above the last level, PTE values at it. */
interface Table {
  readonly pfn: number;
  readonly children: Array<Table | undefined> | null;
  readonly ptes: Float64Array | null;
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
  readonly vpn: number;
  pte: number;
  frame: Uint8Array | undefined;
}

/** A direct-mapped TLB of this many entries, indexed by the low bits of the virtual page number. */
const TLB_SLOTS = 2048;

export class PageTables {
  private readonly root: Table;
  /** Per level: virtual pages covered by one entry, and entries per table. */
  private readonly span: readonly number[];
  private readonly fanout: readonly number[];
  private readonly leafFan: number;
  /** The last last-level table found, by its number (vpn / leafFan): most walks hit it. */
  private cachedLeafKey = -1;
  private cachedLeaf: Float64Array | undefined;
  private readonly tlb: Array<TlbEntry | undefined> = new Array(TLB_SLOTS).fill(undefined);
  tablePages = 1;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    const p = k.profile;
    const shifts = p.pageTableLevels === 4 ? [39, 30, 21, 12] : p.pageTableLevels === 3 ? [30, 21, 12] : [22, 12];
    this.span = shifts.map((s) => 2 ** (s - 12));
    this.fanout = p.pageTableLevels === 4 ? [512, 512, 512, 512] : p.pageTableLevels === 3 ? [4, 512, 512] : [1024, 1024];
    this.leafFan = this.fanout[this.fanout.length - 1];
    this.root = this.newTable(0);
  }

  private get levels(): number { return this.fanout.length; }

  private newTable(level: number): Table {
    const pfn = this.#k.pages.alloc(GFP_KERNEL | __GFP_ZERO, 0, Owner.PageTable);
    if (pfn < 0) throw new RangeError("out of memory for page tables");
    const leaf = level === this.levels - 1;
    return { pfn, children: leaf ? null : new Array(this.fanout[level]).fill(undefined), ptes: leaf ? new Float64Array(this.fanout[level]) : null };
  }

  private index(vpn: number, level: number): number {
    const q = Math.floor(vpn / this.span[level]);
    return q - Math.floor(q / this.fanout[level]) * this.fanout[level];
  }

  /** The last-level table for a virtual page, created on the way when `create`. */
  private leaf(vpn: number, create: boolean): Float64Array | undefined {
    const key = Math.floor(vpn / this.leafFan);
    if (key === this.cachedLeafKey) return this.cachedLeaf;
    let t = this.root;
    for (let l = 0; l < this.levels - 1; l++) {
      const i = this.index(vpn, l);
      let next = t.children![i];
      if (!next) {
        if (!create) return undefined;
        next = this.newTable(l + 1);
        this.tablePages++;
        t.children![i] = next;
      }
      t = next;
    }
    this.cachedLeafKey = key;
    this.cachedLeaf = t.ptes!;
    return t.ptes!;
  }

  /** The PTE for addr, 0 when none. */
  get(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const t = this.leaf(vpn, false);
    return t ? t[vpn % this.leafFan] : 0;
  }

  /** set_pte_at(). The caller flushes the TLB where Linux would. */
  set(addr: number, pte: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    this.leaf(vpn, true)![vpn % this.leafFan] = pte;
  }

  /** pte_clear(): returns the old PTE. */
  clear(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const t = this.leaf(vpn, false);
    if (!t) return 0;
    const i = vpn % this.leafFan;
    const old = t[i];
    t[i] = 0;
    return old;
  }

  /** Every level of the walk for addr, as far as tables exist. */
  walk(addr: number): WalkLevel[] {
    const names = this.#k.profile.levelNames;
    const vpn = Math.floor(addr / PAGE_SIZE);
    const out: WalkLevel[] = [];
    let t: Table | undefined = this.root;
    for (let l = 0; l < this.levels && t; l++) {
      const i = this.index(vpn, l);
      if (l === this.levels - 1) {
        const e = t.ptes![i];
        out.push({ level: names[l], tablePfn: t.pfn, index: i, entry: e || undefined });
        break;
      }
      const next: Table | undefined = t.children![i];
      out.push({ level: names[l], tablePfn: t.pfn, index: i, entry: next?.pfn });
      t = next;
    }
    return out;
  }

  /** Present PTEs in [start, end), in address order. */
  *entries(start: number, end: number): Generator<[number, number]> {
    const last = Math.ceil(end / PAGE_SIZE);
    for (let vpn = Math.floor(start / PAGE_SIZE); vpn < last; ) {
      const t = this.leaf(vpn, false);
      const tableEnd = (Math.floor(vpn / this.leafFan) + 1) * this.leafFan;
      if (!t) {
        vpn = tableEnd; // the range this missing last-level table would cover
        continue;
      }
      for (const stop = Math.min(tableEnd, last); vpn < stop; vpn++) {
        const pte = t[vpn % this.leafFan];
        if (pte) yield [vpn * PAGE_SIZE, pte];
      }
    }
  }

  tlbLookup(vpn: number): TlbEntry | undefined {
    const e = this.tlb[vpn % TLB_SLOTS];
    return e !== undefined && e.vpn === vpn ? e : undefined;
  }
  tlbFill(e: TlbEntry): void { this.tlb[e.vpn % TLB_SLOTS] = e; }
  /** flush_tlb_page(). */
  flushPage(addr: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn % TLB_SLOTS;
    if (this.tlb[i]?.vpn === vpn) this.tlb[i] = undefined;
  }
  /** flush_tlb_range(). */
  flushRange(start: number, end: number): void {
    const first = Math.floor(start / PAGE_SIZE), last = Math.ceil(end / PAGE_SIZE);
    if (last - first >= TLB_SLOTS) {
      for (let i = 0; i < TLB_SLOTS; i++) {
        const e = this.tlb[i];
        if (e && e.vpn >= first && e.vpn < last) this.tlb[i] = undefined;
      }
    } else for (let v = first; v < last; v++) this.flushPage(v * PAGE_SIZE);
  }
  /** flush_tlb_mm(). */
  flushAll(): void { this.tlb.fill(undefined); }
  get tlbSize(): number { return this.tlb.filter((e) => e !== undefined).length; }

  /** free_pgtables(): give every table frame back. */
  destroy(): void {
    const free = (t: Table) => {
      if (t.children) for (const c of t.children) if (c) free(c);
      this.#k.pages.free(t.pfn, 0, "free_pgtables", undefined);
    };
    free(this.root);
    this.tlb.fill(undefined);
    this.cachedLeafKey = -1;
    this.cachedLeaf = undefined;
    this.tablePages = 0;
  }
}
