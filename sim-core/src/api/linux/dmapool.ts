// <linux/dmapool.h>: pools of small coherent DMA blocks.

import { Device } from "../../dev/device";
import type { DmaPool } from "../../dma/pool";
import { __GFP_ZERO } from "../../mm/gfp";
import type { Ref } from "../../util/ref";
import { currentKernel, here, intArg, mightSleepIf } from "../current";

/**
 * struct dma_pool * as a driver holds it: a handle. The pool behind it, with
 * its pages and free list, stays the kernel's: edited, they would hide a
 * double free from dma-debug (DMA021).
 */
class DmaPoolHandle {
  constructor(
    /** The pool's name (dma_pool_create()'s first argument). */
    readonly name: string) {
    Object.freeze(this);
  }
  /** A printable form, "dma_pool(name)". */
  toString(): string { return `dma_pool(${this.name})`; }
}
Object.freeze(DmaPoolHandle.prototype);
export type dma_pool = DmaPoolHandle;
const pools = new WeakMap<object, DmaPool>();

function poolArg(fn: string, pool: unknown): DmaPool {
  const p = typeof pool === "object" && pool !== null ? pools.get(pool) : undefined;
  if (p) return p;
  throw new TypeError(`${fn}(): argument 1 must be a struct dma_pool from dma_pool_create(), got ${pool === null ? "NULL" : typeof pool}`);
}

/**
 * ```c
 * struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size, size_t align, size_t boundary)
 * ```
 * dma_pool_create(): blocks of size bytes, aligned to align, none crossing a boundary (0: none); null on bad arguments.
 *
 * Rules: MEM007 (allocation not checked for NULL).
 */
export function dma_pool_create(name: string, dev: Device, size: number, align: number, boundary: number): dma_pool | null {
  const k = currentKernel();
  if (!(dev instanceof Device)) throw new TypeError("dma_pool_create(): argument 2 must be a struct device");
  k.mightSleep("dma_pool_create", here(k));
  const pool = k.dma.pools.create(String(name), dev, intArg("dma_pool_create", 3, size), intArg("dma_pool_create", 4, align), intArg("dma_pool_create", 5, boundary));
  if (!pool) return null;
  const h = new DmaPoolHandle(pool.name);
  pools.set(h, pool);
  return h;
}

/**
 * ```c
 * void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
 * ```
 * dma_pool_alloc(): the block's CPU address (0 for NULL); its bus address through handle.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); DMA021 (DMA pool misuse).
 */
export function dma_pool_alloc(pool: dma_pool, mem_flags: number, handle: Ref<number>): number {
  const k = currentKernel(), gfp = intArg("dma_pool_alloc", 2, mem_flags);
  mightSleepIf(k, "dma_pool_alloc", gfp, here(k));
  return k.dma.pools.alloc(poolArg("dma_pool_alloc", pool), gfp, handle);
}

/**
 * ```c
 * void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
 * ```
 * As dma_pool_alloc(), zeroed: the block's CPU address (0 for NULL), its bus address through handle.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); DMA021 (DMA pool misuse).
 */
export function dma_pool_zalloc(pool: dma_pool, mem_flags: number, handle: Ref<number>): number {
  return dma_pool_alloc(pool, intArg("dma_pool_zalloc", 2, mem_flags) | __GFP_ZERO, handle);
}

/**
 * ```c
 * void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma)
 * ```
 * Returns a block to the pool it came from; vaddr and dma must be the pair dma_pool_alloc() gave.
 *
 * Rules: DMA021 (DMA pool misuse).
 */
export function dma_pool_free(pool: dma_pool, vaddr: number, dma: number): void {
  currentKernel().dma.pools.free(poolArg("dma_pool_free", pool), intArg("dma_pool_free", 2, vaddr), intArg("dma_pool_free", 3, dma));
}

/**
 * ```c
 * void dma_pool_destroy(struct dma_pool *pool)
 * ```
 * dma_pool_destroy(): NULL is allowed.
 *
 * Rules: DMA021 (DMA pool misuse); DMA023 (coherent free in interrupt context).
 */
export function dma_pool_destroy(pool: dma_pool | null): void {
  if (pool === null) return;
  currentKernel().dma.pools.destroy(poolArg("dma_pool_destroy", pool));
}
