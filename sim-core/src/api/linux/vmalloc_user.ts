// vmalloc_user() and remap_vmalloc_range() (<linux/vmalloc.h>): a zeroed
// vmalloc buffer marked VM_USERMAP, and the one call that maps it into a
// VMA page by page (vm_insert_page() on each frame, so the pages carry the
// mapping's references). Only areas made for user mapping may be remapped:
// anything else is -EINVAL, as in mm/vmalloc.c.

import { __GFP_ZERO, GFP_KERNEL } from "../../mm/gfp";
import { VmArea as Vma, VM_DONTDUMP, VM_DONTEXPAND } from "../../mm/vma";
import type { VmArea as KArea } from "../../mm/vmalloc";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, here, intArg } from "../current";

const EINVAL = 22;

/** The areas vmalloc_user() made (VM_USERMAP), by identity: a freed and reused address is not one of them. */
const userMapped = new WeakSet<KArea>();

/**
 * ```c
 * void *vmalloc_user(unsigned long size)
 * ```
 * Zeroed, page-granular vmalloc memory that remap_vmalloc_range() may map
 * to user space (VM_USERMAP). Free with vfree(), after the last mapping is gone.
 *
 * Rules: MEM004 (allocator mismatch); MEM008 (memory leaked at unload); MM008 (backing memory freed under a live mapping).
 */
export function vmalloc_user(size: number): number {
  const k = currentKernel(), stack = here(k);
  k.mightSleep("vmalloc_user", stack);
  const addr = k.vmalloc.vmalloc(intArg("vmalloc_user", 1, size), GFP_KERNEL | __GFP_ZERO, stack);
  const area = addr ? k.vmalloc.list().find((a) => a.addr === addr) : undefined;
  if (area) userMapped.add(area);
  return addr;
}

/**
 * ```c
 * int remap_vmalloc_range(struct vm_area_struct *vma, void *addr, unsigned long pgoff)
 * ```
 * Maps the vmalloc_user() buffer at addr, from page pgoff, over the whole
 * VMA. -EINVAL when addr is not such a buffer (plain vmalloc() memory is
 * refused), is not page-aligned, or the VMA runs past its end. Sets
 * VM_DONTEXPAND | VM_DONTDUMP.
 *
 * Rules: MM006 (page insert into an unsuitable VMA); MM008 (backing memory freed under a live mapping).
 */
export function remap_vmalloc_range(vma: Vma, addr: number, pgoff: number): number {
  const k = currentKernel();
  if (!(vma instanceof Vma)) throw new TypeError(`remap_vmalloc_range(): argument 1 must be the struct vm_area_struct your mmap() received, got ${vma === null ? "NULL" : typeof vma}`);
  const kaddr = intArg("remap_vmalloc_range", 2, addr), off = intArg("remap_vmalloc_range", 3, pgoff) * PAGE_SIZE;
  const size = vma.size;
  if (kaddr % PAGE_SIZE || vma.vm_start % PAGE_SIZE) return -EINVAL;
  const area = k.vmalloc.list().find((a) => kaddr >= a.addr && kaddr < a.addr + a.size);
  if (!area || area.addr !== kaddr || !userMapped.has(area)) return -EINVAL;
  if (off < 0 || size + off > area.size) return -EINVAL;
  for (let i = 0; i < size / PAGE_SIZE; i++) {
    const page = k.memmap.page(area.pfns[off / PAGE_SIZE + i]);
    const ret = k.mm.vmInsertPage(vma, vma.vm_start + i * PAGE_SIZE, page);
    if (ret) return ret;
  }
  vma.vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
  return 0;
}
