// mm/gup.c: get_user_pages() and pin_user_pages(), for direct I/O. The
// checker follows each page handed out until it is released, so the rules
// of Documentation/core-api/pin_user_pages.rst and LDD3 can be enforced:
// mmap_lock held, pages released the way they were taken, written pages
// marked dirty before release.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import type { Module } from "../kernel/module";
import { PAGE_SIZE } from "../util/addr";
import type { Page } from "./memmap";
import type { MmStruct } from "./mm_struct";
import { _PAGE_PRESENT, _PAGE_RW, _PAGE_SPECIAL, ptePfn } from "./pgtable";
import { PG } from "./page-flags";
import { VM_IO, VM_MAYREAD, VM_PFNMAP, VM_READ, VM_WRITE, isCowMapping } from "./vma";

/** FOLL_WRITE (0x01): get_user_pages() for writing; the pages must be writable (and are COW-broken). */
export const FOLL_WRITE = 0x01;
export const FOLL_GET = 0x02;
/** FOLL_FORCE (0x08): get_user_pages() ignores the VMA's protection (ptrace-style access). */
export const FOLL_FORCE = 0x08;
/** FOLL_NOWAIT (0x10): get_user_pages() does not wait for page I/O; it starts it and fails. */
export const FOLL_NOWAIT = 0x10;
/** FOLL_LONGTERM (0x100): a long-lived pin (e.g. for DMA); refused on pages that cannot stay pinned; use pin_user_pages(). */
export const FOLL_LONGTERM = 0x100;
/** Each pin adds this to _refcount, so pins and plain references can be told apart. */
export const GUP_PIN_COUNTING_BIAS = 1024;

const EFAULT = 14, EINVAL = 22;

interface Grant {
  /** The user address the page was taken at. */
  addr: number;
  pin: boolean;
  write: boolean;
  /** Who wrote the page since it was taken: the CPU (through a kernel mapping, a copy) or the device (DMA). */
  written: false | "CPU" | "device";
  module: Module | null;
  stack: CapturedStack | undefined;
  /** The task that took it, for the leak report. */
  comm: string;
  pid: number;
  tsNs: number;
}

export class Gup {
  /** Pages handed out and not yet released, per frame. */
  readonly grants = new Map<number, Grant[]>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** __get_user_pages(): how many pages were taken, or -errno when none were. */
  get(mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Array<Page | null> | null, pin: boolean): number {
    const k = this.#k;
    const fn = pin ? "pin_user_pages" : "get_user_pages";
    if (nrPages < 0) return -EINVAL;
    start = Math.floor(start / PAGE_SIZE) * PAGE_SIZE; // the page containing start, as __get_user_pages() walks it
    if (!mm.mmap_lock.held) {
      k.violation({
        rule: "PG007",
        params: { problem: `${fn}() called without mmap_read_lock(current->mm)`, addr: `0x${start.toString(16)}`, count: nrPages },
        report: [`WARNING: CPU: 0 PID: ${k.current.pid} at include/linux/mmap_lock.h: mmap_assert_locked`, `${fn}() walks the VMAs and page tables, which needs mmap_lock held for read.`],
      });
    }
    const write = (gupFlags & FOLL_WRITE) !== 0;
    const stack = k.stacks.capture();
    for (let i = 0; i < nrPages; i++) {
      const addr = start + i * PAGE_SIZE;
      const vma = mm.vmaLookup(addr);
      // check_vma_flags(): no pages of I/O mappings; writes need VM_WRITE (or FOLL_FORCE on a COW mapping), reads VM_READ (or FOLL_FORCE and VM_MAYREAD).
      const force = (gupFlags & FOLL_FORCE) !== 0;
      const bad = !vma || vma.vm_flags & (VM_IO | VM_PFNMAP)
        || (write ? !(vma.vm_flags & VM_WRITE) && (!force || !isCowMapping(vma.vm_flags)) : !(vma.vm_flags & VM_READ) && (!force || !(vma.vm_flags & VM_MAYREAD)));
      if (bad) return i > 0 ? i : -EFAULT;
      let pte = mm.pgtables.get(addr);
      if (!(pte & _PAGE_PRESENT) || (write && !(pte & _PAGE_RW))) {
        if (k.mm.handleFault(mm, addr, write, false)) return i > 0 ? i : -EFAULT;
        pte = mm.pgtables.get(addr);
      }
      // follow_page_pte(): no struct page behind a special PTE, except the zero page (an untouched page read for I/O).
      if (pte & _PAGE_SPECIAL && ptePfn(pte) !== k.mm.zeroPfn) return i > 0 ? i : -EFAULT;
      const pfn = ptePfn(pte);
      const head = k.pages.head(pfn);
      if (pin) k.memmap.addRefcount(head, GUP_PIN_COUNTING_BIAS);
      else k.memmap.addRefcount(head, 1);
      const list = this.grants.get(pfn) ?? [];
      list.push({ addr, pin, write, written: false, module: k.currentModule, stack, comm: k.current.comm, pid: k.current.pid, tsNs: k.clock.now });
      this.grants.set(pfn, list);
      if (pages) pages[i] = k.memmap.page(pfn);
    }
    return nrPages;
  }

  /**
   * A frame was written: what set_page_dirty() must follow for GUP'd pages.
   * DMA's writes come here as they are (`by` "device"); the CPU's paths say "CPU".
   */
  noteWrite(pfn: number, by: "CPU" | "device" = "device"): void {
    const list = this.grants.get(pfn);
    if (list) for (const g of list) if (g.write && g.written !== "CPU") g.written = by;
  }

  /** Pages released clean after a write, collected while one batch release (unpin_user_pages()) runs. */
  private batch: Array<{ pfn: number; g: Grant }> | undefined;

  /**
   * Runs one call that releases several pages (unpin_user_pages(),
   * unpin_user_pages_dirty_lock()): the pages it releases clean after a write
   * are one bug, one finding, listing each page.
   */
  releaseBatch(fn: string, run: () => void): void {
    if (this.batch) return run();
    const clean: Array<{ pfn: number; g: Grant }> = (this.batch = []);
    try {
      run();
    } finally {
      this.batch = undefined;
    }
    if (clean.length) this.reportClean(clean, fn);
  }

  private reportClean(clean: ReadonlyArray<{ pfn: number; g: Grant }>, fn: string): void {
    const k = this.#k;
    const byDevice = clean.some((c) => c.g.written === "device");
    const who = byDevice ? "the device (DMA)" : "the kernel";
    const fix = clean[0]!.g.pin
      ? (byDevice || fn === "unpin_user_pages" ? "release them with unpin_user_pages_dirty_lock(pages, npages, true)" : "call set_page_dirty_lock() before unpin_user_page()")
      : "call set_page_dirty_lock() before put_page()";
    k.violation({
      rule: "PG007",
      params: { problem: `${clean.length === 1 ? "a page" : `${clean.length} pages`} written by ${who} ${clean.length === 1 ? "was" : "were"} released without set_page_dirty()`, addr: `0x${clean[0]!.g.addr.toString(16)}`, count: clean.length },
      report: [
        ...clean.map(({ pfn, g }) => `WARNING: CPU: 0 PID: ${k.current.pid} at mm/gup.c: pfn:0x${pfn.toString(16)} (user address 0x${g.addr.toString(16)}) was written by ${g.written === "device" ? "the device (DMA)" : "the kernel"} and released clean by ${fn}()`),
        byDevice
          ? "Documentation/core-api/pin_user_pages.rst: pages a device wrote by DMA are dirty though no CPU store marked them: " + fix + ", or the data may be lost when the page is reclaimed."
          : "LDD3: after I/O into pages from get_user_pages(), call SetPageDirty()/set_page_dirty_lock() before put_page(), or the data may be lost when the page is reclaimed.",
        "Call Trace:", ...k.stacks.formatStack(),
      ],
    });
  }

  /** Releases one grant of the frame: which kind it was, or false if it had none. */
  release(pfn: number, pin: boolean, makeDirty = false): "pin" | "get" | false {
    const k = this.#k;
    const list = this.grants.get(pfn);
    if (!list?.length) return false;
    let i = list.findIndex((g) => g.pin === pin);
    if (i < 0) {
      k.violation({
        rule: "PG007",
        params: { problem: pin ? "unpin_user_page() of a page taken with get_user_pages(): release it with put_page()" : "put_page() of a page taken with pin_user_pages(): release it with unpin_user_page()", addr: `0x${list[0].addr.toString(16)}`, count: 1 },
        report: [
          `WARNING: CPU: 0 PID: ${k.current.pid} at mm/gup.c: ${pin ? "unpin_user_page" : "put_page"} of pfn:0x${pfn.toString(16)} (user address 0x${list[0].addr.toString(16)})`,
          "Documentation/core-api/pin_user_pages.rst: pages from pin_user_pages*() must be released with unpin_user_page*(), pages from get_user_pages*() with put_page().",
          "Call Trace:", ...k.stacks.formatStack(),
        ],
      });
      i = 0;
    }
    const [g] = list.splice(i, 1);
    if (!list.length) this.grants.delete(pfn);
    if (makeDirty) k.memmap.setFlag(pfn, PG.dirty);
    if (g.write && g.written && !k.memmap.testFlag(pfn, PG.dirty)) {
      if (this.batch) this.batch.push({ pfn, g });
      else this.reportClean([{ pfn, g }], pin ? "unpin_user_page" : "put_page");
    }
    if (g.pin) {
      // gup_put_folio(): the bias goes, and the page is freed if that was the last reference (the process may have exited).
      k.memmap.addRefcount(k.pages.head(pfn), -(GUP_PIN_COUNTING_BIAS - 1));
      k.withModule(null, () => k.pages.putPage(pfn));
    } else if (pin) k.pages.putPage(pfn); // unpin of a plain reference: drop it as put_page() would
    return g.pin ? "pin" : "get";
  }

  /** Grants still held that a module took, for the leak report at unload. */
  heldBy(module: Module): Array<{ pfn: number; grant: Grant }> {
    const out: Array<{ pfn: number; grant: Grant }> = [];
    for (const [pfn, list] of this.grants) for (const g of list) if (g.module === module) out.push({ pfn, grant: g });
    return out;
  }
}
