// <linux/gfp.h>: GFP flags and the page allocator.

import type { Page } from "../../mm/memmap";
import { MAX_ORDER } from "../../mm/buddy";
import { currentKernel, here, intArg, mightSleepIf, pageArg } from "../current";

export * from "../../mm/gfp";
export { get_order } from "../asm/page";
export const MAX_PAGE_ORDER = MAX_ORDER;

/** alloc_pages(): 2^order contiguous frames, or null. */
export function alloc_pages(gfp_mask: number, order: number): Page | null {
  const k = currentKernel();
  const gfp = intArg("alloc_pages", 1, gfp_mask), stack = here(k);
  mightSleepIf(k, "alloc_pages", gfp, stack);
  const pfn = k.pages.alloc(gfp, intArg("alloc_pages", 2, order), undefined, stack);
  return pfn < 0 ? null : k.memmap.page(pfn);
}

export function alloc_page(gfp_mask: number): Page | null {
  return alloc_pages(gfp_mask, 0);
}

/** __get_free_pages(): the logical address of 2^order frames, or 0. Never high memory. */
export function __get_free_pages(gfp_mask: number, order: number): number {
  const k = currentKernel();
  const gfp = intArg("__get_free_pages", 1, gfp_mask) & ~0x02; // __GFP_HIGHMEM is not allowed here
  const stack = here(k);
  mightSleepIf(k, "__get_free_pages", gfp, stack);
  const pfn = k.pages.alloc(gfp, intArg("__get_free_pages", 2, order), undefined, stack);
  return pfn < 0 ? 0 : k.pages.pageAddressOrZero(pfn);
}

export function __get_free_page(gfp_mask: number): number {
  return __get_free_pages(gfp_mask, 0);
}

export function get_zeroed_page(gfp_mask: number): number {
  return __get_free_pages(intArg("get_zeroed_page", 1, gfp_mask) | 0x100, 0);
}

export function __free_pages(page: Page, order: number): void {
  const k = currentKernel();
  k.pages.free(pageArg("__free_pages", 1, page).pfn, intArg("__free_pages", 2, order), "__free_pages", here(k));
}

export function __free_page(page: Page): void {
  const k = currentKernel();
  k.pages.free(pageArg("__free_page", 1, page).pfn, 0, "__free_page", here(k));
}

/** free_pages(): takes the address __get_free_pages() returned; 0 is ignored. */
export function free_pages(addr: number, order: number): void {
  const k = currentKernel();
  const a = intArg("free_pages", 1, addr);
  if (a === 0) return;
  const stack = here(k);
  const pa = k.virtToPhys(a, "free_pages", stack);
  k.pages.free(Math.floor(pa / 4096), intArg("free_pages", 2, order), "free_pages", stack);
}

export function free_page(addr: number): void {
  free_pages(addr, 0);
}
