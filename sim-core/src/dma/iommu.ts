// An IOMMU domain per device (drivers/iommu/dma-iommu.c in spirit): an IOVA
// allocator handing out page ranges top-down below the device's limit (below
// 4 GiB first, as iommu_dma_alloc_iova() does for PCI devices), and the I/O
// page table from IOVA page to physical frame. A device access to an IOVA
// with no entry is a DMAR fault.

import { PAGE_SIZE } from "../util/addr";

const FOUR_G = 2 ** 32;
/** The IOVA space starts above the first page, so bus address 0 is never handed out. */
const IOVA_START_PFN = 1;

interface Range { start: number; pages: number }

export class IommuDomain {
  /** IOVA pfn → physical pfn. */
  readonly pte = new Map<number, number>();
  /** Allocated IOVA ranges, sorted by start pfn. */
  private readonly ranges: Range[] = [];

  /** alloc_iova(): `pages` IOVA pages ending below limitPfn, highest first; -1 when the space is full. */
  alloc(pages: number, limit: number): number {
    const tryLimit = (lim: number): number => {
      let top = Math.floor(lim / PAGE_SIZE);
      for (let i = this.ranges.length - 1; i >= -1; i--) {
        const r = this.ranges[i];
        const floor = r ? r.start + r.pages : IOVA_START_PFN;
        if (r && r.start >= top) continue;
        if (top - floor >= pages) {
          const start = top - pages;
          this.ranges.splice(i + 1, 0, { start, pages });
          return start;
        }
        if (r) top = Math.min(top, r.start);
      }
      return -1;
    };
    let s = tryLimit(Math.min(limit, FOUR_G));
    if (s < 0 && limit > FOUR_G) s = tryLimit(Math.min(limit, 2 ** 48));
    return s;
  }

  free(startPfn: number): number {
    const i = this.ranges.findIndex((r) => r.start === startPfn);
    if (i < 0) return 0;
    const [r] = this.ranges.splice(i, 1);
    for (let p = 0; p < r.pages; p++) this.pte.delete(r.start + p);
    return r.pages;
  }

  /** The range starting at or containing an IOVA pfn. */
  rangeOf(pfn: number): Range | undefined {
    return this.ranges.find((r) => pfn >= r.start && pfn < r.start + r.pages);
  }

  /** Maps a physical range at an IOVA range (page granular). */
  map(iovaPfn: number, pa: number, size: number): void {
    const first = Math.floor(pa / PAGE_SIZE), last = Math.floor((pa + Math.max(size, 1) - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) this.pte.set(iovaPfn + (p - first), p);
  }

  /** The physical address behind an IOVA, or -1 (a fault). */
  translate(iova: number): number {
    const vpfn = Math.floor(iova / PAGE_SIZE);
    const pfn = this.pte.get(vpfn);
    return pfn === undefined ? -1 : pfn * PAGE_SIZE + (iova - vpfn * PAGE_SIZE);
  }

  get liveRanges(): number { return this.ranges.length; }
}
