// <linux/vmalloc.h>: virtually contiguous allocations.

import type { Page } from "../../mm/memmap";
import { GFP_KERNEL, __GFP_HIGHMEM, __GFP_ZERO } from "../../mm/gfp";
import { currentKernel, intArg } from "../current";

/**
 * ```c
 * void *vmalloc(unsigned long size)
 * ```
 * size bytes, virtually contiguous only, page-granular, or NULL. Sleeps (never in atomic context); cannot be DMA-mapped directly or freed with kfree(). Free with vfree(). To mmap it, map page by page with vmalloc_to_page()/vm_insert_page() or remap_vmalloc_range().
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context); DMA014 (mapping memory that can't be DMA'd); MEM004 (allocator mismatch).
 */
export function vmalloc(size: number): number {
  const k = currentKernel();
  const stack = k.stacks.record();
  k.mightSleep("vmalloc", stack);
  return k.vmalloc.vmalloc(intArg("vmalloc", 1, size), GFP_KERNEL, stack);
}

/**
 * ```c
 * void *vzalloc(unsigned long size)
 * ```
 * vmalloc(), zeroed.
 *
 * Rules: MEM007 (allocation not checked for NULL); MEM001 (out-of-bounds access); CTX001 (sleeping in atomic context); DMA014 (mapping memory that can't be DMA'd); MEM004 (allocator mismatch).
 */
export function vzalloc(size: number): number {
  const k = currentKernel();
  const stack = k.stacks.record();
  k.mightSleep("vzalloc", stack);
  return k.vmalloc.vmalloc(intArg("vzalloc", 1, size), GFP_KERNEL | __GFP_ZERO, stack);
}

/**
 * ```c
 * void *vmalloc_32(unsigned long size)
 * ```
 * vmalloc_32(): pages from the 32-bit addressable zones only.
 *
 * Rules: MEM007 (allocation not checked for NULL); CTX001 (sleeping in atomic context); DMA014 (mapping memory that can't be DMA'd).
 */
export function vmalloc_32(size: number): number {
  const k = currentKernel();
  return k.vmalloc.vmalloc(intArg("vmalloc_32", 1, size), (GFP_KERNEL | 0x04) & ~__GFP_HIGHMEM, k.stacks.record());
}

/**
 * ```c
 * void vfree(const void *addr)
 * ```
 * Frees vmalloc() memory (NULL is ignored). Not for kmalloc() memory, and not while a user mapping of it is live.
 *
 * Rules: MEM002 (use after free); MEM003 (double or invalid free); MEM004 (allocator mismatch); MM008 (backing memory freed under a live mapping).
 */
export function vfree(addr: number): void {
  const k = currentKernel();
  k.vmalloc.vfree(intArg("vfree", 1, addr), k.stacks.record());
}

/**
 * ```c
 * bool is_vmalloc_addr(const void *x)
 * ```
 * True for an address in the vmalloc area (which virt_to_page() and dma_map_single() must not be given).
 *
 * Rules: DMA014 (mapping memory that can't be DMA'd).
 */
export function is_vmalloc_addr(addr: number): boolean {
  return currentKernel().vmalloc.isVmallocAddr(intArg("is_vmalloc_addr", 1, addr));
}

/**
 * ```c
 * unsigned long vmalloc_to_pfn(const void *addr)
 * ```
 * vmalloc_to_pfn(): 0 when nothing is mapped there (Linux returns pfn 0 too).
 */
export function vmalloc_to_pfn(addr: number): number {
  return Math.max(0, currentKernel().vmalloc.toPfn(intArg("vmalloc_to_pfn", 1, addr)));
}

/**
 * ```c
 * struct page *vmalloc_to_page(const void *addr)
 * ```
 * The page backing a vmalloc address (one page at a time: vmalloc memory is not physically contiguous), or NULL.
 *
 * Rules: DMA014 (mapping memory that can't be DMA'd).
 */
export function vmalloc_to_page(addr: number): Page | null {
  const k = currentKernel();
  const pfn = k.vmalloc.toPfn(intArg("vmalloc_to_page", 1, addr));
  return pfn < 0 ? null : k.memmap.page(pfn);
}

// vmalloc_user() and remap_vmalloc_range().
export * from "./vmalloc_user";
