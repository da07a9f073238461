// <linux/mm.h> (and <linux/page-flags.h>, <linux/pfn.h>): struct page and the
// conversions between pages, frame numbers and addresses.

import { Page } from "../../mm/memmap";
import { PG } from "../../mm/page-flags";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, intArg, pageArg } from "../current";

export { Page };
/** The C name: `struct page *` is a Page here; NULL is null. */
export type page = Page;

export { PAGE_ALIGN, PAGE_ALIGN_DOWN, offset_in_page, PAGE_SHIFT, PAGE_SIZE, PAGE_MASK } from "../asm/page";
export { is_vmalloc_addr, vmalloc_to_page, vmalloc_to_pfn } from "./vmalloc";
export * from "./mm_vma";

export function PFN_DOWN(x: number): number { return Math.floor(intArg("PFN_DOWN", 1, x) / PAGE_SIZE); }
export function PFN_UP(x: number): number { return Math.ceil(intArg("PFN_UP", 1, x) / PAGE_SIZE); }
export function PFN_PHYS(pfn: number): number { return intArg("PFN_PHYS", 1, pfn) * PAGE_SIZE; }
export function PHYS_PFN(x: number): number { return PFN_DOWN(x); }

export function pfn_valid(pfn: number): boolean {
  return currentKernel().memmap.pfnValid(intArg("pfn_valid", 1, pfn));
}

export function pfn_to_page(pfn: number): Page {
  return currentKernel().memmap.page(intArg("pfn_to_page", 1, pfn));
}

export function page_to_pfn(page: Page): number {
  return pageArg("page_to_pfn", 1, page).pfn;
}

export function page_to_phys(page: Page): number {
  return pageArg("page_to_phys", 1, page).pfn * PAGE_SIZE;
}

/** virt_to_page(): for kernel logical addresses only (use vmalloc_to_page() for vmalloc memory). */
export function virt_to_page(addr: number): Page {
  const k = currentKernel();
  const pa = k.virtToPhys(intArg("virt_to_page", 1, addr), "virt_to_page", undefined);
  return k.memmap.page(Math.floor(pa / PAGE_SIZE));
}

export function virt_addr_valid(addr: number): boolean {
  const k = currentKernel(), p = k.profile;
  const a = intArg("virt_addr_valid", 1, addr);
  return a >= p.pageOffset && a < p.highMemory && k.memmap.pfnValid(Math.floor((a - p.pageOffset) / PAGE_SIZE));
}

/** page_address(): the page's kernel virtual address, or 0 (NULL) for an unmapped high-memory page. */
export function page_address(page: Page): number {
  const k = currentKernel();
  const pfn = pageArg("page_address", 1, page).pfn;
  const addr = k.highmem.pageAddress(pfn);
  if (addr === 0) {
    const stack = k.stacks.capture();
    k.violation({
      rule: "PG006",
      params: { fn: "page_address()", pfn: `0x${pfn.toString(16)}` },
      report: [`page_address() of high-memory pfn:0x${pfn.toString(16)} returned NULL: the page is not kmapped; use kmap()/kmap_local_page()`, "Call Trace:", ...k.stacks.formatStack(stack)],
      stack,
    });
  }
  return addr;
}

/** nth_page(): page arithmetic, since `page + n` has no meaning for an object. */
export function nth_page(page: Page, n: number): Page {
  return currentKernel().memmap.page(pageArg("nth_page", 1, page).pfn + intArg("nth_page", 2, n));
}

export function page_count(page: Page): number {
  const k = currentKernel();
  return k.memmap.refcount(k.pages.head(pageArg("page_count", 1, page).pfn));
}

export function page_ref_count(page: Page): number {
  return currentKernel().memmap.refcount(pageArg("page_ref_count", 1, page).pfn);
}

export function page_mapcount(page: Page): number {
  return currentKernel().memmap.mapcount(pageArg("page_mapcount", 1, page).pfn);
}

export function get_page(page: Page): void {
  const k = currentKernel();
  k.pages.getPage(pageArg("get_page", 1, page).pfn);
}

/** put_page(): for a page from get_user_pages() this is also its release. */
export function put_page(page: Page): void {
  const k = currentKernel();
  const pfn = pageArg("put_page", 1, page).pfn;
  // A pinned page released with put_page() is reported; its pin bias is undone there.
  if (k.gup.grants.has(pfn) && k.gup.release(pfn, false) === "pin") return;
  k.pages.putPage(pfn);
}

function flagOps(name: string, bit: PG) {
  return {
    test: (page: Page) => currentKernel().memmap.testFlag(pageArg(`Page${name}`, 1, page).pfn, bit),
    set: (page: Page) => {
      const k = currentKernel(), pfn = pageArg(`SetPage${name}`, 1, page).pfn;
      k.memmap.setFlag(pfn, bit);
      k.events.emit({ type: "page_flag", pfn, flag: name.toLowerCase(), set: true });
    },
    clear: (page: Page) => {
      const k = currentKernel(), pfn = pageArg(`ClearPage${name}`, 1, page).pfn;
      k.memmap.clearFlag(pfn, bit);
      k.events.emit({ type: "page_flag", pfn, flag: name.toLowerCase(), set: false });
    },
  };
}

const reserved = flagOps("Reserved", PG.reserved);
export const PageReserved = reserved.test, SetPageReserved = reserved.set, ClearPageReserved = reserved.clear;
const dirty = flagOps("Dirty", PG.dirty);
export const PageDirty = dirty.test, SetPageDirty = dirty.set, ClearPageDirty = dirty.clear;
const locked = flagOps("Locked", PG.locked);
export const PageLocked = locked.test;
const slab = flagOps("Slab", PG.slab);
export const PageSlab = slab.test;

export function PageHighMem(page: Page): boolean {
  return currentKernel().highmem.isHighmem(pageArg("PageHighMem", 1, page).pfn);
}

/** trylock_page(): true when the lock was taken. */
export function trylock_page(page: Page): boolean {
  if (PageLocked(page)) return false;
  currentKernel().memmap.setFlag(page.pfn, PG.locked);
  return true;
}

export function unlock_page(page: Page): void {
  locked.clear(page);
}
