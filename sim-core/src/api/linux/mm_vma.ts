// The VMA half of <linux/mm.h>: vm_area_struct, vm_operations_struct,
// vm_fault, the flags, and the calls a driver's mmap and fault handlers make.

import { VmArea, VmFault, type vm_operations_struct as VmOps } from "../../mm/vma";
import type { Page } from "../../mm/memmap";
import { currentKernel, currentMm, intArg, pageArg, ulongArg } from "../current";

export {
  VM_NONE, VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE, VM_GROWSDOWN,
  VM_PFNMAP, VM_LOCKED, VM_IO, VM_SEQ_READ, VM_RAND_READ, VM_DONTCOPY, VM_DONTEXPAND, VM_ACCOUNT, VM_NORESERVE,
  VM_DONTDUMP, VM_MIXEDMAP, FAULT_FLAG_WRITE, FAULT_FLAG_MKWRITE, FAULT_FLAG_ALLOW_RETRY, FAULT_FLAG_KILLABLE,
  FAULT_FLAG_USER, FAULT_FLAG_REMOTE, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_MAJOR, VM_FAULT_HWPOISON,
  VM_FAULT_SIGSEGV, VM_FAULT_NOPAGE, VM_FAULT_LOCKED, VM_FAULT_RETRY, VM_FAULT_ERROR,
  vm_flags_set, vm_flags_clear, vma_pages, vm_get_page_prot, pgprot_noncached, pgprot_writecombine,
  type pgprot_t, type vm_fault_t,
} from "../../mm/vma";
export { FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM, FOLL_NOWAIT } from "../../mm/gup";

/** The C names of the structures. */
export type vm_area_struct = VmArea;
export type vm_fault = VmFault;
export type vm_operations_struct = VmOps;

function vmaArg(fn: string, v: unknown): VmArea {
  if (v instanceof VmArea) return v;
  throw new TypeError(`${fn}(): argument 1 must be the struct vm_area_struct your mmap() received, got ${v === null ? "NULL" : typeof v}`);
}

/**
 * ```c
 * int remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn, unsigned long size, pgprot_t prot)
 * ```
 * remap_pfn_range(vma, addr, pfn, size, prot): 0 or -errno.
 *
 * Rules: MM001 (remap_pfn_range of unreserved RAM); MM002 (mmap request not bounds-checked); MM003 (user-controlled physical address); MM005 (unaligned or partial remap); MM007 (device memory mapped cacheable).
 */
export function remap_pfn_range(vma: VmArea, addr: number, pfn: number, size: number, prot: number): number {
  const k = currentKernel();
  return k.mm.remapPfnRange(vmaArg("remap_pfn_range", vma), intArg("remap_pfn_range", 2, addr), ulongArg("remap_pfn_range", 3, pfn), intArg("remap_pfn_range", 4, size), intArg("remap_pfn_range", 5, prot));
}

/**
 * ```c
 * int io_remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn, unsigned long size, pgprot_t prot)
 * ```
 * io_remap_pfn_range(): the same on x86.
 *
 * Rules: MM002 (mmap request not bounds-checked); MM003 (user-controlled physical address); MM005 (unaligned or partial remap); MM007 (device memory mapped cacheable).
 */
export function io_remap_pfn_range(vma: VmArea, addr: number, pfn: number, size: number, prot: number): number {
  const k = currentKernel();
  return k.mm.remapPfnRange(vmaArg("io_remap_pfn_range", vma), intArg("io_remap_pfn_range", 2, addr), ulongArg("io_remap_pfn_range", 3, pfn), intArg("io_remap_pfn_range", 4, size), intArg("io_remap_pfn_range", 5, prot), "io_remap_pfn_range");
}

/**
 * ```c
 * int vm_insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page)
 * ```
 * Inserts one kernel page into a user VMA (which must not be VM_PFNMAP) at addr, taking a reference. 0 or -errno. Usable from mmap() for each page of a buffer.
 *
 * Rules: MM006 (page insert into an unsuitable VMA).
 */
export function vm_insert_page(vma: VmArea, addr: number, page: Page): number {
  return currentKernel().mm.vmInsertPage(vmaArg("vm_insert_page", vma), intArg("vm_insert_page", 2, addr), pageArg("vm_insert_page", 3, page));
}

/**
 * ```c
 * vm_fault_t vmf_insert_pfn(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn)
 * ```
 * From a fault handler: maps the frame at addr in a VM_PFNMAP or VM_MIXEDMAP VMA. Returns VM_FAULT_NOPAGE on success.
 *
 * Rules: MM006 (page insert into an unsuitable VMA).
 */
export function vmf_insert_pfn(vma: VmArea, addr: number, pfn: number): number {
  return currentKernel().mm.vmfInsertPfn(vmaArg("vmf_insert_pfn", vma), intArg("vmf_insert_pfn", 2, addr), ulongArg("vmf_insert_pfn", 3, pfn));
}

/**
 * ```c
 * vm_fault_t vmf_insert_pfn_prot(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn, pgprot_t pgprot)
 * ```
 * As vmf_insert_pfn(), with explicit protections (pgprot_noncached() for device memory).
 *
 * Rules: MM006 (page insert into an unsuitable VMA); MM007 (device memory mapped cacheable).
 */
export function vmf_insert_pfn_prot(vma: VmArea, addr: number, pfn: number, prot: number): number {
  return currentKernel().mm.vmfInsertPfn(vmaArg("vmf_insert_pfn_prot", vma), intArg("vmf_insert_pfn_prot", 2, addr), ulongArg("vmf_insert_pfn_prot", 3, pfn), intArg("vmf_insert_pfn_prot", 4, prot));
}

/**
 * ```c
 * int vm_iomap_memory(struct vm_area_struct *vma, phys_addr_t start, unsigned long len)
 * ```
 * vm_iomap_memory(vma, start, len): remap a physical range, checking the VMA's size and offset against it.
 *
 * Rules: MM002 (mmap request not bounds-checked); MM007 (device memory mapped cacheable).
 */
export function vm_iomap_memory(vma: VmArea, start: number, len: number): number {
  return currentKernel().mm.vmIomapMemory(vmaArg("vm_iomap_memory", vma), ulongArg("vm_iomap_memory", 2, start), intArg("vm_iomap_memory", 3, len));
}

/**
 * ```c
 * void zap_vma_ptes(struct vm_area_struct *vma, unsigned long address, unsigned long size)
 * ```
 * Removes the page table entries of a VM_PFNMAP range, e.g. before freeing the memory under a live mapping.
 *
 * Rules: MM008 (backing memory freed under a live mapping).
 */
export function zap_vma_ptes(vma: VmArea, address: number, size: number): void {
  currentKernel().mm.zapVmaPtes(vmaArg("zap_vma_ptes", vma), intArg("zap_vma_ptes", 2, address), intArg("zap_vma_ptes", 3, size));
}

/**
 * ```c
 * long get_user_pages(unsigned long start, unsigned long nr_pages, unsigned int gup_flags, struct page **pages)
 * ```
 * get_user_pages(start, nr_pages, gup_flags, pages): current->mm, under mmap_read_lock().
 *
 * Rules: PG007 (get_user_pages misuse); CTX001 (sleeping in atomic context).
 */
export function get_user_pages(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  const k = currentKernel();
  return k.gup.get(currentMm("get_user_pages"), intArg("get_user_pages", 1, start), intArg("get_user_pages", 2, nr_pages), intArg("get_user_pages", 3, gup_flags), pages, false);
}

/**
 * ```c
 * long pin_user_pages(unsigned long start, unsigned long nr_pages, unsigned int gup_flags, struct page **pages)
 * ```
 * Pins nr_pages user pages of current->mm for DMA or direct I/O (FOLL_PIN); call under mmap_read_lock(). Returns the number pinned or -errno. Release with unpin_user_pages() (or unpin_user_pages_dirty_lock() when the device wrote them).
 *
 * Rules: PG007 (get_user_pages misuse); CTX001 (sleeping in atomic context).
 */
export function pin_user_pages(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  const k = currentKernel();
  return k.gup.get(currentMm("pin_user_pages"), intArg("pin_user_pages", 1, start), intArg("pin_user_pages", 2, nr_pages), intArg("pin_user_pages", 3, gup_flags), pages, true);
}

/**
 * ```c
 * void unpin_user_page(struct page *page)
 * ```
 * Releases one page pinned by pin_user_pages().
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function unpin_user_page(page: Page): void {
  const k = currentKernel();
  const pfn = pageArg("unpin_user_page", 1, page).pfn;
  if (!k.gup.release(pfn, true)) k.warn(`unpin_user_page() of pfn:0x${pfn.toString(16)}, which pin_user_pages() did not return`, undefined);
}

/**
 * ```c
 * void unpin_user_pages(struct page **pages, unsigned long npages)
 * ```
 * Releases pages pinned by pin_user_pages(); if the device wrote them, use unpin_user_pages_dirty_lock(…, true).
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function unpin_user_pages(pages: ReadonlyArray<Page | null>, npages: number): void {
  currentKernel().gup.releaseBatch("unpin_user_pages", () => {
    for (let i = 0; i < npages; i++) if (pages[i]) unpin_user_page(pages[i]!);
  });
}

/**
 * ```c
 * void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty)
 * ```
 * Marks the pages dirty (when make_dirty) and releases the pins: the release for pages a device wrote into.
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function unpin_user_pages_dirty_lock(pages: ReadonlyArray<Page | null>, npages: number, make_dirty: boolean): void {
  const k = currentKernel();
  k.gup.releaseBatch("unpin_user_pages_dirty_lock", () => {
    for (let i = 0; i < npages; i++) {
      const p = pages[i];
      if (p && !k.gup.release(p.pfn, true, make_dirty)) k.warn(`unpin_user_pages_dirty_lock() of pfn:0x${p.pfn.toString(16)}, which pin_user_pages() did not return`, undefined);
    }
  });
}

/**
 * ```c
 * bool set_page_dirty(struct page *page)
 * ```
 * set_page_dirty(): the page's contents changed and must not be dropped.
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function set_page_dirty(page: Page): boolean {
  const k = currentKernel();
  const pfn = pageArg("set_page_dirty", 1, page).pfn;
  const was = k.memmap.testFlag(pfn, 3);
  k.memmap.setFlag(pfn, 3);
  return !was;
}

/**
 * ```c
 * int set_page_dirty_lock(struct page *page)
 * ```
 * set_page_dirty() with the page locked: the call for user pages from get_user_pages() after the device wrote them, before put_page().
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function set_page_dirty_lock(page: Page): boolean {
  return set_page_dirty(page);
}

type LockedMm = { mmap_lock: { readers: number; writer: boolean } };

function unbalanced(fn: string): void {
  currentKernel().warn(`${fn}(): mmap_lock is not held (lockdep: releasing a lock that was never taken)`, undefined);
}

/**
 * ```c
 * void mmap_read_lock(struct mm_struct *mm)
 * ```
 * Takes mm's mmap_lock for reading: required around get_user_pages() and any VMA lookup. May sleep.
 *
 * Rules: PG007 (get_user_pages misuse); CTX001 (sleeping in atomic context).
 */
export function mmap_read_lock(mm: LockedMm): void { mm.mmap_lock.readers++; }
/**
 * ```c
 * void mmap_read_unlock(struct mm_struct *mm)
 * ```
 * Releases mmap_read_lock().
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export function mmap_read_unlock(mm: LockedMm): void {
  if (mm.mmap_lock.readers === 0) return unbalanced("mmap_read_unlock");
  mm.mmap_lock.readers--;
}
/**
 * ```c
 * void mmap_write_lock(struct mm_struct *mm)
 * ```
 * Takes mm's mmap_lock for writing (changing VMAs). May sleep.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function mmap_write_lock(mm: LockedMm): void { mm.mmap_lock.writer = true; }
/**
 * ```c
 * void mmap_write_unlock(struct mm_struct *mm)
 * ```
 * Releases mmap_write_lock().
 */
export function mmap_write_unlock(mm: LockedMm): void {
  if (!mm.mmap_lock.writer) return unbalanced("mmap_write_unlock");
  mm.mmap_lock.writer = false;
}
