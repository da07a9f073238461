// The buddy allocator of mm/page_alloc.c: per zone, free lists of blocks of
// 2^order frames, split on allocation (expand) and merged with their buddy
// on free. Free lists are intrusive doubly linked lists keyed by PFN, so
// add, remove and pop are O(1) and nothing is stored for allocated frames.

import type { ZoneSpan } from "../arch/profile";

export const MAX_ORDER = 10; // MAX_PAGE_ORDER: the largest block is 2^10 frames (4 MiB)
export const NR_PAGE_ORDERS = MAX_ORDER + 1;
const NONE = -1;

export interface Watermarks { min: number; low: number; high: number }

export class Zone {
  readonly nrFree: number[] = new Array(NR_PAGE_ORDERS).fill(0);
  readonly head: number[] = new Array(NR_PAGE_ORDERS).fill(NONE);
  readonly tail: number[] = new Array(NR_PAGE_ORDERS).fill(NONE);
  freePages = 0;
  /** Frames of RAM in the zone's span, and those handed to the buddy allocator at boot. */
  presentPages = 0;
  managedPages = 0;
  watermark: Watermarks = { min: 0, low: 0, high: 0 };
  constructor(readonly span: ZoneSpan) {}
  get id() { return this.span.id; }
  get name() { return this.span.name; }
  get startPfn() { return this.span.startPfn; }
  get endPfn() { return this.span.endPfn; }
  contains(pfn: number): boolean { return pfn >= this.span.startPfn && pfn < this.span.endPfn; }
}

export class BuddyAllocator {
  private readonly next = new Map<number, number>();
  private readonly prev = new Map<number, number>();
  /** PageBuddy() and buddy_order(): the heads of free blocks and their order. */
  private readonly freeOrder = new Map<number, number>();

  constructor(readonly zones: readonly Zone[]) {}

  zoneOf(pfn: number): Zone | undefined {
    for (const z of this.zones) if (z.contains(pfn)) return z;
    return undefined;
  }

  /** The free block containing pfn, if the frame is free. */
  freeBlockOf(pfn: number): { head: number; order: number } | undefined {
    for (let o = 0; o <= MAX_ORDER; o++) {
      const head = pfn - (pfn % (1 << o));
      const fo = this.freeOrder.get(head);
      if (fo !== undefined && fo >= o) return { head, order: fo };
    }
    return undefined;
  }

  isFreeHead(pfn: number, order: number): boolean { return this.freeOrder.get(pfn) === order; }

  private link(z: Zone, pfn: number, order: number, toTail: boolean): void {
    this.freeOrder.set(pfn, order);
    if (toTail) {
      const t = z.tail[order];
      this.prev.set(pfn, t);
      this.next.set(pfn, NONE);
      if (t === NONE) z.head[order] = pfn; else this.next.set(t, pfn);
      z.tail[order] = pfn;
    } else {
      const h = z.head[order];
      this.next.set(pfn, h);
      this.prev.set(pfn, NONE);
      if (h === NONE) z.tail[order] = pfn; else this.prev.set(h, pfn);
      z.head[order] = pfn;
    }
    z.nrFree[order]++;
    z.freePages += 1 << order;
  }

  private unlink(z: Zone, pfn: number, order: number): void {
    const n = this.next.get(pfn) ?? NONE, p = this.prev.get(pfn) ?? NONE;
    if (p === NONE) z.head[order] = n; else this.next.set(p, n);
    if (n === NONE) z.tail[order] = p; else this.prev.set(n, p);
    this.next.delete(pfn);
    this.prev.delete(pfn);
    this.freeOrder.delete(pfn);
    z.nrFree[order]--;
    z.freePages -= 1 << order;
  }

  /** __rmqueue_smallest + expand: the lowest order that has a block, split down to `order`. */
  take(z: Zone, order: number): number {
    for (let cur = order; cur <= MAX_ORDER; cur++) {
      const pfn = z.head[cur];
      if (pfn === NONE) continue;
      this.unlink(z, pfn, cur);
      for (let high = cur; high > order; ) {
        high--;
        this.link(z, pfn + (1 << high), high, false);
      }
      return pfn;
    }
    return NONE;
  }

  /**
   * __free_one_page: merge with free buddies of the same order in the same
   * zone, then queue at the head — or at the tail when the merged block's own
   * buddy is free too (buddy_merge_likely), or when memory is handed over at boot.
   */
  free(z: Zone, pfn: number, order: number, boot = false): void {
    while (order < MAX_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (!z.contains(buddy) || this.freeOrder.get(buddy) !== order) break;
      this.unlink(z, buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    let toTail = boot;
    if (!toTail && order < MAX_ORDER - 1) {
      const higherBuddy = (pfn - (pfn % (1 << (order + 1)))) ^ (1 << (order + 1));
      toTail = this.freeOrder.get(higherBuddy) === order + 1;
    }
    this.link(z, pfn, order, toTail);
  }

  /** Free list of one order, head first (for inspection). */
  list(z: Zone, order: number, max = Infinity): number[] {
    const out: number[] = [];
    for (let p = z.head[order]; p !== NONE && out.length < max; p = this.next.get(p) ?? NONE) out.push(p);
    return out;
  }
}
