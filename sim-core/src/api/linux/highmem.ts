// <linux/highmem.h>: temporary kernel mappings for any page.

import type { Page } from "../../mm/memmap";
import { currentKernel, here, pageArg } from "../current";

/**
 * ```c
 * void *kmap(struct page *page)
 * ```
 * A kernel address for the page: its logical address in low memory, a pkmap slot for high memory. May sleep (waiting for a slot); pair every kmap() with kunmap(page).
 *
 * Rules: PG003 (unbalanced kmap); PG004 (wrong argument to kunmap); CTX001 (sleeping in atomic context).
 */
export function kmap(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmap(pageArg("kmap", 1, page), here(k));
}

/**
 * ```c
 * void kunmap(struct page *page)
 * ```
 * kunmap() takes the page — passing the address is PG004.
 *
 * Rules: PG003 (unbalanced kmap); PG004 (wrong argument to kunmap).
 */
export function kunmap(page: Page): void {
  const k = currentKernel();
  k.highmem.kunmap(page, undefined);
}

/**
 * ```c
 * void *kmap_atomic(struct page *page)
 * ```
 * A temporary per-CPU mapping of the page; disables preemption and page faults until kunmap_atomic(), so nothing may sleep in between. Nested mappings are released in reverse order. Deprecated in favour of kmap_local_page().
 *
 * Rules: PG004 (wrong argument to kunmap); PG005 (atomic/local kmap misuse); CTX001 (sleeping in atomic context).
 */
export function kmap_atomic(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmapLocal(pageArg("kmap_atomic", 1, page), "kmap_atomic", here(k));
}

/**
 * ```c
 * #define kunmap_atomic(addr)
 * ```
 * kunmap_atomic() takes the address — passing the page is PG004.
 *
 * Rules: PG004 (wrong argument to kunmap); PG005 (atomic/local kmap misuse).
 */
export function kunmap_atomic(addr: number): void {
  const k = currentKernel();
  k.highmem.kunmapLocal(addr, "kmap_atomic", undefined);
}

/**
 * ```c
 * void *kmap_local_page(struct page *page)
 * ```
 * A temporary mapping valid in this thread only; release with kunmap_local(addr), in reverse order of mapping.
 *
 * Rules: PG005 (atomic/local kmap misuse).
 */
export function kmap_local_page(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmapLocal(pageArg("kmap_local_page", 1, page), "kmap_local", here(k));
}

/**
 * ```c
 * #define kunmap_local(addr)
 * ```
 * Releases a kmap_local_page() mapping: takes the address, and mappings are released in reverse order.
 *
 * Rules: PG004 (wrong argument to kunmap); PG005 (atomic/local kmap misuse).
 */
export function kunmap_local(addr: number): void {
  const k = currentKernel();
  k.highmem.kunmapLocal(addr, "kmap_local", undefined);
}

/**
 * ```c
 * static inline void clear_highpage(struct page *page)
 * ```
 * clear_highpage(): zero a page through a temporary mapping.
 */
export function clear_highpage(page: Page): void {
  const k = currentKernel();
  const stack = here(k);
  const addr = k.highmem.kmapLocal(pageArg("clear_highpage", 1, page), "kmap_local", stack);
  k.mem.fill(addr, 0, 4096, stack, "clear_highpage");
  k.highmem.kunmapLocal(addr, "kmap_local", stack);
}
