// mm/mmap.c, mm/mremap.c, mm/mprotect.c: the system calls that change an
// address space. The driver's mmap runs the way Linux runs it — the core
// picks the range and builds the VMA first; vm_ops->open is not called for
// that first mapping, but is for every copy (fork) and split.

import type { Kernel } from "../kernel";
import { File, Inode, FMODE_READ, FMODE_WRITE, O_RDWR } from "../fs/file";
import { PAGE_SIZE } from "../util/addr";
import type { MmStruct } from "./mm_struct";
import { __GFP_ZERO, GFP_HIGHUSER_MOVABLE } from "./gfp";
import { Owner } from "./memmap";
import { _PAGE_PCD, _PAGE_PWT, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER, ptePfn, pteModify } from "./pgtable";
import {
  VM_ACCOUNT, VM_DONTCOPY, VM_DONTEXPAND, VM_EXEC, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE,
  VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE, VM_FAULT_OOM, VM_FAULT_SIGBUS, VmArea, vm_get_page_prot, type VmFault,
} from "./vma";

export const /** PROT_NONE (0x0): the mapping cannot be accessed. */ PROT_NONE = 0x0, /** PROT_READ (0x1): the mapping can be read. */ PROT_READ = 0x1, /** PROT_WRITE (0x2): the mapping can be written. */ PROT_WRITE = 0x2, /** PROT_EXEC (0x4): the mapping can be executed. */ PROT_EXEC = 0x4;
export const /** MAP_SHARED (0x01): stores reach the object and other mappers of it. */ MAP_SHARED = 0x01, /** MAP_PRIVATE (0x02): a private copy-on-write mapping. */ MAP_PRIVATE = 0x02, /** MAP_FIXED (0x10): map at exactly this address, replacing what is there. */ MAP_FIXED = 0x10, /** MAP_ANONYMOUS (0x20): zero-filled memory backed by no file. */ MAP_ANONYMOUS = 0x20, /** MAP_POPULATE (0x008000): prefault the page tables at mmap() time. */ MAP_POPULATE = 0x8000;
export const /** MREMAP_MAYMOVE (1): mremap() may move the mapping to a new address. */ MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

const ENOMEM = 12, EACCES = 13, EFAULT = 14, ENODEV = 19, EINVAL = 22, EOVERFLOW = 75;

const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function protToVmFlags(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** Cache-attribute bits a driver put in vm_page_prot survive an mprotect (pgprot_modify). */
const KEEP_PROT = _PAGE_PCD | _PAGE_PWT;

/** S_IFREG: the mode of a shmem file's inode. */
const S_IFREG = 0o100000;

export class Mmap {
  /** Inode numbers of the shmem files behind shared anonymous mappings (get_next_ino()). */
  private shmemIno = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  private get mem() { return this.#k.mm; }

  /** do_mmap(): the new mapping's address, or -errno. */
  mmap(mm: MmStruct, addr: number, len: number, prot: number, flags: number, file: File | null, pgoff: number): number {
    const k = this.#k;
    if (len <= 0) return -EINVAL;
    len = pageUp(len);
    if (pgoff + len / PAGE_SIZE < pgoff || !Number.isSafeInteger(pgoff * PAGE_SIZE)) return -EOVERFLOW;
    if (!(flags & (MAP_SHARED | MAP_PRIVATE)) || (flags & MAP_SHARED && flags & MAP_PRIVATE)) return -EINVAL;
    if (flags & MAP_FIXED && addr % PAGE_SIZE) return -EINVAL;
    let vmFlags = protToVmFlags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (file) {
      if (flags & MAP_SHARED) {
        if (prot & PROT_WRITE && !(file.f_mode & FMODE_WRITE)) return -EACCES;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        if (!(file.f_mode & FMODE_WRITE)) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
      }
      // MAP_SHARED falls through to MAP_PRIVATE's check: every file mapping needs a file opened for reading.
      if (!(file.f_mode & FMODE_READ)) return -EACCES;
      if (!file.f_op.mmap) return -ENODEV;
    } else if (flags & MAP_SHARED) vmFlags |= VM_SHARED | VM_MAYSHARE;
    else vmFlags |= VM_ACCOUNT;

    if (flags & MAP_FIXED) this.munmap(mm, addr, len);
    else addr = mm.getUnmappedArea(len, addr);
    if (addr < 0) return addr;

    if (!file) {
      const r = vmFlags & VM_SHARED ? this.shmemZeroSetup(mm, addr, len, vmFlags) : this.mapAnon(mm, addr, len, vmFlags);
      if (flags & MAP_POPULATE) this.populate(mm, mm.vmaLookup(addr)!);
      return r;
    }
    const vma = new VmArea(mm, addr, addr + len, vmFlags, pgoff, file);
    file.f_count++;
    mm.mmap_lock.writer = true;
    let ret: number;
    try {
      ret = k.callDriver(file.module, "mmap", () => file.f_op.mmap!(file, vma), file.f_op.mmap);
    } catch (e) {
      this.mem.zapRange(mm, vma, vma.vm_start, vma.vm_end);
      file.f_count--;
      throw e;
    } finally {
      mm.mmap_lock.writer = false;
    }
    if (typeof ret !== "number") ret = -EINVAL;
    if (ret < 0) {
      this.mem.zapRange(mm, vma, vma.vm_start, vma.vm_end);
      file.f_count--;
      return ret;
    }
    if (vma.vm_start !== addr || vma.vm_end !== addr + len) {
      k.warn(`mmap: ${file.path}'s mmap() changed vm_start/vm_end (WARN_ON(addr != vma->vm_start) in mmap_region)`, undefined);
      vma.vm_start = addr;
      vma.vm_end = addr + len;
    }
    mm.insert(vma);
    k.events.emit({ type: "vma_add", mm: mm.id, start: vma.vm_start, end: vma.vm_end, flags: vma.vm_flags, file: file.path });
    if (flags & MAP_POPULATE) this.populate(mm, vma);
    return addr;
  }

  private mapAnon(mm: MmStruct, addr: number, len: number, vmFlags: number, name?: string): number {
    // vma_merge(): a private anonymous mapping joins compatible neighbours, below and above,
    // when their page offsets line up as one anonymous range would.
    const pg = addr / PAGE_SIZE, pages = len / PAGE_SIZE;
    const fits = (v: VmArea | undefined): v is VmArea => !!v && !v.vm_file && v.vm_flags === vmFlags && !(vmFlags & VM_SHARED) && v.anonName === name && !v.vm_ops;
    const prev = mm.vmas.find((v) => v.vm_end === addr);
    const next = mm.vmas.find((v) => v.vm_start === addr + len);
    const joinPrev = fits(prev) && prev.vm_pgoff + prev.size / PAGE_SIZE === pg;
    const joinNext = fits(next) && next.vm_pgoff === pg + pages;
    if (joinPrev || joinNext) {
      if (joinPrev && joinNext) {
        prev!.vm_end = next!.vm_end;
        mm.remove(next!);
      } else if (joinPrev) prev!.vm_end = addr + len;
      else {
        next!.vm_start = addr;
        next!.vm_pgoff = pg;
      }
      this.#k.events.emit({ type: "vma_add", mm: mm.id, start: addr, end: addr + len, flags: vmFlags, file: null });
      return addr;
    }
    const vma = new VmArea(mm, addr, addr + len, vmFlags, addr / PAGE_SIZE, null);
    vma.anonName = name;
    mm.insert(vma);
    this.#k.events.emit({ type: "vma_add", mm: mm.id, start: addr, end: addr + len, flags: vmFlags, file: null });
    return addr;
  }

  /**
   * shmem_zero_setup(): a shared anonymous mapping is backed by an unlinked
   * shmem file ("/dev/zero (deleted)"), so that every process sharing it
   * after fork() sees the same pages, including pages first touched after
   * the fork. The file's page cache holds one reference per page; each PTE
   * holds another. The pages go when the last VMA drops the file.
   */
  private shmemZeroSetup(mm: MmStruct, addr: number, len: number, vmFlags: number): number {
    const k = this.#k;
    const cache = new Map<number, number>(); // pgoff → pfn
    const size = len / PAGE_SIZE; // i_size: the object does not grow with a later mremap()
    const release = (): number => {
      for (const pfn of cache.values()) k.pages.putPage(pfn);
      cache.clear();
      return 0;
    };
    const file = new File(k.nextId("file"), "/dev/zero (deleted)", new Inode(++this.shmemIno, 0, S_IFREG | 0o777, "00:01"), { release }, O_RDWR, FMODE_READ | FMODE_WRITE);
    const vma = new VmArea(mm, addr, addr + len, vmFlags, 0, file);
    vma.vm_ops = {
      fault: function shmem_fault(vmf: VmFault): number {
        if (vmf.pgoff >= size) return VM_FAULT_SIGBUS; // beyond i_size: shmem_get_folio() says -EINVAL
        let pfn = cache.get(vmf.pgoff);
        if (pfn === undefined) {
          pfn = k.pages.alloc(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, Owner.User);
          if (pfn < 0) return VM_FAULT_OOM;
          cache.set(vmf.pgoff, pfn);
        }
        k.pages.getPage(pfn); // the page table's reference
        vmf.page = k.memmap.page(pfn);
        return 0;
      },
    };
    mm.insert(vma);
    k.events.emit({ type: "vma_add", mm: mm.id, start: addr, end: addr + len, flags: vmFlags, file: file.path });
    return addr;
  }

  /** A fixed anonymous mapping for the process layout ([stack], [heap], program segments). */
  mapFixed(mm: MmStruct, addr: number, len: number, vmFlags: number, name: string | undefined, file: File | null = null, pgoff = 0): VmArea {
    const vma = new VmArea(mm, addr, addr + len, vmFlags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, file ? pgoff : addr / PAGE_SIZE, file);
    vma.anonName = name;
    if (file) file.f_count++;
    mm.insert(vma);
    return vma;
  }

  private populate(mm: MmStruct, vma: VmArea): void {
    // populate_vma_page_range(): write faults break COW in private writable mappings; shared ones are not dirtied for nothing.
    const write = (vma.vm_flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
    for (let a = vma.vm_start; a < vma.vm_end; a += PAGE_SIZE) {
      if (mm.pgtables.get(a)) continue;
      if (this.mem.handleFault(mm, a, write, false)) break;
    }
  }

  /**
   * __split_vma(): cut vma at addr. The new piece is a copy: it takes a file
   * reference and gets vm_ops->open, as in Linux. Returns the upper piece.
   */
  split(mm: MmStruct, vma: VmArea, addr: number): VmArea {
    const end = vma.vm_end;
    vma.vm_end = addr;
    return this.dupVma(mm, vma, addr, end, vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE);
  }

  /** vm_area_dup() and vma_link(): a copy of v over [start, end) in mm, holding its file, announced with vm_ops->open. */
  private dupVma(mm: MmStruct, v: VmArea, start: number, end: number, pgoff: number): VmArea {
    const c = new VmArea(mm, start, end, v.vm_flags, pgoff, v.vm_file, v.vm_page_prot);
    c.vm_ops = v.vm_ops;
    c.vm_private_data = v.vm_private_data;
    c.anonName = v.anonName;
    mm.insert(c);
    if (c.vm_file) c.vm_file.f_count++;
    this.callVmOp(c, "open");
    return c;
  }

  private callVmOp(vma: VmArea, op: "open" | "close"): void {
    const fn = vma.vm_ops?.[op];
    // vm_ops' open/close return void, unlike the file operations of the same names: the kernel checks them by this name.
    if (fn) this.#k.callDriver(vma.vm_file?.module ?? null, `vm_${op}`, () => fn.call(vma.vm_ops, vma));
  }

  /** remove_vma() after its pages are gone: vm_ops->close and the file reference. */
  private removeVma(mm: MmStruct, vma: VmArea): void {
    this.mem.zapRange(mm, vma, vma.vm_start, vma.vm_end);
    mm.remove(vma);
    this.callVmOp(vma, "close");
    if (vma.vm_file) this.#k.fput(vma.vm_file);
    this.#k.events.emit({ type: "vma_remove", mm: mm.id, start: vma.vm_start, end: vma.vm_end });
  }

  /** do_munmap(): 0 or -errno. Splits VMAs the range cuts through. */
  munmap(mm: MmStruct, start: number, len: number): number {
    if (start % PAGE_SIZE || len <= 0 || start + len > mm.layout.taskSize) return -EINVAL;
    const end = start + pageUp(len);
    mm.mmap_lock.writer = true;
    try {
      for (const vma of mm.overlapping(start, end)) {
        let v = vma;
        if (v.vm_start < start) v = this.split(mm, v, start);
        if (v.vm_end > end) this.split(mm, v, end);
        this.removeVma(mm, v);
      }
    } finally {
      mm.mmap_lock.writer = false;
    }
    mm.pgtables.flushRange(start, end);
    return 0;
  }

  /** mremap(): the new address, or -errno. */
  mremap(mm: MmStruct, oldAddr: number, oldLen: number, newLen: number, flags: number): number {
    if (oldAddr % PAGE_SIZE || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return -EINVAL;
    oldLen = pageUp(oldLen);
    newLen = pageUp(newLen);
    if (newLen === 0) return -EINVAL;
    const vma = mm.vmaLookup(oldAddr);
    if (!vma || oldAddr + oldLen > vma.vm_end) return -EFAULT;
    if (newLen <= oldLen) {
      if (newLen < oldLen) this.munmap(mm, oldAddr + newLen, oldLen - newLen);
      return oldAddr;
    }
    if (vma.vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) return -EFAULT;
    const delta = newLen - oldLen;
    if (oldAddr + oldLen === vma.vm_end && mm.overlapping(vma.vm_end, vma.vm_end + delta).length === 0 && vma.vm_end + delta <= mm.layout.taskSize) {
      vma.vm_end += delta;
      this.#k.events.emit({ type: "vma_add", mm: mm.id, start: vma.vm_end - delta, end: vma.vm_end, flags: vma.vm_flags, file: vma.vm_file?.path ?? null });
      return oldAddr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    const target = mm.getUnmappedArea(newLen, 0);
    if (target < 0) return target;
    // move_vma(): a copy of the VMA (vm_ops->open), the PTEs moved over, then the old range unmapped.
    let src = vma;
    if (src.vm_start < oldAddr) src = this.split(mm, src, oldAddr);
    if (src.vm_end > oldAddr + oldLen) this.split(mm, src, oldAddr + oldLen);
    this.dupVma(mm, src, target, target + newLen, src.vm_pgoff);
    for (const [a, pte] of [...mm.pgtables.entries(src.vm_start, src.vm_end)]) {
      mm.pgtables.clear(a);
      mm.pgtables.set(target + (a - src.vm_start), pte);
    }
    mm.pgtables.flushRange(src.vm_start, src.vm_end);
    this.removeVma(mm, src);
    return target;
  }

  /** mprotect(): 0 or -errno. */
  mprotect(mm: MmStruct, start: number, len: number, prot: number): number {
    if (start % PAGE_SIZE) return -EINVAL;
    const end = start + pageUp(len);
    if (end === start) return 0;
    const vmas = mm.overlapping(start, end);
    let cursor = start;
    for (const v of vmas) {
      if (v.vm_start > cursor) return -ENOMEM;
      cursor = v.vm_end;
    }
    if (cursor < end || vmas.length === 0) return -ENOMEM;
    const newBits = protToVmFlags(prot);
    for (const v of vmas) {
      if (newBits & VM_WRITE && !(v.vm_flags & VM_MAYWRITE)) return -EACCES;
      if (newBits & VM_EXEC && !(v.vm_flags & VM_MAYEXEC)) return -EACCES;
    }
    for (const vma of vmas) {
      let v = vma;
      if (v.vm_start < start) v = this.split(mm, v, start);
      if (v.vm_end > end) this.split(mm, v, end);
      v.vm_flags = (v.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | newBits;
      v.vm_page_prot = vm_get_page_prot(v.vm_flags) | (v.vm_page_prot & KEEP_PROT);
      // change_pte_range(): pte_modify() takes the new protection whole, so PROT_NONE (no _PAGE_USER) is undone by a later mprotect.
      const accessible = (newBits & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
      for (const [a, pte] of [...mm.pgtables.entries(v.vm_start, v.vm_end)]) {
        const rw = accessible && v.vm_flags & VM_WRITE && v.vm_flags & VM_SHARED && !(pte & _PAGE_SPECIAL && ptePfn(pte) === this.mem.zeroPfn);
        mm.pgtables.set(a, pteModify(pte, (accessible ? _PAGE_USER : 0) | (rw ? _PAGE_RW : 0), _PAGE_RW | _PAGE_USER));
      }
    }
    mm.pgtables.flushRange(start, end);
    return 0;
  }

  /** brk(): grows or shrinks [heap]; returns the new break. */
  brk(mm: MmStruct, newBrk: number): number {
    if (newBrk < mm.startBrk) return mm.brk;
    const oldEnd = pageUp(mm.brk), newEnd = pageUp(newBrk);
    if (newEnd > oldEnd) {
      if (mm.overlapping(oldEnd, newEnd).length) return mm.brk;
      const heap = mm.vmas.find((v) => v.anonName === "[heap]");
      if (heap && heap.vm_end === oldEnd) heap.vm_end = newEnd;
      else this.mapFixed(mm, oldEnd, newEnd - oldEnd, VM_READ | VM_WRITE | VM_ACCOUNT, "[heap]");
    } else if (newEnd < oldEnd) this.munmap(mm, newEnd, oldEnd - newEnd);
    mm.brk = newBrk;
    return newBrk;
  }

  /** dup_mmap() for fork: every VMA copied (vm_ops->open on each), page tables per copy_page_range(). */
  dup(parent: MmStruct, child: MmStruct): void {
    child.startBrk = parent.startBrk;
    child.brk = parent.brk;
    for (const v of parent.vmas) {
      if (v.vm_flags & VM_DONTCOPY) continue;
      const c = this.dupVma(child, v, v.vm_start, v.vm_end, v.vm_pgoff);
      this.mem.copyRange(child, parent, v, c);
    }
    parent.pgtables.flushAll();
  }

  /** exit_mmap(): everything unmapped, vm_ops->close for each VMA, page tables freed. */
  exit(mm: MmStruct): void {
    for (const v of [...mm.vmas]) this.removeVma(mm, v);
    mm.pgtables.destroy();
  }
}

