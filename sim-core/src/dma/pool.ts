// mm/dmapool.c: small coherent blocks carved out of dma_alloc_coherent()
// pages, with the pool debugging Linux has under slab debugging: free blocks
// are poisoned with POOL_POISON_FREED and checked on their next allocation
// (a write after free shows as "corrupted"), frees are checked against the
// pool's pages ("bad dma") and its free list ("already free"), and a pool
// destroyed with blocks outstanding is "busy" (its pages are leaked).

import type { CapturedStack } from "../kernel/stack";
import { fixAt, type FixSite } from "../kernel/fixsite";
import type { Kernel } from "../kernel";
import type { Device } from "../dev/device";
import { __GFP_ZERO } from "../mm/gfp";
import { PAGE_SIZE } from "../util/addr";
import type { Ref } from "../util/ref";
import { devPrefix, hexDma } from "./debug";

export const POOL_POISON_FREED = 0xa7;
export const POOL_POISON_ALLOCATED = 0xa9;

interface PoolPage {
  readonly vaddr: number;
  readonly dma: number;
  readonly inUse: Map<number, boolean>;
  /** Block offset → where it was last freed (a second free, a write after free, say where the first was). */
  readonly freedAt: Map<number, CapturedStack | undefined>;
}

/** struct dma_pool. */
export class DmaPool {
  readonly pages: PoolPage[] = [];
  /** The pool-wide free list, LIFO, as Linux's next_block chain. */
  readonly free: Array<{ page: PoolPage; off: number }> = [];
  nrActive = 0;
  destroyed = false;
  constructor(readonly name: string, readonly dev: Device, readonly size: number, readonly boundary: number, readonly allocation: number) {}
  toString(): string { return `dma_pool(${this.name})`; }
}

export class DmaPools {
  readonly #k: Kernel;
  /** Pools created and not destroyed, in creation order (Linux keeps them on dev->dma_pools; /sys/.../pools lists them). */
  readonly live: DmaPool[] = [];
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** dma_pool_create(): null for a bad size, alignment or boundary. */
  create(name: string, dev: Device, size: number, align: number, boundary: number): DmaPool | null {
    if (align === 0) align = 1;
    else if (align & (align - 1)) return null;
    if (size <= 0 || size > 0x7fffffff) return null;
    if (size < 16) size = 16; // sizeof(struct dma_block)
    size = Math.ceil(size / align) * align;
    const allocation = Math.max(size, PAGE_SIZE);
    if (!boundary) boundary = allocation;
    else if (boundary < size || boundary & (boundary - 1)) return null;
    boundary = Math.min(boundary, allocation);
    this.#k.dma.state(dev);
    const pool = new DmaPool(name, dev, size, boundary, allocation);
    this.live.push(pool);
    return pool;
  }

  private report(pool: DmaPool, fn: string, vaddr: number, dma: number, problem: string, line: string, extra: string[] = [], fix?: (s: CapturedStack | undefined) => FixSite | undefined): void {
    const k = this.#k, stack = k.stacks.capture();
    const site = fix?.(stack);
    k.violation({
      rule: "DMA021",
      params: { fn, pool: pool.name, addr: `0x${k.px(vaddr)}`, dev_addr: hexDma(dma), problem },
      report: [`${devPrefix(pool.dev)}: ${line}`, ...extra, "Call Trace:", ...k.stacks.formatStack(stack)],
      stack,
      ...(site ? { fix: site } : {}),
    });
  }

  /** pool_initialise_page(): blocks never straddle a boundary. */
  private grow(pool: DmaPool, gfp: number): boolean {
    const k = this.#k, handle: Ref<number> = { value: 0 };
    const vaddr = k.dma.allocCoherent(pool.dev, pool.allocation, handle, gfp & ~__GFP_ZERO, k.stacks.capture());
    if (!vaddr) return false;
    const page: PoolPage = { vaddr, dma: handle.value, inUse: new Map(), freedAt: new Map() };
    k.phys.fill(vaddr - k.profile.pageOffset, POOL_POISON_FREED, pool.allocation);
    const offs: number[] = [];
    let next = pool.boundary, off = 0;
    while (off + pool.size <= pool.allocation) {
      if (off + pool.size > next) { off = next; next += pool.boundary; continue; }
      offs.push(off);
      page.inUse.set(off, false);
      off += pool.size;
    }
    pool.pages.push(page);
    for (let i = offs.length - 1; i >= 0; i--) pool.free.push({ page, off: offs[i] });
    return true;
  }

  /** dma_pool_alloc()/dma_pool_zalloc(): the block's CPU address (0 for NULL); its bus address through handle. */
  alloc(pool: DmaPool, gfp: number, handle: Ref<number>): number {
    const k = this.#k;
    if (!pool.free.length && !this.grow(pool, gfp)) return 0;
    const { page, off } = pool.free.pop()!;
    const vaddr = page.vaddr + off, pa = vaddr - k.profile.pageOffset;
    const data = new Uint8Array(pool.size);
    k.phys.read(pa, data);
    const bad = data.findIndex((b) => b !== POOL_POISON_FREED);
    if (bad >= 0) {
      const dump: string[] = [];
      for (let i = 0; i < Math.min(pool.size, 64); i += 16) {
        dump.push(`${i.toString(16).padStart(8, "0")}: ${Array.from(data.subarray(i, Math.min(i + 16, pool.size)), (b) => b.toString(16).padStart(2, "0")).join(" ")}`);
      }
      const freed = page.freedAt.get(off);
      this.report(pool, "dma_pool_alloc", vaddr, page.dma + off, "corrupted", `dma_pool_alloc ${pool.name}, 0x${k.px(vaddr)} (corrupted)`,
        [`(byte ${bad} of the free block is 0x${data[bad].toString(16)}, not the poison 0x${POOL_POISON_FREED.toString(16)}: it was written after dma_pool_free())`, ...dump,
          ...(freed ? ["The block was freed at:", ...k.stacks.formatStack(freed)] : [])]);
    }
    k.phys.fill(pa, gfp & __GFP_ZERO ? 0 : POOL_POISON_ALLOCATED, pool.size);
    page.inUse.set(off, true);
    pool.nrActive++;
    handle.value = page.dma + off;
    return vaddr;
  }

  /** dma_pool_free(). */
  free(pool: DmaPool, vaddr: number, dma: number): void {
    const k = this.#k;
    const page = pool.pages.find((p) => dma >= p.dma && dma < p.dma + pool.allocation);
    if (!page) {
      this.report(pool, "dma_pool_free", vaddr, dma, "bad dma", `dma_pool_free ${pool.name}, 0x${k.px(vaddr)}/${hexDma(dma)} (bad dma)`);
      return;
    }
    const off = dma - page.dma;
    const state = page.inUse.get(off);
    if (state === undefined || vaddr !== page.vaddr + off) {
      this.report(pool, "dma_pool_free", vaddr, dma, "bad vaddr", `dma_pool_free ${pool.name}, 0x${k.px(vaddr)} (bad vaddr)/${hexDma(dma)}`);
      return;
    }
    if (!state) {
      const first = page.freedAt.get(off);
      this.report(pool, "dma_pool_free", vaddr, dma, "already free", `dma_pool_free ${pool.name}, dma ${hexDma(dma)} already free`,
        first ? ["The block was first freed at:", ...k.stacks.formatStack(first)] : [],
        (s) => fixAt(s, (f) => `${f.fn}() frees the block a second time${first?.top ? `: it was already freed at ${k.stacks.formatFrame(first.top)}` : ""}; free it once`));
      return;
    }
    k.phys.fill(vaddr - k.profile.pageOffset, POOL_POISON_FREED, pool.size);
    page.inUse.set(off, false);
    page.freedAt.set(off, k.stacks.capture());
    pool.free.push({ page, off });
    pool.nrActive--;
  }

  /** dma_pool_destroy(): a busy pool's pages are leaked, as in Linux. */
  destroy(pool: DmaPool): void {
    const k = this.#k;
    if (k.irqs.depth > 0) k.dma.irqContext(pool.dev, "dma_pool_destroy");
    if (pool.nrActive > 0) {
      let vaddr = 0, dma = 0;
      for (const p of pool.pages) for (const [off, used] of p.inUse) if (used && !vaddr) { vaddr = p.vaddr + off; dma = p.dma + off; }
      this.report(pool, "dma_pool_destroy", vaddr, dma, "busy", `dma_pool_destroy ${pool.name} busy`,
        [`(${pool.nrActive} block${pool.nrActive === 1 ? "" : "s"} still allocated, e.g. 0x${k.px(vaddr)}/${hexDma(dma)}: its pages are leaked)`]);
    } else {
      for (const p of pool.pages) k.dma.freeCoherent(pool.dev, pool.allocation, p.vaddr, p.dma, "dma_pool_destroy", false);
    }
    pool.pages.length = 0;
    pool.free.length = 0;
    pool.destroyed = true;
    const i = this.live.indexOf(pool);
    if (i >= 0) this.live.splice(i, 1);
  }
}
