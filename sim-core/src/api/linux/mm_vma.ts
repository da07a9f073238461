// The VMA half of <linux/mm.h>: vm_area_struct, vm_operations_struct,
// vm_fault, the flags, and the calls a driver's mmap and fault handlers make.

import { VmArea, VmFault, type vm_operations_struct as VmOps } from "../../mm/vma";
import type { Page } from "../../mm/memmap";
import { currentKernel, currentMm, intArg, pageArg } from "../current";

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

/** remap_pfn_range(vma, addr, pfn, size, prot): 0 or -errno. */
export function remap_pfn_range(vma: VmArea, addr: number, pfn: number, size: number, prot: number): number {
  const k = currentKernel();
  return k.mm.remapPfnRange(vmaArg("remap_pfn_range", vma), intArg("remap_pfn_range", 2, addr), intArg("remap_pfn_range", 3, pfn), intArg("remap_pfn_range", 4, size), intArg("remap_pfn_range", 5, prot));
}

/** io_remap_pfn_range(): the same on x86. */
export function io_remap_pfn_range(vma: VmArea, addr: number, pfn: number, size: number, prot: number): number {
  const k = currentKernel();
  return k.mm.remapPfnRange(vmaArg("io_remap_pfn_range", vma), intArg("io_remap_pfn_range", 2, addr), intArg("io_remap_pfn_range", 3, pfn), intArg("io_remap_pfn_range", 4, size), intArg("io_remap_pfn_range", 5, prot), "io_remap_pfn_range");
}

export function vm_insert_page(vma: VmArea, addr: number, page: Page): number {
  return currentKernel().mm.vmInsertPage(vmaArg("vm_insert_page", vma), intArg("vm_insert_page", 2, addr), pageArg("vm_insert_page", 3, page));
}

export function vmf_insert_pfn(vma: VmArea, addr: number, pfn: number): number {
  return currentKernel().mm.vmfInsertPfn(vmaArg("vmf_insert_pfn", vma), intArg("vmf_insert_pfn", 2, addr), intArg("vmf_insert_pfn", 3, pfn));
}

export function vmf_insert_pfn_prot(vma: VmArea, addr: number, pfn: number, prot: number): number {
  return currentKernel().mm.vmfInsertPfn(vmaArg("vmf_insert_pfn_prot", vma), intArg("vmf_insert_pfn_prot", 2, addr), intArg("vmf_insert_pfn_prot", 3, pfn), intArg("vmf_insert_pfn_prot", 4, prot));
}

/** vm_iomap_memory(vma, start, len): remap a physical range, checking the VMA's size and offset against it. */
export function vm_iomap_memory(vma: VmArea, start: number, len: number): number {
  return currentKernel().mm.vmIomapMemory(vmaArg("vm_iomap_memory", vma), intArg("vm_iomap_memory", 2, start), intArg("vm_iomap_memory", 3, len));
}

export function zap_vma_ptes(vma: VmArea, address: number, size: number): void {
  currentKernel().mm.zapVmaPtes(vmaArg("zap_vma_ptes", vma), intArg("zap_vma_ptes", 2, address), intArg("zap_vma_ptes", 3, size));
}

/** get_user_pages(start, nr_pages, gup_flags, pages): current->mm, under mmap_read_lock(). */
export function get_user_pages(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  const k = currentKernel();
  return k.gup.get(currentMm("get_user_pages"), intArg("get_user_pages", 1, start), intArg("get_user_pages", 2, nr_pages), intArg("get_user_pages", 3, gup_flags), pages, false);
}

export function pin_user_pages(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  const k = currentKernel();
  return k.gup.get(currentMm("pin_user_pages"), intArg("pin_user_pages", 1, start), intArg("pin_user_pages", 2, nr_pages), intArg("pin_user_pages", 3, gup_flags), pages, true);
}

export function unpin_user_page(page: Page): void {
  const k = currentKernel();
  const pfn = pageArg("unpin_user_page", 1, page).pfn;
  if (!k.gup.release(pfn, true)) k.warn(`unpin_user_page() of pfn:0x${pfn.toString(16)}, which pin_user_pages() did not return`, undefined);
}

export function unpin_user_pages(pages: ReadonlyArray<Page | null>, npages: number): void {
  for (let i = 0; i < npages; i++) if (pages[i]) unpin_user_page(pages[i]!);
}

export function unpin_user_pages_dirty_lock(pages: ReadonlyArray<Page | null>, npages: number, make_dirty: boolean): void {
  const k = currentKernel();
  for (let i = 0; i < npages; i++) {
    const p = pages[i];
    if (p && !k.gup.release(p.pfn, true, make_dirty)) k.warn(`unpin_user_pages_dirty_lock() of pfn:0x${p.pfn.toString(16)}, which pin_user_pages() did not return`, undefined);
  }
}

/** set_page_dirty(): the page's contents changed and must not be dropped. */
export function set_page_dirty(page: Page): boolean {
  const k = currentKernel();
  const pfn = pageArg("set_page_dirty", 1, page).pfn;
  const was = k.memmap.testFlag(pfn, 3);
  k.memmap.setFlag(pfn, 3);
  return !was;
}

export function set_page_dirty_lock(page: Page): boolean {
  return set_page_dirty(page);
}

type LockedMm = { mmap_lock: { readers: number; writer: boolean } };

function unbalanced(fn: string): void {
  currentKernel().warn(`${fn}(): mmap_lock is not held (lockdep: releasing a lock that was never taken)`, undefined);
}

export function mmap_read_lock(mm: LockedMm): void { mm.mmap_lock.readers++; }
export function mmap_read_unlock(mm: LockedMm): void {
  if (mm.mmap_lock.readers === 0) return unbalanced("mmap_read_unlock");
  mm.mmap_lock.readers--;
}
export function mmap_write_lock(mm: LockedMm): void { mm.mmap_lock.writer = true; }
export function mmap_write_unlock(mm: LockedMm): void {
  if (!mm.mmap_lock.writer) return unbalanced("mmap_write_unlock");
  mm.mmap_lock.writer = false;
}
