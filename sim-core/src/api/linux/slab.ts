// <linux/slab.h>: kmalloc and named object caches.

import type { KmemCache } from "../../mm/slab";
import { KMALLOC_MAX_SIZE, ZERO_SIZE_PTR } from "../../mm/slab";
import { __GFP_ZERO } from "../../mm/gfp";
import { currentKernel, here, intArg, mightSleepIf } from "../current";

export { KMALLOC_MAX_SIZE, ZERO_SIZE_PTR };
export type kmem_cache = KmemCache;
export const SLAB_HWCACHE_ALIGN = 0x2000;
export const SLAB_CACHE_DMA = 0x4000;

export function ZERO_OR_NULL_PTR(p: number): boolean {
  return p >= 0 && p <= ZERO_SIZE_PTR;
}

/**
 * ```c
 * void *kmalloc(size_t size, gfp_t flags)
 * ```
 * kmalloc(): an address, 0 for NULL, ZERO_SIZE_PTR for size 0.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context); MEM008 (memory leaked at unload).
 */
export function kmalloc(size: number, flags: number): number {
  const k = currentKernel();
  const gfp = intArg("kmalloc", 2, flags), stack = here(k);
  mightSleepIf(k, "kmalloc", gfp, stack);
  return k.slab.kmalloc(intArg("kmalloc", 1, size), gfp, stack);
}

export function kzalloc(size: number, flags: number): number {
  return kmalloc(intArg("kzalloc", 1, size), intArg("kzalloc", 2, flags) | __GFP_ZERO);
}

/**
 * ```c
 * void *kmalloc_array(size_t n, size_t size, gfp_t flags)
 * ```
 * kmalloc_array(): NULL when n * size overflows.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context).
 */
export function kmalloc_array(n: number, size: number, flags: number): number {
  const k = currentKernel();
  const total = intArg("kmalloc_array", 1, n) * intArg("kmalloc_array", 2, size);
  if (total > Number.MAX_SAFE_INTEGER || total > 2 ** k.profile.bits - 1) return 0;
  return kmalloc(total, intArg("kmalloc_array", 3, flags));
}
/**
 * ```c
 * #define SLAB_CACHE_DMA ((slab_flags_t __force)0x00004000U)
 * ```
 * kmem_cache_create() flag: objects from ZONE_DMA (below 16 MiB), for ISA DMA.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */

export function kcalloc(n: number, size: number, flags: number): number {
/**
 * ```c
 * #define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
 * ```
 * True for NULL and for ZERO_SIZE_PTR (what kmalloc(0) returns): neither may be dereferenced.
 *
 * Rules: MEM005 (NULL or wild pointer access).
 */
  return kmalloc_array(n, size, intArg("kcalloc", 3, flags) | __GFP_ZERO);
}

export function krealloc(p: number, new_size: number, flags: number): number {
  const k = currentKernel();
  return k.slab.krealloc(intArg("krealloc", 1, p), intArg("krealloc", 2, new_size), intArg("krealloc", 3, flags), here(k));
}

export function kfree(p: number): void {
  const k = currentKernel();
  k.slab.kfree(intArg("kfree", 1, p), here(k));
}
/**
 * ```c
 * void *kzalloc(size_t size, gfp_t flags)
 * ```
 * kmalloc() with __GFP_ZERO: zeroed memory, or NULL. Free with kfree().
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context); MEM008 (memory leaked at unload).
 */

export function ksize(p: number): number {
  return currentKernel().slab.ksize(intArg("ksize", 1, p));
}

export function kmem_cache_create(name: string, size: number, align: number, flags: number, ctor?: ((obj: number) => void) | null): KmemCache | null {
  const k = currentKernel();
  const sz = intArg("kmem_cache_create", 2, size);
  if (typeof name !== "string" || !name || sz <= 0 || sz > KMALLOC_MAX_SIZE) return null;
  // calculate_alignment(): the cache line, halved while the object fits in half of it.
  let a = intArg("kmem_cache_create", 3, align);
  if (flags & SLAB_HWCACHE_ALIGN) {
/**
 * ```c
 * void *kcalloc(size_t n, size_t size, gfp_t flags)
 * ```
 * A zeroed array of n elements of size bytes; NULL when n * size overflows or memory is short.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context).
 */
    let ralign = 64;
    while (sz <= ralign / 2) ralign /= 2;
    a = Math.max(a, ralign);
  }
/**
 * ```c
 * void *krealloc(const void *p, size_t new_size, gfp_t flags)
 * ```
 * Resizes a kmalloc() object, moving it when it must; the old pointer is invalid after a move. On failure NULL is returned and p is still valid (and still must be freed).
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM002 (use after free); CTX001 (sleeping in atomic context).
 */
  return k.slab.createCache(name, sz, a, flags & SLAB_CACHE_DMA ? 0x01 : 0, ctor ?? undefined);
}

export function kmem_cache_alloc(cache: KmemCache, flags: number): number {
  const k = currentKernel();
/**
 * ```c
 * void kfree(const void *objp)
 * ```
 * Frees a kmalloc() object; NULL and ZERO_SIZE_PTR are ignored. The object must not be used after it, freed twice, or come from another allocator (vmalloc memory needs vfree(), pages free_pages()).
 *
 * Rules: MEM002 (use after free); MEM003 (double or invalid free); MEM004 (allocator mismatch); MM008 (backing memory freed under a live mapping).
 */
  const gfp = intArg("kmem_cache_alloc", 2, flags), stack = here(k);
  mightSleepIf(k, "kmem_cache_alloc", gfp, stack);
  return k.slab.alloc(cache, cache.objectSize, gfp, stack);
}

/**
 * ```c
 * size_t ksize(const void *objp)
 * ```
 * The usable size of a kmalloc() object (its size class). Using bytes beyond the requested size is still an out-of-bounds access under KASAN.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function kmem_cache_zalloc(cache: KmemCache, flags: number): number {
  return kmem_cache_alloc(cache, intArg("kmem_cache_zalloc", 2, flags) | __GFP_ZERO);
}

export function kmem_cache_free(cache: KmemCache, obj: number): void {
  const k = currentKernel();
  const o = k.slab.objectAt(intArg("kmem_cache_free", 2, obj));
  if (o && o.cache !== cache && o.start === obj) {
    k.warn(`kmem_cache_free(${cache.name}): object ${k.px(obj)} belongs to cache ${o.cache.name}`, here(k));
  }
  k.slab.kfree(obj, here(k));
}

/** kmem_cache_destroy(): a cache with live objects is not destroyed ("Slab cache still has objects"). */
export function kmem_cache_destroy(cache: KmemCache | null): void {
  if (!cache) return;
  const k = currentKernel();
  const busy = k.slab.destroyCache(cache);
  if (busy) k.warn(`kmem_cache_destroy ${cache.name}: Slab cache still has objects when called from ${k.stacks.symbol(here(k))} (${busy} objects)`, here(k));
}

// kvmalloc()/kvfree() are declared by <linux/slab.h>.
export * from "./kvmalloc";
