// <asm/page.h>: page size, the direct map, and logical ↔ physical conversion.

import type { ArchProfile } from "../../arch/profile";
import { PAGE_SHIFT as SHIFT, PAGE_SIZE as SIZE } from "../../util/addr";
import { currentKernel, intArg } from "../current";

/**
 * ```c
 * #define PAGE_SHIFT 12
 * ```
 * log2 of the page size: 12 (4 KiB pages) on x86_64 and i386.
 */
export const PAGE_SHIFT = SHIFT;
/**
 * ```c
 * #define PAGE_SIZE (1UL << PAGE_SHIFT)
 * ```
 * Bytes per page: 4096. The unit of remap_pfn_range(), of alloc_pages() orders and of every mmap window.
 *
 * Rules: MM002 (mmap request not bounds-checked); MM005 (unaligned or partial remap).
 */
export const PAGE_SIZE = SIZE;
/**
 * ~(PAGE_SIZE - 1). JavaScript's & works on 32 bits, so `addr & PAGE_MASK`
 * breaks on kernel addresses: use PAGE_ALIGN_DOWN(), offset_in_page() or PFN_DOWN().
 */
export const PAGE_MASK = -SIZE;

/** Live: set when a kernel is bound (the base of the direct map). */
export let PAGE_OFFSET = 0;
/** Live: the first virtual address past the direct map. */
export let high_memory = 0;
/**
 * ```c
 * #define VMALLOC_START  // arch-specific
 * ```
 * First address of the vmalloc area (live: set when a kernel is bound). vmalloc memory is virtually contiguous only, so it cannot be DMA-mapped.
 *
 * Rules: DMA014 (mapping memory that can't be DMA'd).
 */
export let VMALLOC_START = 0;
/**
 * ```c
 * #define VMALLOC_END  // arch-specific
 * ```
 * End of the vmalloc area (live: set when a kernel is bound).
 */
export let VMALLOC_END = 0;
/**
 * ```c
 * #define TASK_SIZE  // arch-specific
 * ```
 * End of user space: addresses below it are user addresses (live: set when a kernel is bound). A __user pointer at or above it is refused by access_ok().
 *
 * Rules: CTX002 (user copy with a bad address).
 */
export let TASK_SIZE = 0;

/** @internal */
export function setLayout(p: ArchProfile | undefined): void {
  PAGE_OFFSET = p?.pageOffset ?? 0;
  high_memory = p?.highMemory ?? 0;
  VMALLOC_START = p?.vmallocStart ?? 0;
  VMALLOC_END = p?.vmallocEnd ?? 0;
  TASK_SIZE = p?.taskSize ?? 0;
}

/**
 * ```c
 * int get_order(unsigned long size)
 * ```
 * get_order(): the smallest order whose block holds size bytes.
 *
 * Rules: MEM004 (allocator mismatch).
 */
export function get_order(size: number): number {
  size = intArg("get_order", 1, size);
  let order = 0;
  while (SIZE * 2 ** order < size) order++;
  return order;
}

/**
 * ```c
 * #define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
 * ```
 * Rounds addr up to the next page boundary (unchanged when already aligned). Use it on sizes before remap_pfn_range().
 *
 * Rules: MM005 (unaligned or partial remap).
 */
export function PAGE_ALIGN(addr: number): number {
  return Math.ceil(intArg("PAGE_ALIGN", 1, addr) / SIZE) * SIZE;
}

/**
 * ```c
 * #define PAGE_ALIGN_DOWN(addr) ALIGN_DOWN(addr, PAGE_SIZE)
 * ```
 * Rounds addr down to its page boundary (`addr & PAGE_MASK` in C, which JavaScript's 32-bit `&` would break).
 */
export function PAGE_ALIGN_DOWN(addr: number): number {
  return Math.floor(intArg("PAGE_ALIGN_DOWN", 1, addr) / SIZE) * SIZE;
}

/**
 * ```c
 * #define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
 * ```
 * The byte offset of an address within its page.
 */
export function offset_in_page(addr: number): number {
  const a = intArg("offset_in_page", 1, addr);
  return a - Math.floor(a / SIZE) * SIZE;
}

/**
 * ```c
 * #define __pa(x) ((unsigned long)(x) - PAGE_OFFSET)
 * ```
 * __pa(): the physical address of a kernel logical address.
 *
 * Rules: PG006 (logical address of a highmem page); DMA014 (mapping memory that can't be DMA'd).
 */
export function __pa(addr: number): number {
  const k = currentKernel();
  return k.virtToPhys(intArg("__pa", 1, addr), "__pa", undefined);
}

/**
 * ```c
 * #define __va(x) ((void *)((unsigned long)(x) + PAGE_OFFSET))
 * ```
 * __va(): the logical address of a physical address (low memory only).
 *
 * Rules: PG006 (logical address of a highmem page).
 */
export function __va(phys: number): number {
  const k = currentKernel();
  return k.physToVirt(intArg("__va", 1, phys), "__va", undefined);
}
