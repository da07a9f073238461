// swiotlb: the bounce buffer pool of kernel/dma/swiotlb.c. A buffer the
// device cannot reach (beyond its DMA mask) is copied to 2 KiB slots low in
// memory: on map (always, as Linux does, so the device never sees the
// previous user's bytes), back on unmap and sync_for_cpu for FROM_DEVICE and
// BIDIRECTIONAL, and again on sync_for_device for TO_DEVICE and
// BIDIRECTIONAL. A mapping never crosses a 128-slot segment (IO_TLB_SEGSIZE),
// so the largest bounced mapping is 256 KiB.
//
// The pool is taken from the page allocator the first time a device is
// attached (not at boot, so machines without devices keep their memory
// picture), preferring ZONE_DMA, then ZONE_DMA32: "placed low".

import type { Kernel } from "../kernel";
import { __GFP_DMA, __GFP_DMA32, __GFP_NOWARN } from "../mm/gfp";
import { Owner } from "../mm/memmap";
import { PAGE_SIZE } from "../util/addr";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, type DmaDirection } from "./types";

export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
const SEG_BYTES = IO_TLB_SIZE * IO_TLB_SEGSIZE; // 256 KiB
const MAX_ORDER_BYTES = 4 << 20;

export class Swiotlb {
  /** Pool size in bytes; set before the first device is attached (default 4 MiB, rounded to 256 KiB). */
  size = 4 << 20;
  /** swiotlb=force: bounce every streaming mapping of direct-route devices. */
  force = false;
  /** Physical base of each 128-slot segment. */
  private segBase: number[] = [];
  private used = new Uint8Array(0);
  /** Original physical address per slot, and the slot count at the head of each allocation. */
  private orig = new Float64Array(0);
  private allocSlots = new Int32Array(0);
  private cursor = 0;
  usedSlots = 0;
  private tried = false;
  /** One past the highest pool address: a mask must reach it for bouncing to help. */
  end = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  get nslabs(): number { return this.used.length; }
  get ready(): boolean { return this.segBase.length > 0; }

  /** Takes the pool from the page allocator (once). */
  init(): void {
    if (this.ready || this.tried) return;
    this.tried = true;
    const k = this.#k;
    const segs = this.size > 0 ? Math.max(1, Math.ceil(this.size / SEG_BYTES)) : 0;
    let left = segs * SEG_BYTES;
    k.withModule(null, () => {
      while (left > 0) {
        const bytes = Math.min(left, MAX_ORDER_BYTES);
        const order = Math.ceil(Math.log2(bytes / PAGE_SIZE));
        let pfn = k.pages.alloc(__GFP_DMA | __GFP_NOWARN, order, Owner.Kernel, undefined);
        if (pfn < 0) pfn = k.pages.alloc(__GFP_DMA32 | __GFP_NOWARN, order, Owner.Kernel, undefined);
        if (pfn < 0) break;
        for (let off = 0; off < bytes; off += SEG_BYTES) this.segBase.push(pfn * PAGE_SIZE + off);
        left -= bytes;
      }
    });
    const n = this.segBase.length * IO_TLB_SEGSIZE;
    this.used = new Uint8Array(n);
    this.orig = new Float64Array(n);
    this.allocSlots = new Int32Array(n);
    this.end = this.segBase.reduce((m, b) => Math.max(m, b + SEG_BYTES), 0);
    const lo = n ? Math.min(...this.segBase) : 0;
    if (n) k.printk(`\x016software IO TLB: mapped [mem 0x${lo.toString(16).padStart(16, "0")}-0x${(this.end - 1).toString(16).padStart(16, "0")}] (${(n * IO_TLB_SIZE) >> 20}MB)\n`);
  }

  slotAddr(i: number): number { return this.segBase[i >> 7] + (i & (IO_TLB_SEGSIZE - 1)) * IO_TLB_SIZE; }

  /** The allocations in the pool now, for debuggers: first slot, its tlb address, the original, the slot count. */
  busy(): Array<{ slot: number; tlb: number; orig: number; slots: number }> {
    const out = [];
    for (let i = 0; i < this.used.length; i++) {
      if (this.used[i] && this.allocSlots[i] > 0) out.push({ slot: i, tlb: this.slotAddr(i), orig: this.orig[i], slots: this.allocSlots[i] });
    }
    return out;
  }

  /** The slot a tlb address falls in, or -1. */
  slotOf(pa: number): number {
    for (let s = 0; s < this.segBase.length; s++) {
      const b = this.segBase[s];
      if (pa >= b && pa < b + SEG_BYTES) return s * IO_TLB_SEGSIZE + Math.floor((pa - b) / IO_TLB_SIZE);
    }
    return -1;
  }

  isTlb(pa: number): boolean { return this.slotOf(pa) >= 0; }

  /** swiotlb_tbl_map_single(): the tlb address, or -1 when the pool is full. Copies the buffer in. */
  map(orig: number, size: number): number {
    const n = this.used.length;
    const need = Math.max(1, Math.ceil(size / IO_TLB_SIZE));
    if (need > IO_TLB_SEGSIZE || n === 0) return -1;
    const stride = size >= PAGE_SIZE ? PAGE_SIZE / IO_TLB_SIZE : 1;
    let start = -1;
    for (let tries = 0, i = this.cursor - (this.cursor % stride); tries < n; tries += stride, i += stride) {
      if (i >= n) i = 0;
      const seg = i >> 7;
      if (((i + need - 1) >> 7) !== seg) continue;
      let ok = true;
      for (let j = 0; j < need; j++) if (this.used[i + j]) { ok = false; break; }
      if (ok) { start = i; break; }
    }
    if (start < 0) return -1;
    for (let j = 0; j < need; j++) {
      this.used[start + j] = 1;
      this.orig[start + j] = orig + j * IO_TLB_SIZE;
    }
    this.allocSlots[start] = need;
    this.usedSlots += need;
    this.cursor = (start + need) % n;
    const tlb = this.slotAddr(start);
    this.bounce(tlb, orig, size, DMA_TO_DEVICE);
    return tlb;
  }

  /** swiotlb_tbl_unmap_single(): copies back for FROM_DEVICE/BIDIRECTIONAL and frees the slots. */
  unmap(tlb: number, size: number, dir: DmaDirection, copyBack = true): void {
    const i = this.slotOf(tlb);
    if (i < 0) return;
    if (copyBack && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) this.bounce(tlb, this.orig[i], size, DMA_FROM_DEVICE);
    const need = this.allocSlots[i];
    for (let j = 0; j < need; j++) this.used[i + j] = 0;
    this.allocSlots[i] = 0;
    this.usedSlots -= need;
  }

  syncForCpu(tlb: number, size: number, dir: DmaDirection): void {
    if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) this.bounce(tlb, this.origOf(tlb), size, DMA_FROM_DEVICE);
  }

  syncForDevice(tlb: number, size: number, dir: DmaDirection): void {
    if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) this.bounce(tlb, this.origOf(tlb), size, DMA_TO_DEVICE);
  }

  /** The original address behind a tlb address (slot orig plus the offset in the slot). */
  origOf(tlb: number): number {
    const i = this.slotOf(tlb);
    return this.orig[i] + (tlb - this.slotAddr(i));
  }

  /** swiotlb_bounce(): TO_DEVICE copies orig → tlb, FROM_DEVICE tlb → orig. */
  private bounce(tlb: number, orig: number, size: number, dir: DmaDirection): void {
    const k = this.#k, buf = new Uint8Array(size);
    if (dir === DMA_TO_DEVICE) {
      k.dma.cpuView(orig, buf);
      k.phys.write(tlb, buf);
    } else {
      k.phys.read(tlb, buf);
      k.dma.cpuStore(orig, buf);
    }
    k.clock.advance(size * k.cost.bytes);
  }
}
