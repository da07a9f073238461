// <linux/slab.h>: kmalloc and named object caches.

import type { KmemCache } from "../../mm/slab";
import { KMALLOC_MAX_SIZE, ZERO_SIZE_PTR } from "../../mm/slab";
import { __GFP_ZERO } from "../../mm/gfp";
import { bindCacheHandle, cacheBehind } from "../../mm/slab-handles";
import { currentKernel, here, intArg, mightSleepIf } from "../current";

export { KMALLOC_MAX_SIZE, ZERO_SIZE_PTR };
/**
 * struct kmem_cache * as a driver holds it: a handle. The cache behind it,
 * with its slabs and the allocation records KASAN and kmemleak read, stays
 * the kernel's: a driver that could edit them could hide a double free or a leak.
 */
class KmemCacheHandle {
  constructor(
    /** The cache's name, as /proc/slabinfo shows it (kmem_cache_create()'s first argument). */
    readonly name: string,
    /** s->object_size: the size of one object, as asked for. */
    readonly object_size: number) {
    Object.freeze(this);
  }
}
Object.freeze(KmemCacheHandle.prototype);
export type kmem_cache = KmemCacheHandle;
function cacheOf(fn: string, h: unknown): KmemCache {
  const c = cacheBehind(h);
  if (!c) throw new TypeError(`${fn}(): argument 1 is not a cache made by kmem_cache_create()`);
  return c;
}
/**
 * ```c
 * #define SLAB_HWCACHE_ALIGN ((slab_flags_t __force)0x00002000U)
 * ```
 * kmem_cache_create() flag: align objects on cache lines (objects used for DMA must not share a line with others).
 *
 * Rules: DMA015 (overlapping mappings share a cache line).
 */
export const SLAB_HWCACHE_ALIGN = 0x2000;
/**
 * ```c
 * #define SLAB_CACHE_DMA ((slab_flags_t __force)0x00004000U)
 * ```
 * kmem_cache_create() flag: objects from ZONE_DMA (below 16 MiB), for ISA DMA.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export const SLAB_CACHE_DMA = 0x4000;

/**
 * ```c
 * #define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
 * ```
 * True for NULL and for ZERO_SIZE_PTR (what kmalloc(0) returns): neither may be dereferenced.
 *
 * Rules: MEM005 (NULL or wild pointer access).
 */
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
  const gfp = intArg("kmalloc", 2, flags), stack = k.stacks.record();
  mightSleepIf(k, "kmalloc", gfp, stack);
  return k.slab.kmalloc(intArg("kmalloc", 1, size), gfp, stack);
}

/**
 * ```c
 * void *kzalloc(size_t size, gfp_t flags)
 * ```
 * kmalloc() with __GFP_ZERO: zeroed memory, or NULL. Free with kfree().
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context); MEM008 (memory leaked at unload).
 */
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
 * void *kcalloc(size_t n, size_t size, gfp_t flags)
 * ```
 * A zeroed array of n elements of size bytes; NULL when n * size overflows or memory is short.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context).
 */
export function kcalloc(n: number, size: number, flags: number): number {
  return kmalloc_array(n, size, intArg("kcalloc", 3, flags) | __GFP_ZERO);
}

/**
 * ```c
 * void *krealloc(const void *p, size_t new_size, gfp_t flags)
 * ```
 * Resizes a kmalloc() object, moving it when it must; the old pointer is invalid after a move. On failure NULL is returned and p is still valid (and still must be freed).
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM002 (use after free); CTX001 (sleeping in atomic context).
 */
export function krealloc(p: number, new_size: number, flags: number): number {
  const k = currentKernel();
  return k.slab.krealloc(intArg("krealloc", 1, p), intArg("krealloc", 2, new_size), intArg("krealloc", 3, flags), k.stacks.record());
}

/**
 * ```c
 * void kfree(const void *objp)
 * ```
 * Frees a kmalloc() object; NULL and ZERO_SIZE_PTR are ignored. The object must not be used after it, freed twice, or come from another allocator (vmalloc memory needs vfree(), pages free_pages()).
 *
 * Rules: MEM002 (use after free); MEM003 (double or invalid free); MEM004 (allocator mismatch); MM008 (backing memory freed under a live mapping).
 */
export function kfree(p: number): void {
  const k = currentKernel();
  k.slab.kfree(intArg("kfree", 1, p), k.stacks.record());
}

/**
 * ```c
 * size_t ksize(const void *objp)
 * ```
 * The usable size of a kmalloc() object (its size class). Using bytes beyond the requested size is still an out-of-bounds access under KASAN.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function ksize(p: number): number {
  return currentKernel().slab.ksize(intArg("ksize", 1, p));
}

/**
 * ```c
 * struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags, void (*ctor)(void *))
 * ```
 * Creates a cache of size-byte objects, or NULL. Destroy it with kmem_cache_destroy() once every object is freed.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM008 (memory leaked at unload).
 */
export function kmem_cache_create(name: string, size: number, align: number, flags: number, ctor?: ((obj: number) => void) | null): kmem_cache | null {
  const k = currentKernel();
  const sz = intArg("kmem_cache_create", 2, size);
  if (typeof name !== "string" || !name || sz <= 0 || sz > KMALLOC_MAX_SIZE) return null;
  // calculate_alignment(): the cache line, halved while the object fits in half of it.
  let a = intArg("kmem_cache_create", 3, align);
  if (flags & SLAB_HWCACHE_ALIGN) {
    let ralign = 64;
    while (sz <= ralign / 2) ralign /= 2;
    a = Math.max(a, ralign);
  }
  const cache = k.slab.createCache(name, sz, a, flags & SLAB_CACHE_DMA ? 0x01 : 0, ctor ?? undefined);
  const h = new KmemCacheHandle(cache.name, cache.objectSize);
  bindCacheHandle(h, cache);
  return h;
}

/**
 * ```c
 * void *kmem_cache_alloc(struct kmem_cache *cachep, gfp_t flags)
 * ```
 * An object from the cache (constructed by ctor if there is one), or NULL.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context).
 */
export function kmem_cache_alloc(handle: kmem_cache, flags: number): number {
  const k = currentKernel();
  const cache = cacheOf("kmem_cache_alloc", handle);
  const gfp = intArg("kmem_cache_alloc", 2, flags), stack = k.stacks.record();
  mightSleepIf(k, "kmem_cache_alloc", gfp, stack);
  return k.slab.alloc(cache, cache.objectSize, gfp, stack);
}

/**
 * ```c
 * void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags)
 * ```
 * A zeroed object from the cache, or NULL.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context).
 */
export function kmem_cache_zalloc(cache: kmem_cache, flags: number): number {
  return kmem_cache_alloc(cache, intArg("kmem_cache_zalloc", 2, flags) | __GFP_ZERO);
}

/**
 * ```c
 * void kmem_cache_free(struct kmem_cache *cachep, void *objp)
 * ```
 * Returns an object to the cache it came from.
 *
 * Rules: MEM002 (use after free); MEM003 (double or invalid free); MEM004 (allocator mismatch).
 */
export function kmem_cache_free(handle: kmem_cache, obj: number): void {
  const k = currentKernel();
  const cache = cacheOf("kmem_cache_free", handle);
  const o = k.slab.objectAt(intArg("kmem_cache_free", 2, obj));
  if (o && o.cache !== cache && o.start === obj) {
    k.warn(`kmem_cache_free(${cache.name}): object ${k.px(obj)} belongs to cache ${o.cache.name}`, here(k));
  }
  k.slab.kfree(obj, k.stacks.record());
}

/**
 * ```c
 * void kmem_cache_destroy(struct kmem_cache *s)
 * ```
 * kmem_cache_destroy(): a cache with live objects is not destroyed ("Slab cache still has objects").
 *
 * Rules: MEM008 (memory leaked at unload).
 */
export function kmem_cache_destroy(handle: kmem_cache | null): void {
  if (!handle) return;
  const k = currentKernel();
  const cache = cacheOf("kmem_cache_destroy", handle);
  const busy = k.slab.destroyCache(cache);
  if (busy) k.warn(`kmem_cache_destroy ${cache.name}: Slab cache still has objects when called from ${k.stacks.symbol(here(k))} (${busy} objects)`, here(k));
}

// kvmalloc()/kvfree() are declared by <linux/slab.h>.
export * from "./kvmalloc";
