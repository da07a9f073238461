// mm/memory.c: installing and tearing down user PTEs, the page fault path
// (the driver's fault handler, the zero page, copy-on-write), copying page
// tables on fork, and the helpers a driver's mmap uses to build page tables
// itself (remap_pfn_range, vm_insert_page, vmf_insert_pfn, vm_iomap_memory).

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { fixAt } from "../kernel/fixsite";
import { BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGKILL, SIGSEGV, pfError, type SigInfo } from "../kernel/signal";
import { PAGE_SIZE } from "../util/addr";
import { __GFP_ZERO, GFP_HIGHUSER_MOVABLE } from "./gfp";
import type { MmStruct } from "./mm_struct";
import { Owner, type Page } from "./memmap";
import { PG } from "./page-flags";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PCD, _PAGE_PWT, _PAGE_PRESENT, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER, mkPte, pteModify, ptePfn, pteFlags } from "./pgtable";
import {
  FAULT_FLAG_USER, FAULT_FLAG_WRITE, VM_DONTDUMP, VM_DONTEXPAND, VM_FAULT_ERROR, VM_FAULT_NOPAGE, VM_FAULT_OOM,
  VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_GROWSDOWN, VM_IO, VM_MIXEDMAP, VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE, VM_EXEC,
  VmArea, VmFault, isCowMapping, vmFlagNames, type pgprot_t, type vm_fault_t,
} from "./vma";

const EINVAL = 22, EBUSY = 16, EFAULT = 14;

/** How a fault ended: resolved, or a signal for the faulting task. */
export type FaultOutcome = undefined | SigInfo;

/** What the fault path does for a VMA without a fault method. */
export type NoFaultHandler = "zero-page" | "sigbus";

export class Memory {
  /** empty_zero_page: a reserved frame in the kernel image's bss. */
  readonly zeroPfn: number;
  /** User PTEs per frame, special ones included: what MM008 checks before memory is freed. */
  /** Frames with at least one user PTE (the counts themselves live in mem_map, beside _mapcount). */
  userMappedFrames = 0;
  /** LDD3's behaviour (the zero page) or today's (SIGBUS, since vma_dummy_vm_ops). */
  noFaultHandler: NoFaultHandler = "zero-page";
  /** Frames and fault handlers already reported under MM004, so one bug gives one finding. */
  private readonly lostReported = new Set<number>();
  private readonly reportedHandlers = new WeakSet<object>();
  /** The event sequence number when the current fault started: allocations after it are the handler's own. */
  private faultSeq = 0;
  /** Set as vmf->page's hook: where the handler stored a page that looks unreferenced (made once, not per fault). */
  private readonly onAssign = (p: Page | null): CapturedStack | undefined =>
    p && this.missingReference(p.pfn, this.faultSeq) ? this.#k.stacks.capture() : undefined;
  /** Frames reported under MM008, until their last user mapping goes. */
  private readonly mappedFreeReported = new Set<number>();
  faults = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    const img = k.profile.kernel;
    this.zeroPfn = (img.physStart + img.textSize + img.rodataSize + img.dataSize) / PAGE_SIZE;
    k.phys.zeroFrame(this.zeroPfn);
  }

  userMapCount(pfn: number): number { return this.#k.memmap.userMaps(pfn); }

  /** Where a frame is mapped in user space: the first process and address found. */
  findUserMapping(pfn: number): { pid: number; comm: string; addr: number } | undefined {
    for (const t of this.#k.tasks.all.values()) {
      const mm = t.mm;
      if (!mm || t.state !== "running") continue;
      for (const v of mm.vmas) for (const [a, pte] of mm.pgtables.entries(v.vm_start, v.vm_end)) if (ptePfn(pte) === pfn) return { pid: t.pid, comm: t.comm, addr: a };
    }
    return undefined;
  }

  /**
   * MM008: memory is being freed while a user PTE still maps it — the process
   * would go on reading and writing a frame that now belongs to someone else.
   * Returns false once reported, so a block gives one finding.
   */
  reportMappedFree(frames: readonly number[], what: string, by: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    const fresh = frames.filter((p) => this.userMapCount(p) > 0 && !this.mappedFreeReported.has(p));
    if (!fresh.length) return;
    for (const p of fresh) this.mappedFreeReported.add(p);
    const pfn = fresh[0];
    const where = this.findUserMapping(pfn);
    const pages = fresh.length > 1 ? `${fresh.length} pages from pfn:0x${pfn.toString(16)}` : `pfn:0x${pfn.toString(16)}`;
    k.violation({
      rule: "MM008",
      params: { object: `${what} (freed by ${by}; ${pages} still mapped)`, addr: where ? `0x${where.addr.toString(16)}` : "?", process: where ? `${where.comm}[${where.pid}]` : "?" },
      report: [
        `BUG: ${what} is freed by ${by} while user space still maps ${pages}${where ? `, e.g. ${where.comm}[${where.pid}] at 0x${where.addr.toString(16)}` : ""}`,
        "Keep the backing memory until the last VMA is closed (free it in vm_ops->close or the file's release, after munmap), or zap the user PTEs first.",
        "Call Trace:", ...k.stacks.formatStack(stack),
      ],
      stack,
    });
  }

  /** set_pte_at() for a user page, keeping the reverse counts. */
  private install(mm: MmStruct, addr: number, pte: number): void {
    mm.pgtables.set(addr, pte);
    const pfn = ptePfn(pte);
    if (this.#k.memmap.addUserMaps(pfn, 1) === 1) this.userMappedFrames++;
    if (this.#k.events.hasListeners) this.#k.events.emit({ type: "pte_set", mm: mm.id, addr, pfn, flags: pteFlags(pte) });
    else this.#k.events.skip();
  }

  /** zap_pte_range() for one PTE: drop the mapping's reference; the page may go. */
  private zap(mm: MmStruct, vma: VmArea, addr: number): void {
    const pte = mm.pgtables.clear(addr);
    if (!pte) return;
    const k = this.#k, pfn = ptePfn(pte);
    if (this.#k.memmap.addUserMaps(pfn, -1) === 0) {
      this.userMappedFrames--;
      this.mappedFreeReported.delete(pfn);
    }
    mm.pgtables.flushPage(addr);
    if (k.events.hasListeners) k.events.emit({ type: "pte_clear", mm: mm.id, addr, pfn });
    else k.events.skip();
    if (pte & _PAGE_SPECIAL) return;
    if (pte & _PAGE_DIRTY && vma.vm_file) k.memmap.setFlag(pfn, PG.dirty);
    k.memmap.addMapcount(pfn, -1);
    if (k.memmap.owner(pfn) === Owner.User) mm.rssAnon--; else mm.rssFile--;
    // The page contract checked at unmap: a page that belongs to an allocator or to the
    // kernel itself can never lose its last reference to a mapping.
    if (this.ownedElsewhere(pfn) && k.memmap.refcount(k.pages.head(pfn)) <= 1 && !this.lostReported.has(pfn)) {
      this.reportLostReference(vma, addr, pfn);
    }
    k.pages.putPage(pfn);
  }

  /** unmap_page_range(): every PTE of [start, end) in one VMA. */
  zapRange(mm: MmStruct, vma: VmArea, start: number, end: number): void {
    const present: number[] = [];
    for (const [a] of mm.pgtables.entries(start, end)) present.push(a);
    for (const a of present) this.zap(mm, vma, a);
  }

  /**
   * The mapping's reference was the driver's own: the fault handler handed the
   * page over without get_page(), and this put_page() is about to free memory
   * the driver still uses (MM004; Linux frees it just the same).
   */
  private reportLostReference(vma: VmArea, addr: number, pfn: number): void {
    const k = this.#k;
    this.lostReported.add(pfn);
    k.violation({
      rule: "MM004",
      params: { pfn: `0x${pfn.toString(16)}`, addr: `0x${addr.toString(16)}` },
      report: [
        `BUG: Bad page state: unmapping 0x${addr.toString(16)} drops the last reference to pfn:0x${pfn.toString(16)}, which the driver still owns`,
        `The fault handler ${vma.vm_ops?.fault?.name ?? "?"}() returned this page without get_page(): the page table's reference was the driver's.`,
      ],
      // The unmap is where it shows; the fix is in the fault handler (no line: it returned without calling into the kernel).
      ...(vma.vm_ops?.fault?.name ? { fix: Object.freeze({ fn: vma.vm_ops.fault.name, why: `${vma.vm_ops.fault.name}() hands the page over in vmf->page without get_page(): take the page table's reference before returning it` }) } : {}),
    });
  }

  /** Pages whose own reference is held by something other than a mapping: slab, vmalloc, the kernel, reserved memory. */
  private ownedElsewhere(pfn: number): boolean {
    const o = this.#k.memmap.owner(pfn);
    return o === Owner.Slab || o === Owner.Vmalloc || o === Owner.Kernel || o === Owner.Reserved || o === Owner.MemMap || this.#k.memmap.testFlag(pfn, PG.reserved);
  }

  /** The user bit of PTEs a driver installs: a PROT_NONE VMA's pages are not user-accessible (PAGE_NONE). */
  private userBit(vma: VmArea): number {
    return vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC) ? _PAGE_USER : 0;
  }

  /** The zero-page PTE for a read of untouched memory. */
  private zeroPte(vma: VmArea): number {
    return mkPte(this.zeroPfn, (vma.vm_page_prot & ~_PAGE_RW) | _PAGE_PRESENT | _PAGE_USER | _PAGE_SPECIAL);
  }

  /** A new zeroed anonymous page, or -1. */
  private anonPage(): number {
    return this.#k.pages.alloc(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, Owner.User);
  }

  /**
   * handle_mm_fault() behind the permission checks of do_user_addr_fault().
   * Runs under mmap_read_lock, like Linux.
   */
  handleFault(mm: MmStruct, addr: number, write: boolean, user: boolean): FaultOutcome {
    const k = this.#k;
    this.faults++;
    k.clock.advance(k.cost.fault);
    let vma = mm.findVma(addr);
    if (vma && addr < vma.vm_start && vma.vm_flags & VM_GROWSDOWN && addr >= vma.vm_start - 256 * PAGE_SIZE && !mm.prev(vma)?.contains(addr)) {
      vma.vm_start = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE; // expand_stack()
    }
    if (!vma || addr < vma.vm_start) return { signo: SIGSEGV, code: SEGV_MAPERR, addr, error: pfError(false, write) };
    if (write ? !(vma.vm_flags & VM_WRITE) : !(vma.vm_flags & (VM_READ | VM_EXEC | VM_WRITE))) {
      return { signo: SIGSEGV, code: SEGV_ACCERR, addr, error: pfError((mm.pgtables.get(Math.floor(addr / PAGE_SIZE) * PAGE_SIZE) & _PAGE_PRESENT) !== 0, write) };
    }
    const page = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    const flags = (write ? FAULT_FLAG_WRITE : 0) | (user ? FAULT_FLAG_USER : 0);
    mm.mmap_lock.readers++;
    try {
      const pte = mm.pgtables.get(page);
      if (k.events.hasListeners) k.events.emit({ type: "page_fault", mm: mm.id, addr, write, present: (pte & _PAGE_PRESENT) !== 0 });
      else k.events.skip();
      if (pte & _PAGE_PRESENT) return write && !(pte & _PAGE_RW) ? this.wpFault(mm, vma, page, pte, addr) : undefined;
      return this.doFault(mm, vma, page, flags, addr);
    } finally {
      mm.mmap_lock.readers--;
    }
  }

  /** A not-present PTE: the driver's fault(), or the zero page / a fresh anonymous page. */
  private doFault(mm: MmStruct, vma: VmArea, page: number, flags: number, addr: number): FaultOutcome {
    const k = this.#k;
    const write = (flags & FAULT_FLAG_WRITE) !== 0;
    const fault = vma.vm_ops?.fault;
    if (!fault) {
      // vma_dummy_vm_ops: a driver's mmap() that set no fault method. (The program's own file was mapped by
      // exec, not by a driver: its pages come from the page cache, filemap_fault(), modelled as zero-filled.)
      if (vma.vm_file?.f_op.mmap && this.noFaultHandler === "sigbus") return { signo: SIGBUS, code: BUS_ADRERR, addr };
      if (!write) {
        this.install(mm, page, this.zeroPte(vma));
        return undefined;
      }
      const pfn = this.anonPage();
      if (pfn < 0) return this.oom(addr);
      this.install(mm, page, mkPte(pfn, vma.vm_page_prot | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED));
      k.memmap.setMapcount(pfn, 0);
      mm.rssAnon++;
      return undefined;
    }
    const vmf = new VmFault(vma, page, vma.vm_pgoff + (page - vma.vm_start) / PAGE_SIZE, flags, addr);
    const seqBefore = k.events.lastSeq;
    // Where vmf->page is set is where an MM004 finding belongs; capture it only when it looks wrong.
    this.faultSeq = seqBefore;
    vmf.onAssign = this.onAssign;
    const ret = k.callDriverWith(vma.vm_file?.module ?? null, "fault", fault, vma.vm_ops, vmf);
    if (typeof ret !== "number") {
      k.warn(`${fault.name || "fault"}() returned ${String(ret)}, not a vm_fault_t; treating it as VM_FAULT_SIGBUS`, undefined);
      return { signo: SIGBUS, code: BUS_ADRERR, addr };
    }
    if (ret & VM_FAULT_ERROR) {
      if (ret & VM_FAULT_OOM) return this.oom(addr);
      if (ret & VM_FAULT_SIGSEGV) return { signo: SIGSEGV, code: SEGV_MAPERR, addr, error: pfError(false, write) };
      return { signo: SIGBUS, code: BUS_ADRERR, addr };
    }
    if (ret & VM_FAULT_NOPAGE) return undefined; // the handler installed the PTE itself (or the access faults again)
    const p = vmf.page;
    if (!p) {
      return k.pageFaultOops(0, false, undefined, 8, `${fault.name || "fault"}() returned 0 but left vmf->page NULL`);
    }
    this.checkHandedReference(vma, p.pfn, seqBefore, vmf.assignedAt as CapturedStack | undefined);
    if (write && !(vma.vm_flags & VM_SHARED)) {
      // do_cow_fault(): the process gets its own copy; the handler's reference is dropped.
      const pfn = this.anonPage();
      if (pfn < 0) return this.oom(addr);
      this.copyFrame(p.pfn, pfn);
      k.pages.putPage(p.pfn);
      this.install(mm, page, mkPte(pfn, vma.vm_page_prot | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED));
      k.memmap.setMapcount(pfn, 0);
      mm.rssAnon++;
      return undefined;
    }
    let prot = vma.vm_page_prot | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    if (write) prot |= _PAGE_RW | _PAGE_DIRTY;
    else if (!(vma.vm_flags & VM_SHARED)) prot &= ~_PAGE_RW;
    this.install(mm, page, mkPte(p.pfn, prot));
    k.memmap.addMapcount(p.pfn, 1);
    // The same counter zap() decrements: shmem pages are anonymous memory, a driver's pages are not.
    if (k.memmap.owner(p.pfn) === Owner.User) mm.rssAnon++; else mm.rssFile++;
    return undefined;
  }

  /**
   * MM004 at the moment it happens: the page came from an allocation made
   * before this fault, yet holds no reference beyond its owner's and the
   * mappings it already has — so the handler did not get_page() it.
   */
  /** A page that was someone's before this fault, with no reference beyond its owner's and its mappings'. */
  private missingReference(pfn: number, seqBefore: number): boolean {
    const k = this.#k, mm = k.memmap;
    const head = k.pages.head(pfn);
    if (mm.refcount(head) >= 1 + (mm.mapcount(pfn) + 1) + 1) return false; // enough for an owner, the mappings and this one
    const block = k.pages.blockOf(head);
    // Who else holds a reference: an allocator or the kernel, or the driver that allocated the block
    // before this fault — but a tail page of a non-compound block has no reference of its own.
    const ownerRef = this.ownedElsewhere(pfn) || (block !== undefined && block.alloc.seq <= seqBefore && (block.pfn === pfn || block.compound));
    return ownerRef && mm.refcount(head) < 1 + (mm.mapcount(pfn) + 1) + 1;
  }

  private checkHandedReference(vma: VmArea, pfn: number, seqBefore: number, at: CapturedStack | undefined): void {
    const k = this.#k, mm = k.memmap;
    if (!this.missingReference(pfn, seqBefore)) return;
    const head = k.pages.head(pfn);
    const mappings = mm.mapcount(pfn) + 1;
    // One finding per handler: the simulator repairs the count each time, so later faults are the same bug.
    const handler = vma.vm_ops?.fault;
    if (handler && this.reportedHandlers.has(handler)) {
      mm.addRefcount(head, 1);
      return;
    }
    if (handler) this.reportedHandlers.add(handler);
    this.lostReported.add(pfn);
    k.violation({
      stack: at,
      rule: "MM004",
      params: { pfn: `0x${pfn.toString(16)}`, addr: `0x${vma.vm_start.toString(16)}` },
      report: [
        `${vma.vm_ops?.fault?.name || "fault"}() returned pfn:0x${pfn.toString(16)} in vmf->page without get_page(): page_count is ${mm.refcount(head)}, the driver's own reference${mappings > 0 ? ` plus ${mappings} existing mapping(s)` : ""}.`,
        "The page table takes over the reference a fault handler returns and drops it at unmap; without get_page() that frees the driver's page.",
        "(The simulator takes the missing reference itself, so that this one bug does not cascade into others.)",
      ],
      ...((f) => (f ? { fix: f } : {}))(fixAt(at, (f) => `call get_page() on the page before handing it over in vmf->page here in ${f.fn}(): the page table takes that reference over and drops it at unmap`)),
    });
    mm.addRefcount(head, 1);
  }

  /** do_wp_page(): a write to a present read-only PTE. */
  private wpFault(mm: MmStruct, vma: VmArea, page: number, pte: number, addr: number): FaultOutcome {
    const k = this.#k;
    const pfn = ptePfn(pte);
    // The zero page is never made writable, not even in a shared mapping: it is copied like any COW page.
    if (vma.vm_flags & VM_SHARED && !(pte & _PAGE_SPECIAL && pfn === this.zeroPfn)) {
      const mkwrite = vma.vm_ops?.page_mkwrite;
      if (mkwrite && !(pte & _PAGE_SPECIAL)) {
        const vmf = new VmFault(vma, page, vma.vm_pgoff + (page - vma.vm_start) / PAGE_SIZE, FAULT_FLAG_WRITE, addr);
        vmf.page = k.memmap.page(pfn);
        const ret = k.callDriver(vma.vm_file?.module ?? null, "page_mkwrite", () => mkwrite.call(vma.vm_ops, vmf), mkwrite);
        if (ret & VM_FAULT_ERROR) return { signo: SIGBUS, code: BUS_ADRERR, addr };
      }
      mm.pgtables.set(page, pteModify(pte, _PAGE_RW | _PAGE_DIRTY));
      mm.pgtables.flushPage(page);
      return undefined;
    }
    // Private: reuse the page when this mapping is its only user, otherwise copy it.
    const special = (pte & _PAGE_SPECIAL) !== 0;
    if (!special && k.memmap.owner(pfn) === Owner.User && k.memmap.refcount(pfn) === 1 && k.memmap.mapcount(pfn) === 0) {
      mm.pgtables.set(page, pteModify(pte, _PAGE_RW | _PAGE_DIRTY));
      mm.pgtables.flushPage(page);
      return undefined;
    }
    const copy = this.anonPage();
    if (copy < 0) return this.oom(addr);
    if (pfn !== this.zeroPfn) this.copyFrame(pfn, copy);
    this.zap(mm, vma, page);
    this.install(mm, page, mkPte(copy, (pteFlags(pte) & ~_PAGE_SPECIAL) | _PAGE_RW | _PAGE_DIRTY));
    k.memmap.setMapcount(copy, 0);
    mm.rssAnon++;
    k.events.emit({ type: "cow", mm: mm.id, addr: page, from: pfn, to: copy });
    return undefined;
  }

  private oom(addr: number): SigInfo {
    this.#k.printk(`\x013Out of memory: Killed process ${this.#k.current.pid} (${this.#k.current.comm})\n`);
    return { signo: SIGKILL, code: 0, addr };
  }

  /** copy_user_highpage(): frame contents, RAM or device. */
  private copyFrame(from: number, to: number): void {
    const k = this.#k;
    if (k.isRamPhys(from * PAGE_SIZE)) k.phys.frame(to).set(k.phys.frame(from));
    else for (let i = 0; i < PAGE_SIZE; i++) k.phys.frame(to)[i] = Number(k.io.read(from * PAGE_SIZE + i, 1));
  }

  /**
   * copy_page_range() for fork: anonymous pages are shared and write-protected
   * in both processes; VM_PFNMAP/VM_MIXEDMAP PTEs are copied because they
   * cannot be faulted back; shared file pages are left to fault in again.
   */
  copyRange(dst: MmStruct, src: MmStruct, vma: VmArea, dstVma: VmArea): void {
    const k = this.#k;
    const cow = isCowMapping(vma.vm_flags);
    const sharedAnon = !vma.vm_file && (vma.vm_flags & VM_SHARED) !== 0; // shmem: both processes keep the same pages
    const mustCopy = (vma.vm_flags & (VM_PFNMAP | VM_MIXEDMAP)) !== 0 || cow || sharedAnon;
    if (!mustCopy) return;
    for (const [addr, pte0] of [...src.pgtables.entries(vma.vm_start, vma.vm_end)]) {
      let pte = pte0;
      const pfn = ptePfn(pte);
      if (!(pte & _PAGE_SPECIAL)) {
        if (cow && k.memmap.owner(pfn) !== Owner.User && !(vma.vm_flags & (VM_PFNMAP | VM_MIXEDMAP))) continue;
        k.pages.getPage(pfn);
        k.memmap.addMapcount(pfn, 1);
        if (k.memmap.owner(pfn) === Owner.User) dst.rssAnon++; else dst.rssFile++;
      }
      if (cow && pte & _PAGE_RW) {
        pte = pteModify(pte, 0, _PAGE_RW);
        src.pgtables.set(addr, pte);
        src.pgtables.flushPage(addr);
      }
      this.install(dst, addr, pte);
    }
    void dstVma;
  }

  /* ---- what a driver's mmap and fault handlers call ---- */

  /** remap_pfn_range(): map [pfn, pfn + size) at addr, all at once. */
  remapPfnRange(vma: VmArea, addr: number, pfn: number, size: number, prot: pgprot_t, fn = "remap_pfn_range"): number {
    const k = this.#k;
    // Linux maps PAGE_ALIGN(size): a partial last page is rounded up, and only an unaligned address is refused (with a WARN).
    size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    const end = addr + size;
    if (addr % PAGE_SIZE || pfn !== Math.floor(pfn)) {
      this.reportRemapMisuse(vma, fn, `unaligned address (addr 0x${addr.toString(16)}, size 0x${size.toString(16)})`, addr, size, addr % PAGE_SIZE !== 0);
      return -EINVAL;
    }
    if (addr < vma.vm_start || end > vma.vm_end || size <= 0) {
      this.reportRemapMisuse(vma, fn, `range 0x${addr.toString(16)}-0x${end.toString(16)} is not inside the VMA`, addr, size, false);
      return -EINVAL;
    }
    if (isCowMapping(vma.vm_flags)) {
      if (addr !== vma.vm_start || end !== vma.vm_end) {
        this.reportRemapMisuse(vma, fn, "a private writable (COW) mapping can only be remapped whole", addr, size, false);
        return -EINVAL;
      }
      vma.vm_pgoff = pfn;
    }
    vma.vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
    // dma_mmap_coherent() maps the DMA API's own pages: not LDD3's reserved-RAM case.
    if (fn !== "dma_mmap_coherent") this.checkRemapTarget(vma, fn, addr, pfn, size / PAGE_SIZE, prot);
    const mm = vma.vm_mm;
    for (let i = 0; i < size / PAGE_SIZE; i++) {
      const a = addr + i * PAGE_SIZE;
      if (mm.pgtables.get(a)) {
        k.warn(`${fn}: a PTE already exists at 0x${a.toString(16)} (BUG_ON(!pte_none(*pte)) in remap_pte_range)`, undefined);
        this.zapRange(mm, vma, addr, addr + i * PAGE_SIZE);
        return -EBUSY;
      }
      this.install(mm, a, mkPte(pfn + i, (prot & ~_PAGE_USER) | _PAGE_PRESENT | this.userBit(vma) | _PAGE_SPECIAL));
    }
    mm.pgtables.flushRange(addr, end);
    return 0;
  }

  private reportRemapMisuse(vma: VmArea, fn: string, problem: string, addr: number, size: number, warnOnce: boolean): void {
    this.#k.violation({
      rule: "MM005",
      params: { fn, problem, addr: `0x${addr.toString(16)}`, size: `0x${size.toString(16)}`, vm_start: vma.vm_start.toString(16), vm_end: vma.vm_end.toString(16) },
      report: [
        ...(warnOnce ? [`WARNING: CPU: 0 PID: ${this.#k.current.pid} at mm/memory.c: ${fn}: WARN_ON_ONCE(!PAGE_ALIGNED(addr))`] : []),
        `${fn}() returns -EINVAL: ${problem}`,
      ],
    });
  }

  /**
   * What a remap points at: RAM must be reserved (LDD3; MM001), must stay
   * inside the allocation it starts in (MM002), and device memory wants an
   * uncached mapping (MM007).
   */
  private checkRemapTarget(vma: VmArea, fn: string, addr: number, pfn: number, n: number, prot: pgprot_t): void {
    const k = this.#k, mm = k.memmap;
    const first = pfn * PAGE_SIZE;
    if (k.isRamPhys(first)) {
      const block = k.pages.blockOf(pfn);
      const obj = k.slab.objectAt(k.pages.pageAddressOrZero(pfn));
      const owner = mm.owner(pfn);
      let limitPages: number | undefined, what = "", objBytes = 0, objOffset = 0;
      if (block && owner === Owner.Pages) {
        limitPages = block.pfn + (1 << block.order) - pfn;
        what = `order-${block.order} page block at pfn:0x${block.pfn.toString(16)}`;
        objBytes = PAGE_SIZE << block.order;
        objOffset = (pfn - block.pfn) * PAGE_SIZE;
      } else if (obj && owner === Owner.Slab) {
        const endAddr = obj.start + obj.cache.objectSize;
        limitPages = Math.ceil((endAddr - k.pages.pageAddressOrZero(pfn)) / PAGE_SIZE);
        what = `${obj.cache.name} object at ${k.px(obj.start)}`;
        objBytes = obj.cache.objectSize;
        objOffset = Math.max(0, k.pages.pageAddressOrZero(pfn) - obj.start);
      }
      // A window that starts exactly where the driver's own allocation ends: the offset was never checked against it.
      const mod = k.currentModule;
      const startsInOwn = limitPages !== undefined && mod !== null && (owner === Owner.Pages ? block?.alloc?.module === mod : obj?.meta?.alloc?.module === mod);
      const before = startsInOwn ? undefined : this.allocationEndingAt(pfn);
      if (before) {
        limitPages = undefined;
        k.violation({
          rule: "MM002",
          params: { offset: `0x${before.bytes.toString(16)}`, size: n * PAGE_SIZE, limit: before.bytes, object: before.what },
          report: [
            `${fn}() maps ${n} pages from pfn:0x${pfn.toString(16)}, the first page after the ${before.what} (${before.bytes} bytes): the offset (vma->vm_pgoff) was not checked against the object's size.`,
            "Check the requested size and offset (vma->vm_end - vma->vm_start, vma->vm_pgoff) against the object before remapping; vm_iomap_memory() does this for you.",
          ],
        });
      }
      // LDD3's rule for RAM: reserved pages only. Pages past the object are MM002's business.
      // A window past the end of an allocation has no page of it: its pages are the MM002 above, not unreserved ones.
      const inObject = before ? 0 : Math.min(n, limitPages ?? n);
      const unreserved: number[] = [];
      for (let i = 0; i < inObject; i++) if (k.isRamPhys((pfn + i) * PAGE_SIZE) && !mm.testFlag(pfn + i, PG.reserved) && pfn + i !== this.zeroPfn) unreserved.push(pfn + i);
      if (unreserved.length) {
        k.violation({
          rule: "MM001",
          params: { pfn: `0x${unreserved[0].toString(16)}`, addr: `0x${(addr + (unreserved[0] - pfn) * PAGE_SIZE).toString(16)}` },
          report: [
            `${fn}() maps ${unreserved.length} page(s) of ordinary RAM that are not PG_reserved, first pfn:0x${unreserved[0].toString(16)}`,
            "LDD3: remap_pfn_range() may only map reserved pages or memory above RAM; SetPageReserved() the pages of a kmalloc()ed or __get_free_pages() buffer first, or map it with vm_insert_page()/a fault handler.",
          ],
          // The remap is where it shows; the pages had to be reserved where the buffer was allocated.
          ...((f) => (f ? { fix: f } : {}))(fixAt(
            (owner === Owner.Pages ? block?.alloc : obj?.meta?.alloc ?? k.slab.largeAt(k.pages.pageAddressOrZero(unreserved[0]))?.alloc ?? block?.alloc)?.stack,
            (f) => `SetPageReserved() each page of the buffer ${f.fn}() allocates here (and ClearPageReserved() them before it is freed), or map it with vm_insert_page() instead of ${fn}()`)),
        });
      }
      if (limitPages !== undefined && n > limitPages) {
        k.violation({
          rule: "MM002",
          params: { offset: `0x${objOffset.toString(16)}`, size: n * PAGE_SIZE, limit: objBytes, object: what },
          report: [
            `${fn}() maps ${n} pages from pfn:0x${pfn.toString(16)}, but the ${what} it starts in has only ${limitPages} from there: the remaining ${n - limitPages} page(s) belong to someone else.`,
            "Check the requested size and offset (vma->vm_end - vma->vm_start, vma->vm_pgoff) against the object before remapping; vm_iomap_memory() does this for you.",
          ],
        });
      }
      return;
    }
    const region = k.io.regionAt(first);
    if (!region) return;
    if (first + n * PAGE_SIZE > Math.ceil(region.end / PAGE_SIZE) * PAGE_SIZE) {
      k.violation({
        rule: "MM002",
        params: { offset: `0x${(first - region.start).toString(16)}`, size: n * PAGE_SIZE, limit: region.size, object: `device region ${region.name}` },
        report: [`${fn}() maps ${n * PAGE_SIZE} bytes at offset 0x${(first - region.start).toString(16)} of ${region.name}, which is ${region.size} bytes long.`],
      });
    }
    // Uncached (pgprot_noncached) or write-combining (pgprot_writecombine, right for frame buffers).
    if (!(prot & (_PAGE_PCD | _PAGE_PWT))) {
      k.violation({
        rule: "MM007",
        params: { pfn: `0x${pfn.toString(16)}`, missing: "pgprot_noncached()" },
        report: [`${fn}() maps device memory ${region.name} (pfn:0x${pfn.toString(16)}) with a cacheable protection; use vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot) (or pgprot_writecombine() for a frame buffer).`],
      });
    }
  }

  /** vm_insert_page(): one struct page, with a reference, into a VM_MIXEDMAP VMA. */
  vmInsertPage(vma: VmArea, addr: number, page: Page): number {
    const k = this.#k, pfn = page.pfn;
    if (addr < vma.vm_start || addr >= vma.vm_end) return this.insertMisuse(vma, "vm_insert_page", `address 0x${addr.toString(16)} is outside the VMA`, addr, -EFAULT);
    if (vma.vm_flags & VM_PFNMAP) return this.insertMisuse(vma, "vm_insert_page", "the VMA is VM_PFNMAP (BUG_ON(vma->vm_flags & VM_PFNMAP))", addr, -EINVAL);
    if (k.memmap.owner(pfn) === Owner.Slab || k.memmap.owner(pfn) === Owner.User) {
      return this.insertMisuse(vma, "vm_insert_page", `pfn:0x${pfn.toString(16)} is a ${k.memmap.owner(pfn) === Owner.Slab ? "slab" : "anonymous"} page (-EINVAL from validate_page_before_insert)`, addr, -EINVAL);
    }
    vma.vm_flags |= VM_MIXEDMAP;
    const mm = vma.vm_mm, page0 = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    if (mm.pgtables.get(page0)) return -EBUSY;
    // The reference belongs to the page table, which puts it at unmap: not one the module must give back.
    k.withModule(null, () => k.pages.getPage(pfn));
    k.memmap.addMapcount(pfn, 1);
    mm.rssFile++;
    this.install(mm, page0, mkPte(pfn, (vma.vm_page_prot & ~_PAGE_USER) | _PAGE_PRESENT | this.userBit(vma)));
    return 0;
  }

  /** vmf_insert_pfn(): a PTE with no struct page behind it, from a fault handler. */
  vmfInsertPfn(vma: VmArea, addr: number, pfn: number, prot = vma.vm_page_prot): vm_fault_t {
    if (!(vma.vm_flags & (VM_PFNMAP | VM_MIXEDMAP))) {
      this.insertMisuse(vma, "vmf_insert_pfn", "the VMA has neither VM_PFNMAP nor VM_MIXEDMAP (BUG_ON in vmf_insert_pfn_prot)", addr, 0);
      return VM_FAULT_SIGBUS;
    }
    if (vma.vm_flags & VM_PFNMAP && isCowMapping(vma.vm_flags)) {
      this.insertMisuse(vma, "vmf_insert_pfn", "a VM_PFNMAP mapping must not be a private writable (COW) mapping", addr, 0);
      return VM_FAULT_SIGBUS;
    }
    if (addr < vma.vm_start || addr >= vma.vm_end) return VM_FAULT_SIGBUS;
    this.checkInsertedDevicePfn(vma, pfn, prot);
    const mm = vma.vm_mm, page0 = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    if (!mm.pgtables.get(page0)) this.install(mm, page0, mkPte(pfn, (prot & ~_PAGE_USER) | _PAGE_PRESENT | this.userBit(vma) | _PAGE_SPECIAL));
    return VM_FAULT_NOPAGE;
  }

  /** The driver's allocation (page block or slab object) whose last byte is just before pfn, if the current module made one. */
  private allocationEndingAt(pfn: number): { what: string; bytes: number } | undefined {
    const k = this.#k, mod = k.currentModule;
    if (!mod || pfn <= 0) return undefined;
    const prev = k.pages.blockOf(pfn - 1);
    if (prev && k.memmap.owner(pfn - 1) === Owner.Pages && prev.pfn + (1 << prev.order) === pfn && prev.alloc?.module === mod) {
      return { what: `order-${prev.order} page block at pfn:0x${prev.pfn.toString(16)}`, bytes: PAGE_SIZE << prev.order };
    }
    const va = k.pages.pageAddressOrZero(pfn);
    const obj = va ? k.slab.objectAt(va - 1) : undefined;
    if (obj && obj.start + obj.cache.objectSize === va && obj.meta?.alloc?.module === mod) {
      return { what: `${obj.cache.name} object at ${k.px(obj.start)}`, bytes: obj.cache.objectSize };
    }
    return undefined;
  }

  /** VMAs already reported for a cacheable device pfn: one report per mapping, not per fault. */
  private readonly cacheableDeviceVmas = new WeakSet<VmArea>();

  /** MM007 on the fault path: a device pfn inserted under a cacheable protection, as remap_pfn_range() checks at mmap. */
  private checkInsertedDevicePfn(vma: VmArea, pfn: number, prot: pgprot_t): void {
    const k = this.#k;
    if (prot & (_PAGE_PCD | _PAGE_PWT) || this.cacheableDeviceVmas.has(vma)) return;
    const region = k.io.regionAt(pfn * PAGE_SIZE);
    if (!region) return;
    this.cacheableDeviceVmas.add(vma);
    k.violation({
      rule: "MM007",
      params: { pfn: `0x${pfn.toString(16)}`, missing: "pgprot_noncached()" },
      report: [`vmf_insert_pfn() maps device memory ${region.name} (pfn:0x${pfn.toString(16)}) with a cacheable protection; set vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot) in mmap (or pass it to vmf_insert_pfn_prot()).`],
    });
  }

  private insertMisuse(vma: VmArea, fn: string, problem: string, addr: number, ret: number): number {
    this.#k.violation({
      rule: "MM006",
      params: { fn, problem, addr: `0x${addr.toString(16)}`, vm_flags: vmFlagNames(vma.vm_flags), vm_start: vma.vm_start.toString(16), vm_end: vma.vm_end.toString(16) },
      report: [`${fn}(): ${problem}`, `vm_flags: ${vmFlagNames(vma.vm_flags)}`],
    });
    return ret;
  }

  /** vm_iomap_memory(): remap_pfn_range() with the size and offset checked against [start, start + len). */
  vmIomapMemory(vma: VmArea, start: number, len: number): number {
    if (start + len < start) return -EINVAL;
    const pfn = Math.floor(start / PAGE_SIZE);
    const pages = Math.ceil((len + (start % PAGE_SIZE)) / PAGE_SIZE);
    if (vma.vm_pgoff > pages) return -EINVAL;
    const vmPages = vma.size / PAGE_SIZE;
    if (vmPages > pages - vma.vm_pgoff) return -EINVAL;
    return this.remapPfnRange(vma, vma.vm_start, pfn + vma.vm_pgoff, vma.size, vma.vm_page_prot, "vm_iomap_memory");
  }

  /** zap_vma_ptes(): only for VM_PFNMAP mappings. */
  zapVmaPtes(vma: VmArea, addr: number, size: number): void {
    if (addr < vma.vm_start || addr + size > vma.vm_end || !(vma.vm_flags & VM_PFNMAP)) return;
    this.zapRange(vma.vm_mm, vma, addr, addr + size);
  }
}

