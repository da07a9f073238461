// Two shadows of RAM used by the DMA layer.
//
// CpuCache: the write-back CPU data cache as a non-coherent device sees it,
// in 64-byte lines. Only lines overlapping a live streaming mapping of a
// non-coherent device are ever cached (the Dma layer decides); everything
// else behaves as if written straight through, which is equivalent because
// the map itself writes back. A line holds the CPU's view; `dirty` means RAM
// is older than the line, `stale` that the device wrote RAM under the line
// after it was filled (so the line is older than RAM).
//
// InitShadow: which bytes were never written since their allocation, for
// DMA022. Only allocations made while a device is attached are tracked
// (kmalloc and page allocations seen through the event stream, minus
// __GFP_ZERO ones); a page is either absent (initialised), fully
// uninitialised (the number 1, no array), or a byte map (1 = uninitialised).
// The granularity is the byte.

import type { Kernel } from "../kernel";
import { PAGE_SIZE } from "../util/addr";

export const L1_CACHE_BYTES = 64;

export interface Line { data: Uint8Array; dirty: boolean; stale: boolean }

export class CpuCache {
  readonly lines = new Map<number, Line>();
  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** The line, filled from RAM when absent. */
  fill(ln: number): Line {
    let l = this.lines.get(ln);
    if (!l) {
      l = { data: new Uint8Array(L1_CACHE_BYTES), dirty: false, stale: false };
      this.#k.phys.read(ln * L1_CACHE_BYTES, l.data);
      this.lines.set(ln, l);
    }
    return l;
  }

  writeBack(ln: number, l: Line): void {
    if (l.dirty) this.#k.phys.write(ln * L1_CACHE_BYTES, l.data);
    l.dirty = false;
  }

  /** Clean (write back) every line of [pa, pa+size). */
  clean(pa: number, size: number): void {
    if (!this.lines.size) return;
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), end = Math.floor((pa + size - 1) / L1_CACHE_BYTES); ln <= end; ln++) {
      const l = this.lines.get(ln);
      if (l) this.writeBack(ln, l);
    }
  }

  /** Invalidate [pa, pa+size): lines wholly inside are dropped (dirty data lost), partial edge lines are cleaned first. */
  invalidate(pa: number, size: number): void {
    if (!this.lines.size) return;
    const end = pa + size;
    for (let ln = Math.floor(pa / L1_CACHE_BYTES), last = Math.floor((end - 1) / L1_CACHE_BYTES); ln <= last; ln++) {
      const l = this.lines.get(ln);
      if (!l) continue;
      const ls = ln * L1_CACHE_BYTES;
      if (ls < pa || ls + L1_CACHE_BYTES > end) this.writeBack(ln, l);
      this.lines.delete(ln);
    }
  }

  /** Write back and drop a line (eviction). */
  evict(ln: number): void {
    const l = this.lines.get(ln);
    if (!l) return;
    this.writeBack(ln, l);
    this.lines.delete(ln);
  }
}

const FULL = 1;

export class InitShadow {
  readonly pages = new Map<number, Uint8Array | typeof FULL>();

  get size(): number { return this.pages.size; }

  markUninit(pa: number, len: number): void {
    this.each(pa, len, (pfn, off, n) => {
      if (n === PAGE_SIZE) { this.pages.set(pfn, FULL); return; }
      let m = this.pages.get(pfn);
      if (m === FULL) return;
      if (!m) { m = new Uint8Array(PAGE_SIZE); this.pages.set(pfn, m); }
      m.fill(1, off, off + n);
    });
  }

  markInit(pa: number, len: number): void {
    if (!this.pages.size) return;
    this.each(pa, len, (pfn, off, n) => {
      let m = this.pages.get(pfn);
      if (m === undefined) return;
      if (n === PAGE_SIZE) { this.pages.delete(pfn); return; }
      if (m === FULL) { m = new Uint8Array(PAGE_SIZE).fill(1); this.pages.set(pfn, m); }
      m.fill(0, off, off + n);
    });
  }

  /** How many bytes of [pa, pa+len) are uninitialised, and the first of them (-1 if none). */
  count(pa: number, len: number): { count: number; first: number } {
    let count = 0, first = -1;
    this.each(pa, len, (pfn, off, n) => {
      const m = this.pages.get(pfn);
      if (m === undefined) return;
      if (m === FULL) {
        if (first < 0) first = pfn * PAGE_SIZE + off;
        count += n;
        return;
      }
      for (let i = off; i < off + n; i++) {
        if (!m[i]) continue;
        if (first < 0) first = pfn * PAGE_SIZE + i;
        count++;
      }
    });
    return { count, first };
  }

  private each(pa: number, len: number, fn: (pfn: number, off: number, n: number) => void): void {
    while (len > 0) {
      const pfn = Math.floor(pa / PAGE_SIZE), off = pa - pfn * PAGE_SIZE;
      const n = Math.min(len, PAGE_SIZE - off);
      fn(pfn, off, n);
      pa += n;
      len -= n;
    }
  }
}
