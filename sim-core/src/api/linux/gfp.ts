// <linux/gfp.h>: GFP flags and the page allocator.

import type { Page } from "../../mm/memmap";
import { MAX_ORDER } from "../../mm/buddy";
import { currentKernel, intArg, mightSleepIf, pageArg } from "../current";

export * from "../../mm/gfp";
export { get_order } from "../asm/page";
/**
 * ```c
 * #define MAX_PAGE_ORDER 10
 * ```
 * The largest order alloc_pages() serves: 2^10 pages (4 MiB). Larger requests fail.
 */
export const MAX_PAGE_ORDER = MAX_ORDER;

/**
 * ```c
 * struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)
 * ```
 * alloc_pages(): 2^order contiguous frames, or null.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); PG006 (logical address of a highmem page); MEM004 (allocator mismatch).
 */
export function alloc_pages(gfp_mask: number, order: number): Page | null {
  const k = currentKernel();
  const gfp = intArg("alloc_pages", 1, gfp_mask), stack = k.stacks.record();
  mightSleepIf(k, "alloc_pages", gfp, stack);
  const pfn = k.pages.alloc(gfp, intArg("alloc_pages", 2, order), undefined, stack);
  return pfn < 0 ? null : k.memmap.page(pfn);
}

/**
 * ```c
 * #define alloc_page(gfp_mask) alloc_pages(gfp_mask, 0)
 * ```
 * One page, or NULL. With __GFP_HIGHMEM the page may have no kernel address until kmap().
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); PG006 (logical address of a highmem page).
 */
export function alloc_page(gfp_mask: number): Page | null {
  return alloc_pages(gfp_mask, 0);
}

/**
 * ```c
 * unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
 * ```
 * __get_free_pages(): the logical address of 2^order frames, or 0. Never high memory.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); MEM004 (allocator mismatch).
 */
export function __get_free_pages(gfp_mask: number, order: number): number {
  const k = currentKernel();
  const gfp = intArg("__get_free_pages", 1, gfp_mask) & ~0x02; // __GFP_HIGHMEM is not allowed here
  const stack = k.stacks.record();
  mightSleepIf(k, "__get_free_pages", gfp, stack);
  const pfn = k.pages.alloc(gfp, intArg("__get_free_pages", 2, order), undefined, stack);
  return pfn < 0 ? 0 : k.pages.pageAddressOrZero(pfn);
}

/**
 * ```c
 * #define __get_free_page(gfp_mask) __get_free_pages((gfp_mask), 0)
 * ```
 * The logical address of one page, or 0. Free with free_page().
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context).
 */
export function __get_free_page(gfp_mask: number): number {
  return __get_free_pages(gfp_mask, 0);
}

/**
 * ```c
 * unsigned long get_zeroed_page(gfp_t gfp_mask)
 * ```
 * The logical address of one zeroed page, or 0. Free with free_page().
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context).
 */
export function get_zeroed_page(gfp_mask: number): number {
  return __get_free_pages(intArg("get_zeroed_page", 1, gfp_mask) | 0x100, 0);
}

/**
 * ```c
 * void __free_pages(struct page *page, unsigned int order)
 * ```
 * Drops a reference to a block from alloc_pages(); the block is freed when it was the last. order must be the allocation's. A page still PG_reserved must not be freed.
 *
 * Rules: MEM003 (double or invalid free); MEM004 (allocator mismatch); PG001 (page refcount underflow or busy free); PG002 (reserved page freed); MM008 (backing memory freed under a live mapping).
 */
export function __free_pages(page: Page, order: number): void {
  const k = currentKernel();
  k.pages.free(pageArg("__free_pages", 1, page).pfn, intArg("__free_pages", 2, order), "__free_pages", k.stacks.record());
}

/**
 * ```c
 * #define __free_page(page) __free_pages((page), 0)
 * ```
 * Frees one page from alloc_page().
 *
 * Rules: MEM003 (double or invalid free); MEM004 (allocator mismatch); PG001 (page refcount underflow or busy free); PG002 (reserved page freed); MM008 (backing memory freed under a live mapping).
 */
export function __free_page(page: Page): void {
  const k = currentKernel();
  k.pages.free(pageArg("__free_page", 1, page).pfn, 0, "__free_page", k.stacks.record());
}

/**
 * ```c
 * void free_pages(unsigned long addr, unsigned int order)
 * ```
 * free_pages(): takes the address __get_free_pages() returned; 0 is ignored.
 *
 * Rules: MEM003 (double or invalid free); MEM004 (allocator mismatch); PG002 (reserved page freed); MM008 (backing memory freed under a live mapping).
 */
export function free_pages(addr: number, order: number): void {
  const k = currentKernel();
  const a = intArg("free_pages", 1, addr);
  if (a === 0) return;
  const stack = k.stacks.record();
  const pa = k.virtToPhys(a, "free_pages", stack);
  k.pages.free(Math.floor(pa / 4096), intArg("free_pages", 2, order), "free_pages", stack);
}

/**
 * ```c
 * #define free_page(addr) free_pages((addr), 0)
 * ```
 * Frees one page from __get_free_page() or get_zeroed_page(); 0 is ignored.
 *
 * Rules: MEM003 (double or invalid free); MEM004 (allocator mismatch); PG002 (reserved page freed); MM008 (backing memory freed under a live mapping).
 */
export function free_page(addr: number): void {
  free_pages(addr, 0);
}
