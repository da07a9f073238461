// The caches behind the handles drivers hold (see kmem_cache in
// api/linux/slab.ts). Kept out of the API modules so that no driver can
// import the way from a handle to the kernel's cache.

import type { KmemCache } from "./slab";

const caches = new WeakMap<object, KmemCache>();

export function bindCacheHandle(handle: object, cache: KmemCache): void {
  caches.set(handle, cache);
}

/** The kernel's cache behind a driver's handle (tests and inspection). */
export function cacheBehind(handle: unknown): KmemCache | undefined {
  return typeof handle === "object" && handle !== null ? caches.get(handle) : undefined;
}
