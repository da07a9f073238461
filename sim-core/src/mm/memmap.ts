// mem_map: one struct page per frame. Kept SPARSEMEM-style in sections that
// are only materialised when a frame in them is first written, so booting
// 64 GiB costs nothing until the frames are used.

import { ArchProfile, ZoneId, VMEMMAP_START } from "../arch/profile";
import { PAGE_SIZE } from "../util/addr";

export const SECTION_SHIFT = 15; // 2^15 frames = 128 MiB, SECTION_SIZE_BITS = 27 on x86_64
const SECTION_PAGES = 1 << SECTION_SHIFT;
const SECTION_MASK = SECTION_PAGES - 1;

/** Who owns a frame; the simulator's bookkeeping, shown in the frame inspector. */
export const enum Owner {
  Free = 0,
  Reserved = 1,
  Kernel = 2,
  MemMap = 3,
  Pages = 4,
  Slab = 5,
  Vmalloc = 6,
  PageTable = 7,
  User = 8,
}
export const OWNER_NAMES = ["free", "reserved", "kernel", "memmap", "pages", "slab", "vmalloc", "pagetable", "user"] as const;
export type OwnerName = (typeof OWNER_NAMES)[number];

class Section {
  readonly flags = new Uint32Array(SECTION_PAGES);
  readonly refcount = new Int32Array(SECTION_PAGES);
  /** _mapcount + 1, so that a zeroed section means Linux's initial -1. */
  readonly mapcount1 = new Int32Array(SECTION_PAGES);
  readonly owner = new Uint8Array(SECTION_PAGES);
  /** User PTEs mapping the frame, special ones (no struct page semantics) included. */
  readonly usermaps = new Int32Array(SECTION_PAGES);
}

/**
 * A struct page pointer. Identity is stable (pfn_to_page(n) === pfn_to_page(n))
 * like a C pointer; the fields read live from mem_map.
 */
export class Page {
  /** @internal */
  constructor(private readonly map: MemMap,
    /** page_to_pfn(): the page frame number, the physical address >> PAGE_SHIFT. */
    readonly pfn: number) {}
  /** page->flags: PG_* bits (PG_reserved, PG_locked, PG_dirty…); use the PageX()/SetPageX() accessors. */
  get flags(): number { return this.map.flags(this.pfn); }
  /** page_ref_count(): references held by get_page()/get_user_pages(); the page is freed when it drops to 0. */
  get _refcount(): number { return this.map.refcount(this.pfn); }
  /** page_mapcount(): how many page tables map the page. */
  get _mapcount(): number { return this.map.mapcount(this.pfn); }
  /** Where this struct page itself lives in the kernel's address space. */
  get address(): number { return this.map.structPageAddress(this.pfn); }
  /** A printable form, "page(pfn:0x…)". */
  toString(): string { return `page(pfn:0x${this.pfn.toString(16)})`; }
}

export class MemMap {
  private readonly sections = new Map<number, Section>();
  private readonly pages = new Map<number, Page>();
  private readonly validRanges: ReadonlyArray<readonly [number, number]>;
  /** Physical address of the i386 mem_map array (lowmem); x86_64 uses the vmemmap instead. */
  memMapPhys = 0;

  constructor(readonly profile: ArchProfile) {
    // Frames of RAM and of the small firmware holes inside RAM have a struct page;
    // the PCI hole between 3 and 4 GiB has none (pfn_valid() is false there).
    const ranges: Array<[number, number]> = [];
    for (const r of profile.e820) {
      if (r.type !== "usable") continue;
      // Nothing above max_pfn has a struct page (on i386 PAE, RAM beyond 64 GiB is dropped).
      const lo = Math.floor(r.start / PAGE_SIZE), hi = Math.min(Math.ceil(r.end / PAGE_SIZE), profile.maxPfn);
      if (lo >= hi) continue;
      const last = ranges[ranges.length - 1];
      if (last && lo - last[1] <= 0x100) last[1] = hi; // bridge the 640K–1M legacy hole
      else ranges.push([lo, hi]);
    }
    this.validRanges = ranges;
  }

  pfnValid(pfn: number): boolean {
    for (const [lo, hi] of this.validRanges) if (pfn >= lo && pfn < hi) return true;
    return false;
  }

  zoneOf(pfn: number): ZoneId {
    for (const z of this.profile.zones) if (pfn >= z.startPfn && pfn < z.endPfn) return z.id;
    return ZoneId.DMA;
  }

  /** The last section looked up: struct page accesses come in runs within one section. */
  private lastKey = -1;
  private lastSection: Section | undefined;

  private section(pfn: number): Section | undefined {
    const key = pfn >>> SECTION_SHIFT;
    if (key === this.lastKey) return this.lastSection;
    const s = this.sections.get(key);
    if (s) {
      this.lastKey = key;
      this.lastSection = s;
    }
    return s;
  }

  private sectionForWrite(pfn: number): Section {
    let s = this.section(pfn);
    if (!s) {
      const key = pfn >>> SECTION_SHIFT;
      s = new Section();
      this.sections.set(key, s);
      this.lastKey = key;
      this.lastSection = s;
    }
    return s;
  }

  get materialisedSections(): number { return this.sections.size; }

  flags(pfn: number): number { return this.section(pfn)?.flags[pfn & SECTION_MASK] ?? 0; }
  refcount(pfn: number): number { return this.section(pfn)?.refcount[pfn & SECTION_MASK] ?? 0; }
  mapcount(pfn: number): number { return (this.section(pfn)?.mapcount1[pfn & SECTION_MASK] ?? 0) - 1; }
  owner(pfn: number): Owner { return (this.section(pfn)?.owner[pfn & SECTION_MASK] ?? Owner.Free) as Owner; }

  userMaps(pfn: number): number { return this.section(pfn)?.usermaps[pfn & SECTION_MASK] ?? 0; }
  addUserMaps(pfn: number, d: number): number { return (this.sectionForWrite(pfn).usermaps[pfn & SECTION_MASK] += d); }

  testFlag(pfn: number, bit: number): boolean { return (this.flags(pfn) & (1 << bit)) !== 0; }
  setFlag(pfn: number, bit: number): void { this.sectionForWrite(pfn).flags[pfn & SECTION_MASK] |= 1 << bit; }
  clearFlag(pfn: number, bit: number): void {
    const s = this.section(pfn);
    if (s) s.flags[pfn & SECTION_MASK] &= ~(1 << bit);
  }
  setFlags(pfn: number, flags: number): void {
    if (flags || this.section(pfn)) this.sectionForWrite(pfn).flags[pfn & SECTION_MASK] = flags;
  }
  setRefcount(pfn: number, v: number): void { this.sectionForWrite(pfn).refcount[pfn & SECTION_MASK] = v; }
  addRefcount(pfn: number, d: number): number {
    const s = this.sectionForWrite(pfn);
    return (s.refcount[pfn & SECTION_MASK] += d);
  }
  setMapcount(pfn: number, v: number): void { this.sectionForWrite(pfn).mapcount1[pfn & SECTION_MASK] = v + 1; }
  addMapcount(pfn: number, d: number): number {
    const s = this.sectionForWrite(pfn);
    return (s.mapcount1[pfn & SECTION_MASK] += d) - 1;
  }
  setOwner(pfn: number, o: Owner, count = 1): void {
    for (let i = 0; i < count; i++) {
      const p = pfn + i;
      if (o === Owner.Free && !this.section(p)) continue;
      this.sectionForWrite(p).owner[p & SECTION_MASK] = o;
    }
  }

  /** Set up struct pages of [lo, hi) in bulk (memblock reservations at boot); frames without a struct page are skipped. */
  initRange(lo: number, hi: number, v: { flags: number; refcount: number; owner: Owner }): void {
    for (const [vlo, vhi] of this.validRanges) {
      for (let pfn = Math.max(lo, vlo), end = Math.min(hi, vhi); pfn < end; ) {
        const s = this.sectionForWrite(pfn);
        const from = pfn & SECTION_MASK, to = Math.min(SECTION_PAGES, from + (end - pfn));
        s.flags.fill(v.flags, from, to);
        s.refcount.fill(v.refcount, from, to);
        s.owner.fill(v.owner, from, to);
        pfn += to - from;
      }
    }
  }

  page(pfn: number): Page {
    let p = this.pages.get(pfn);
    if (!p) {
      p = new Page(this, pfn);
      this.pages.set(pfn, p);
    }
    return p;
  }

  structPageAddress(pfn: number): number {
    const sz = this.profile.structPageSize;
    return this.profile.arch === "x86_64" ? VMEMMAP_START + pfn * sz : this.profile.pageOffset + this.memMapPhys + pfn * sz;
  }

  /** Every materialised frame, for inspection: calls fn for each pfn whose struct page is not pristine. */
  forEachTouched(fn: (pfn: number) => void): void {
    for (const [key, s] of [...this.sections].sort((a, b) => a[0] - b[0])) {
      const base = key << SECTION_SHIFT;
      for (let i = 0; i < SECTION_PAGES; i++) {
        if (s.flags[i] || s.refcount[i] || s.mapcount1[i] || s.owner[i]) fn(base + i);
      }
    }
  }
}
