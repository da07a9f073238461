// <linux/vmalloc.h>: virtually contiguous allocations.

import type { Page } from "../../mm/memmap";
import { GFP_KERNEL, __GFP_HIGHMEM, __GFP_ZERO } from "../../mm/gfp";
import { currentKernel, here, intArg } from "../current";

export function vmalloc(size: number): number {
  const k = currentKernel();
  const stack = here(k);
  k.mightSleep("vmalloc", stack);
  return k.vmalloc.vmalloc(intArg("vmalloc", 1, size), GFP_KERNEL, stack);
}

export function vzalloc(size: number): number {
  const k = currentKernel();
  const stack = here(k);
  k.mightSleep("vzalloc", stack);
  return k.vmalloc.vmalloc(intArg("vzalloc", 1, size), GFP_KERNEL | __GFP_ZERO, stack);
}

/** vmalloc_32(): pages from the 32-bit addressable zones only. */
export function vmalloc_32(size: number): number {
  const k = currentKernel();
  return k.vmalloc.vmalloc(intArg("vmalloc_32", 1, size), (GFP_KERNEL | 0x04) & ~__GFP_HIGHMEM, here(k));
}

export function vfree(addr: number): void {
  const k = currentKernel();
  k.vmalloc.vfree(intArg("vfree", 1, addr), here(k));
}

export function is_vmalloc_addr(addr: number): boolean {
  return currentKernel().vmalloc.isVmallocAddr(intArg("is_vmalloc_addr", 1, addr));
}

/** vmalloc_to_pfn(): 0 when nothing is mapped there (Linux returns pfn 0 too). */
export function vmalloc_to_pfn(addr: number): number {
  return Math.max(0, currentKernel().vmalloc.toPfn(intArg("vmalloc_to_pfn", 1, addr)));
}

export function vmalloc_to_page(addr: number): Page | null {
  const k = currentKernel();
  const pfn = k.vmalloc.toPfn(intArg("vmalloc_to_page", 1, addr));
  return pfn < 0 ? null : k.memmap.page(pfn);
}
