// <asm/page.h>: page size, the direct map, and logical ↔ physical conversion.

import type { ArchProfile } from "../../arch/profile";
import { PAGE_SHIFT as SHIFT, PAGE_SIZE as SIZE } from "../../util/addr";
import { currentKernel, intArg } from "../current";

export const PAGE_SHIFT = SHIFT;
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
export let VMALLOC_START = 0;
export let VMALLOC_END = 0;
export let TASK_SIZE = 0;

/** @internal */
export function setLayout(p: ArchProfile | undefined): void {
  PAGE_OFFSET = p?.pageOffset ?? 0;
  high_memory = p?.highMemory ?? 0;
  VMALLOC_START = p?.vmallocStart ?? 0;
  VMALLOC_END = p?.vmallocEnd ?? 0;
  TASK_SIZE = p?.taskSize ?? 0;
}

/** get_order(): the smallest order whose block holds size bytes. */
export function get_order(size: number): number {
  size = intArg("get_order", 1, size);
  let order = 0;
  while (SIZE * 2 ** order < size) order++;
  return order;
}

export function PAGE_ALIGN(addr: number): number {
  return Math.ceil(intArg("PAGE_ALIGN", 1, addr) / SIZE) * SIZE;
}

export function PAGE_ALIGN_DOWN(addr: number): number {
  return Math.floor(intArg("PAGE_ALIGN_DOWN", 1, addr) / SIZE) * SIZE;
}

export function offset_in_page(addr: number): number {
  const a = intArg("offset_in_page", 1, addr);
  return a - Math.floor(a / SIZE) * SIZE;
}

/** __pa(): the physical address of a kernel logical address. */
export function __pa(addr: number): number {
  const k = currentKernel();
  return k.virtToPhys(intArg("__pa", 1, addr), "__pa", undefined);
}

/** __va(): the logical address of a physical address (low memory only). */
export function __va(phys: number): number {
  const k = currentKernel();
  return k.physToVirt(intArg("__va", 1, phys), "__va", undefined);
}
