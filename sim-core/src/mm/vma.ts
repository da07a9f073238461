// struct vm_area_struct and its companions (include/linux/mm.h,
// mm_types.h): the flags, the operations a driver may supply, and the
// struct vm_fault a fault handler receives.

import type { Page } from "./memmap";
import { _PAGE_ACCESSED, _PAGE_PCD, _PAGE_PRESENT, _PAGE_PWT, _PAGE_RW, _PAGE_USER } from "./pgtable";
import type { MmStruct } from "./mm_struct";
import type { File } from "../fs/file";

/** VM_NONE (0x00000000): no access to the mapping. */
export const VM_NONE = 0x00000000;
/** VM_READ (0x00000001): the mapping may be read now (vma->vm_flags). */
export const VM_READ = 0x00000001;
/** VM_WRITE (0x00000002): the mapping may be written now. */
export const VM_WRITE = 0x00000002;
/** VM_EXEC (0x00000004): the mapping may be executed now. */
export const VM_EXEC = 0x00000004;
/** VM_SHARED (0x00000008): a shared mapping (MAP_SHARED and writable); writes reach the backing object. */
export const VM_SHARED = 0x00000008;
/** VM_MAYREAD (0x00000010): mprotect() may later add VM_READ. */
export const VM_MAYREAD = 0x00000010;
/** VM_MAYWRITE (0x00000020): mprotect() may later add VM_WRITE; clear it in mmap to refuse writable mappings for good. */
export const VM_MAYWRITE = 0x00000020;
/** VM_MAYEXEC (0x00000040): mprotect() may later add VM_EXEC. */
export const VM_MAYEXEC = 0x00000040;
/** VM_MAYSHARE (0x00000080): mapped MAP_SHARED (set even when read-only, unlike VM_SHARED). */
export const VM_MAYSHARE = 0x00000080;
/** VM_GROWSDOWN (0x00000100): a stack that grows down on faults below vm_start. */
export const VM_GROWSDOWN = 0x00000100;
/** VM_PFNMAP (0x00000400): raw PFNs with no struct page behind them; set by remap_pfn_range(). */
export const VM_PFNMAP = 0x00000400;
/** VM_LOCKED (0x00002000): pages are mlock()ed and never reclaimed. */
export const VM_LOCKED = 0x00002000;
/** VM_IO (0x00004000): memory-mapped I/O; never core-dumped or touched by get_user_pages(); set by remap_pfn_range() and io_remap_pfn_range(). */
export const VM_IO = 0x00004000;
/** VM_SEQ_READ (0x00008000): madvise(MADV_SEQUENTIAL) hint. */
export const VM_SEQ_READ = 0x00008000;
/** VM_RAND_READ (0x00010000): madvise(MADV_RANDOM) hint. */
export const VM_RAND_READ = 0x00010000;
/** VM_DONTCOPY (0x00020000): not inherited by fork() (madvise(MADV_DONTFORK)). */
export const VM_DONTCOPY = 0x00020000;
/** VM_DONTEXPAND (0x00040000): mremap() cannot grow the mapping; set it on driver mappings of fixed-size objects. */
export const VM_DONTEXPAND = 0x00040000;
/** VM_ACCOUNT (0x00100000): the mapping is charged against overcommit accounting. */
export const VM_ACCOUNT = 0x00100000;
/** VM_NORESERVE (0x00200000): no swap space is reserved (MAP_NORESERVE). */
export const VM_NORESERVE = 0x00200000;
/** VM_DONTDUMP (0x04000000): left out of core dumps. */
export const VM_DONTDUMP = 0x04000000;
/** VM_MIXEDMAP (0x10000000): may hold both struct-page pages and raw PFNs (vm_insert_page()/vmf_insert_mixed()). */
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

/** FAULT_FLAG_WRITE (0x01): the fault is a write access (vmf->flags). */
export const FAULT_FLAG_WRITE = 0x01;
/** FAULT_FLAG_MKWRITE (0x02): a write to a present read-only page (page_mkwrite path). */
export const FAULT_FLAG_MKWRITE = 0x02;
/** FAULT_FLAG_ALLOW_RETRY (0x04): the handler may drop mmap_lock and return VM_FAULT_RETRY. */
export const FAULT_FLAG_ALLOW_RETRY = 0x04;
/** FAULT_FLAG_KILLABLE (0x10): the fault may be aborted by a fatal signal while waiting. */
export const FAULT_FLAG_KILLABLE = 0x10;
/** FAULT_FLAG_USER (0x40): the fault came from user mode. */
export const FAULT_FLAG_USER = 0x40;
/** FAULT_FLAG_REMOTE (0x80): the fault is on another process's mm (get_user_pages_remote()). */
export const FAULT_FLAG_REMOTE = 0x80;

/** VM_FAULT_OOM (0x000001): a fault handler's result: out of memory; the caller runs the OOM path. */
export const VM_FAULT_OOM = 0x000001;
/** VM_FAULT_SIGBUS (0x000002): a fault handler's result: no page at this offset; the process gets SIGBUS. */
export const VM_FAULT_SIGBUS = 0x000002;
/** VM_FAULT_MAJOR (0x000004): a fault handler's result bit: the fault needed I/O (counted as a major fault). */
export const VM_FAULT_MAJOR = 0x000004;
/** VM_FAULT_HWPOISON (0x000010): a fault handler's result: the page is hardware-poisoned. */
export const VM_FAULT_HWPOISON = 0x000010;
/** VM_FAULT_SIGSEGV (0x000040): a fault handler's result: the process gets SIGSEGV. */
export const VM_FAULT_SIGSEGV = 0x000040;
/** VM_FAULT_NOPAGE (0x000100): a fault handler's result: the handler installed the PTE itself (vmf_insert_pfn()), vmf->page is unused. */
export const VM_FAULT_NOPAGE = 0x000100;
/** VM_FAULT_LOCKED (0x000200): a fault handler's result bit: vmf->page is returned locked. */
export const VM_FAULT_LOCKED = 0x000200;
/** VM_FAULT_RETRY (0x000400): a fault handler's result: mmap_lock was dropped; the fault is retried. */
export const VM_FAULT_RETRY = 0x000400;
/** VM_FAULT_ERROR: VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON; test a fault result against it for failure. */
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON;
export type vm_fault_t = number;

export interface vm_operations_struct {
  /** void (*open)(struct vm_area_struct *vma): called when the VMA is copied (fork, split); not for the first mmap. */
  open?(vma: VmArea): void;
  /** void (*close)(struct vm_area_struct *vma): called when the VMA is unmapped; undo what open or mmap took. */
  close?(vma: VmArea): void;
  /** vm_fault_t (*fault)(struct vm_fault *vmf): supplies the page for a faulting address; returns 0 with vmf->page set, VM_FAULT_NOPAGE, or VM_FAULT_SIGBUS past the object. */
  fault?(vmf: VmFault): vm_fault_t;
  /** vm_fault_t (*page_mkwrite)(struct vm_fault *vmf): a read-only shared page is about to become writable. */
  page_mkwrite?(vmf: VmFault): vm_fault_t;
  /** const char *(*name)(struct vm_area_struct *vma): the name /proc/PID/maps shows for the VMA. */
  name?(vma: VmArea): string;
}

/** struct vm_fault, as a fault handler sees it. */
export class VmFault {
  private page_: Page | null = null;
  /** Where the handler stored vmf->page, when the checker wanted to know (see Memory.checkHandedReference). */
  assignedAt: unknown;
  /** @internal Called when the handler sets vmf->page. */
  onAssign: ((p: Page | null) => unknown) | undefined;
  /** vmf->page: the page a fault handler returns, with a reference taken (get_page()); unused with VM_FAULT_NOPAGE. */
  get page(): Page | null { return this.page_; }
  set page(p: Page | null) {
    this.page_ = p;
    if (this.onAssign) this.assignedAt = this.onAssign(p);
  }
  constructor(
    /** vmf->vma: the VMA the fault is in. */
    readonly vma: VmArea,
    /** The faulting user address, page-aligned. */
    readonly address: number,
    /** The page offset within the mapped object: vm_pgoff plus the page's index in the VMA. */
    readonly pgoff: number,
    /** vmf->flags: FAULT_FLAG_WRITE, FAULT_FLAG_USER… */
    readonly flags: number,
    /** The exact faulting address. */
    readonly real_address: number,
  ) {}
}

/** struct vm_area_struct. A driver's mmap may change vm_flags, vm_page_prot, vm_ops, vm_private_data (and vm_pgoff). */
export class VmArea {
  /** vma->vm_ops: the vm_operations_struct (open, close, fault…) the driver's mmap installs. */
  vm_ops: vm_operations_struct | null = null;
  /** vma->vm_private_data: the driver's own pointer for this mapping. */
  vm_private_data: unknown = null;
  /** For anonymous pages: [heap], [stack], or a plain anonymous mapping. */
  anonName: string | undefined;
  constructor(
    /** vma->vm_mm: the address space (struct mm_struct) the VMA belongs to. */
    public vm_mm: MmStruct,
    /** vma->vm_start: the first user address of the mapping (page-aligned, inclusive). */
    public vm_start: number,
    /** vma->vm_end: the first address past the mapping (exclusive); vm_end - vm_start is the size an mmap handler must bound (MM002). */
    public vm_end: number,
    /** vma->vm_flags: VM_READ, VM_WRITE, VM_SHARED, VM_IO…; change it with vm_flags_set()/vm_flags_clear(). */
    public vm_flags: number,
    /** vma->vm_pgoff: the offset into the mapped object in pages (mmap's offset >> PAGE_SHIFT); user-chosen, so bound it before use (MM002, MM003). */
    public vm_pgoff: number,
    /** vma->vm_file: the file mapped (NULL for anonymous memory); holds a reference on it. */
    public vm_file: File | null,
    /** vma->vm_page_prot: the pgprot_t for the PTEs; pgprot_noncached()/pgprot_writecombine() for device memory (MM007). */
    public vm_page_prot: pgprot_t = vm_get_page_prot(vm_flags),
  ) {}

  /** vma->vm_end - vma->vm_start, in bytes (no C field: the kernel's vma_pages() counts pages). */
  get size(): number { return this.vm_end - this.vm_start; }
  /** Whether addr lies in [vm_start, vm_end). */
  contains(addr: number): boolean { return addr >= this.vm_start && addr < this.vm_end; }
  /** A printable form, "vma start-end" in hex. */
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
