// struct vm_area_struct and its companions (include/linux/mm.h,
// mm_types.h): the flags, the operations a driver may supply, and the
// struct vm_fault a fault handler receives.

import type { Page } from "./memmap";
import { _PAGE_ACCESSED, _PAGE_PCD, _PAGE_PRESENT, _PAGE_PWT, _PAGE_RW, _PAGE_USER } from "./pgtable";
import type { MmStruct } from "./mm_struct";
import type { File } from "../fs/file";

export const VM_NONE = 0x00000000;
export const VM_READ = 0x00000001;
export const VM_WRITE = 0x00000002;
export const VM_EXEC = 0x00000004;
export const VM_SHARED = 0x00000008;
export const VM_MAYREAD = 0x00000010;
export const VM_MAYWRITE = 0x00000020;
export const VM_MAYEXEC = 0x00000040;
export const VM_MAYSHARE = 0x00000080;
export const VM_GROWSDOWN = 0x00000100;
export const VM_PFNMAP = 0x00000400;
export const VM_LOCKED = 0x00002000;
export const VM_IO = 0x00004000;
export const VM_SEQ_READ = 0x00008000;
export const VM_RAND_READ = 0x00010000;
export const VM_DONTCOPY = 0x00020000;
export const VM_DONTEXPAND = 0x00040000;
export const VM_ACCOUNT = 0x00100000;
export const VM_NORESERVE = 0x00200000;
export const VM_DONTDUMP = 0x04000000;
export const VM_MIXEDMAP = 0x10000000;
/** Mappings the core must not merge, split freely or treat as ordinary memory. */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

const VM_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [VM_READ, "VM_READ"], [VM_WRITE, "VM_WRITE"], [VM_EXEC, "VM_EXEC"], [VM_SHARED, "VM_SHARED"],
  [VM_MAYREAD, "VM_MAYREAD"], [VM_MAYWRITE, "VM_MAYWRITE"], [VM_MAYEXEC, "VM_MAYEXEC"], [VM_MAYSHARE, "VM_MAYSHARE"],
  [VM_GROWSDOWN, "VM_GROWSDOWN"], [VM_PFNMAP, "VM_PFNMAP"], [VM_LOCKED, "VM_LOCKED"], [VM_IO, "VM_IO"],
  [VM_DONTCOPY, "VM_DONTCOPY"], [VM_DONTEXPAND, "VM_DONTEXPAND"], [VM_ACCOUNT, "VM_ACCOUNT"],
  [VM_NORESERVE, "VM_NORESERVE"], [VM_DONTDUMP, "VM_DONTDUMP"], [VM_MIXEDMAP, "VM_MIXEDMAP"],
];

export function vmFlagNames(flags: number): string {
  return VM_FLAG_NAMES.filter(([v]) => flags & v).map(([, n]) => n).join("|") || "0";
}

export type pgprot_t = number;

/** vm_get_page_prot(): a private writable mapping gets read-only PTEs, so writes fault and copy. */
export function vm_get_page_prot(flags: number): pgprot_t {
  if (!(flags & (VM_READ | VM_WRITE | VM_EXEC))) return 0; // PAGE_NONE
  let prot = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
  if (flags & VM_WRITE && flags & VM_SHARED) prot |= _PAGE_RW;
  return prot;
}

/**
 * ```c
 * pgprot_t pgprot_noncached(pgprot_t prot)
 * ```
 * The protections with caching disabled: what device memory mapped to user space needs (`vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot)`).
 *
 * Rules: MM007 (device memory mapped cacheable).
 */
export function pgprot_noncached(prot: pgprot_t): pgprot_t { return prot | _PAGE_PCD; }
/**
 * ```c
 * pgprot_t pgprot_writecombine(pgprot_t prot)
 * ```
 * The protections with write-combining: for frame buffers, not registers.
 *
 * Rules: MM007 (device memory mapped cacheable).
 */
export function pgprot_writecombine(prot: pgprot_t): pgprot_t { return prot | _PAGE_PWT; }

export function isCowMapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

export const FAULT_FLAG_WRITE = 0x01;
export const FAULT_FLAG_MKWRITE = 0x02;
export const FAULT_FLAG_ALLOW_RETRY = 0x04;
export const FAULT_FLAG_KILLABLE = 0x10;
export const FAULT_FLAG_USER = 0x40;
export const FAULT_FLAG_REMOTE = 0x80;

export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_MAJOR = 0x000004;
export const VM_FAULT_HWPOISON = 0x000010;
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_NOPAGE = 0x000100;
export const VM_FAULT_LOCKED = 0x000200;
export const VM_FAULT_RETRY = 0x000400;
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON;
export type vm_fault_t = number;

export interface vm_operations_struct {
  open?(vma: VmArea): void;
  close?(vma: VmArea): void;
  fault?(vmf: VmFault): vm_fault_t;
  page_mkwrite?(vmf: VmFault): vm_fault_t;
  name?(vma: VmArea): string;
}

/** struct vm_fault, as a fault handler sees it. */
export class VmFault {
  private page_: Page | null = null;
  /** Where the handler stored vmf->page, when the checker wanted to know (see Memory.checkHandedReference). */
  assignedAt: unknown;
  /** @internal Called when the handler sets vmf->page. */
  onAssign: ((p: Page | null) => unknown) | undefined;
  get page(): Page | null { return this.page_; }
  set page(p: Page | null) {
    this.page_ = p;
    if (this.onAssign) this.assignedAt = this.onAssign(p);
  }
  constructor(
    readonly vma: VmArea,
    /** The faulting user address, page-aligned. */
    readonly address: number,
    /** The page offset within the mapped object: vm_pgoff plus the page's index in the VMA. */
    readonly pgoff: number,
    readonly flags: number,
    /** The exact faulting address. */
    readonly real_address: number,
  ) {}
}

/** struct vm_area_struct. A driver's mmap may change vm_flags, vm_page_prot, vm_ops, vm_private_data (and vm_pgoff). */
export class VmArea {
  vm_ops: vm_operations_struct | null = null;
  vm_private_data: unknown = null;
  /** For anonymous pages: [heap], [stack], or a plain anonymous mapping. */
  anonName: string | undefined;
  constructor(
    public vm_mm: MmStruct,
    public vm_start: number,
    public vm_end: number,
    public vm_flags: number,
    public vm_pgoff: number,
    public vm_file: File | null,
    public vm_page_prot: pgprot_t = vm_get_page_prot(vm_flags),
  ) {}

  get size(): number { return this.vm_end - this.vm_start; }
  contains(addr: number): boolean { return addr >= this.vm_start && addr < this.vm_end; }
  toString(): string { return `vma ${this.vm_start.toString(16)}-${this.vm_end.toString(16)}`; }
}

/**
 * ```c
 * void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
 * ```
 * Sets VMA flags (VM_IO, VM_PFNMAP, VM_DONTEXPAND, VM_DONTDUMP… for a device mapping) from the mmap handler.
 *
 * Rules: MM006 (page insert into an unsuitable VMA); MM007 (device memory mapped cacheable).
 */
export function vm_flags_set(vma: VmArea, flags: number): void { vma.vm_flags |= flags; }
/**
 * ```c
 * void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
 * ```
 * Clears VMA flags (e.g. VM_MAYWRITE for a read-only mapping).
 */
export function vm_flags_clear(vma: VmArea, flags: number): void { vma.vm_flags &= ~flags; }
/**
 * ```c
 * static inline unsigned long vma_pages(struct vm_area_struct *vma)
 * ```
 * The VMA's length in pages: (vm_end - vm_start) >> PAGE_SHIFT. What an mmap handler bounds, together with vm_pgoff, against its object.
 *
 * Rules: MM002 (mmap request not bounds-checked).
 */
export function vma_pages(vma: VmArea): number { return vma.size / 4096; }
