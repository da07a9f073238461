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

/**
 * ```c
 * #define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
 * ```
 * The frame number holding physical address x (rounded down).
 *
 * Rules: MM003 (user-controlled physical address).
 */
export function PFN_DOWN(x: number): number { return Math.floor(intArg("PFN_DOWN", 1, x) / PAGE_SIZE); }
/**
 * ```c
 * #define PFN_UP(x) (((x) + PAGE_SIZE-1) >> PAGE_SHIFT)
 * ```
 * The first frame number at or after physical address x.
 */
export function PFN_UP(x: number): number { return Math.ceil(intArg("PFN_UP", 1, x) / PAGE_SIZE); }
/**
 * ```c
 * #define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
 * ```
 * The physical address of frame x.
 */
export function PFN_PHYS(pfn: number): number { return intArg("PFN_PHYS", 1, pfn) * PAGE_SIZE; }
/**
 * ```c
 * #define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
 * ```
 * The frame number of physical address x.
 */
export function PHYS_PFN(x: number): number { return PFN_DOWN(x); }

/**
 * ```c
 * int pfn_valid(unsigned long pfn)
 * ```
 * True when a struct page exists for the frame.
 */
export function pfn_valid(pfn: number): boolean {
  return currentKernel().memmap.pfnValid(intArg("pfn_valid", 1, pfn));
}

/**
 * ```c
 * struct page *pfn_to_page(unsigned long pfn)
 * ```
 * The struct page of a frame number.
 */
export function pfn_to_page(pfn: number): Page {
  return currentKernel().memmap.page(intArg("pfn_to_page", 1, pfn));
}

/**
 * ```c
 * unsigned long page_to_pfn(const struct page *page)
 * ```
 * The frame number of a page.
 */
export function page_to_pfn(page: Page): number {
  return pageArg("page_to_pfn", 1, page).pfn;
}

/**
 * ```c
 * phys_addr_t page_to_phys(struct page *page)
 * ```
 * The physical address of a page (not a bus address: DMA goes through dma_map_page()).
 *
 * Rules: PG008 (virt_to_bus/bus_to_virt used).
 */
export function page_to_phys(page: Page): number {
  return pageArg("page_to_phys", 1, page).pfn * PAGE_SIZE;
}

/**
 * ```c
 * struct page *virt_to_page(const void *kaddr)
 * ```
 * virt_to_page(): for kernel logical addresses only (use vmalloc_to_page() for vmalloc memory).
 *
 * Rules: PG006 (logical address of a highmem page); MM001 (remap_pfn_range of unreserved RAM).
 */
export function virt_to_page(addr: number): Page {
  const k = currentKernel();
  const pa = k.virtToPhys(intArg("virt_to_page", 1, addr), "virt_to_page", undefined);
  return k.memmap.page(Math.floor(pa / PAGE_SIZE));
}

/**
 * ```c
 * bool virt_addr_valid(const void *kaddr)
 * ```
 * True when kaddr is a kernel logical address backed by a struct page (false for vmalloc, kmap and I/O addresses).
 */
export function virt_addr_valid(addr: number): boolean {
  const k = currentKernel(), p = k.profile;
  const a = intArg("virt_addr_valid", 1, addr);
  return a >= p.pageOffset && a < p.highMemory && k.memmap.pfnValid(Math.floor((a - p.pageOffset) / PAGE_SIZE));
}

/**
 * ```c
 * void *page_address(const struct page *page)
 * ```
 * page_address(): the page's kernel virtual address, or 0 (NULL) for an unmapped high-memory page.
 *
 * Rules: PG006 (logical address of a highmem page).
 */
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

/**
 * ```c
 * #define nth_page(page, n) pfn_to_page(page_to_pfn((page)) + (n))
 * ```
 * nth_page(): page arithmetic, since `page + n` has no meaning for an object.
 */
export function nth_page(page: Page, n: number): Page {
  return currentKernel().memmap.page(pageArg("nth_page", 1, page).pfn + intArg("nth_page", 2, n));
}

/**
 * ```c
 * static inline int page_count(const struct page *page)
 * ```
 * The page's reference count (of its compound head).
 *
 * Rules: PG001 (page refcount underflow or busy free); MM004 (fault page returned without a reference).
 */
export function page_count(page: Page): number {
  const k = currentKernel();
  return k.memmap.refcount(k.pages.head(pageArg("page_count", 1, page).pfn));
}

/**
 * ```c
 * static inline int page_ref_count(const struct page *page)
 * ```
 * The page's own _refcount.
 *
 * Rules: PG001 (page refcount underflow or busy free).
 */
export function page_ref_count(page: Page): number {
  return currentKernel().memmap.refcount(pageArg("page_ref_count", 1, page).pfn);
}

/**
 * ```c
 * static inline int page_mapcount(struct page *page)
 * ```
 * How many user page tables map the page.
 *
 * Rules: MM008 (backing memory freed under a live mapping).
 */
export function page_mapcount(page: Page): number {
  return currentKernel().memmap.mapcount(pageArg("page_mapcount", 1, page).pfn);
}

/**
 * ```c
 * void split_page(struct page *page, unsigned int order)
 * ```
 * Turns a non-compound order-n allocation into 2^n independent pages, each
 * with its own reference: free each with __free_page() (videobuf2-dma-sg
 * allocates large blocks and splits them). A compound page, or an order that
 * is not the allocation's, is VM_BUG_ON_PAGE(): reported, the block left whole.
 *
 * Rules: PG001 (page refcount underflow or busy free); MEM004 (allocator mismatch).
 */
export function split_page(page: Page, order: number): void {
  const k = currentKernel(), pfn = pageArg("split_page", 1, page).pfn, o = intArg("split_page", 2, order);
  if (!k.pages.split(pfn, o)) k.warn(`page:${k.px(page_address_of(k, pfn))} pfn:0x${pfn.toString(16)}: VM_BUG_ON_PAGE(PageCompound(page) || !page_count(page)) in split_page(order ${o})`, k.stacks.record());
}

function page_address_of(k: ReturnType<typeof currentKernel>, pfn: number): number {
  return k.pages.pageAddressOrZero(pfn);
}

/**
 * ```c
 * static inline void get_page(struct page *page)
 * ```
 * Takes a reference to a page; drop it with put_page(). A fault handler returning a page in vmf->page must take one.
 *
 * Rules: MM004 (fault page returned without a reference); PG001 (page refcount underflow or busy free).
 */
export function get_page(page: Page): void {
  const k = currentKernel();
  k.pages.getPage(pageArg("get_page", 1, page).pfn);
}

/**
 * ```c
 * void put_page(struct page *page)
 * ```
 * put_page(): for a page from get_user_pages() this is also its release.
 *
 * Rules: PG001 (page refcount underflow or busy free); PG007 (get_user_pages misuse); MM004 (fault page returned without a reference).
 */
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
      if (bit === PG.reserved) k.fixSites.reserved(pfn, true);
      k.events.emit({ type: "page_flag", pfn, flag: name.toLowerCase(), set: true });
    },
    clear: (page: Page) => {
      const k = currentKernel(), pfn = pageArg(`ClearPage${name}`, 1, page).pfn;
      k.memmap.clearFlag(pfn, bit);
      if (bit === PG.reserved) k.fixSites.reserved(pfn, false);
      k.events.emit({ type: "page_flag", pfn, flag: name.toLowerCase(), set: false });
    },
  };
}

const reserved = flagOps("Reserved", PG.reserved);
/**
 * ```c
 * int PageReserved(const struct page *page); void SetPageReserved(struct page *page); void ClearPageReserved(struct page *page)
 * ```
 * PG_reserved: a page the page allocator must leave alone. RAM a driver maps to user space with remap_pfn_range() must be SetPageReserved() for as long as it can be mapped, and ClearPageReserved() again before it is freed.
 *
 * Rules: MM001 (remap_pfn_range of unreserved RAM); PG002 (reserved page freed).
 */
export const PageReserved = reserved.test, /** `void SetPageReserved(struct page *page)` — Marks the page PG_reserved: required before remap_pfn_range() of ordinary RAM; clear it again before freeing the page. Rules: MM001 (remap_pfn_range of unreserved RAM); PG002 (reserved page freed). */ SetPageReserved = reserved.set, /** `void ClearPageReserved(struct page *page)` — Clears PG_reserved; do it before the page goes back to the allocator, or the free is a bad page. Rules: PG002 (reserved page freed). */ ClearPageReserved = reserved.clear;
const dirty = flagOps("Dirty", PG.dirty);
/**
 * ```c
 * int PageDirty(const struct page *page); void SetPageDirty(struct page *page); void ClearPageDirty(struct page *page)
 * ```
 * PG_dirty. Pages the device wrote (through get_user_pages()) must be marked dirty before release: use set_page_dirty_lock() rather than SetPageDirty() for file-backed pages.
 *
 * Rules: PG007 (get_user_pages misuse).
 */
export const PageDirty = dirty.test, /** `void SetPageDirty(struct page *page)` — Sets PG_dirty directly. For user pages from get_user_pages(), set_page_dirty_lock() is the right call. Rules: PG007 (get_user_pages misuse). */ SetPageDirty = dirty.set, /** `void ClearPageDirty(struct page *page)` — Clears PG_dirty. */ ClearPageDirty = dirty.clear;
const locked = flagOps("Locked", PG.locked);
/**
 * ```c
 * int PageLocked(const struct page *page)
 * ```
 * PG_locked: the page is locked (lock_page()/trylock_page()).
 */
export const PageLocked = locked.test;
const slab = flagOps("Slab", PG.slab);
/**
 * ```c
 * int PageSlab(const struct page *page)
 * ```
 * PG_slab: the page belongs to the slab allocator (kmalloc memory).
 *
 * Rules: MEM004 (allocator mismatch).
 */
export const PageSlab = slab.test;

/**
 * ```c
 * int PageHighMem(const struct page *page)
 * ```
 * True for a high-memory page: it has no permanent kernel address, so page_address() is NULL until kmap().
 *
 * Rules: PG006 (logical address of a highmem page).
 */
export function PageHighMem(page: Page): boolean {
  return currentKernel().highmem.isHighmem(pageArg("PageHighMem", 1, page).pfn);
}

/**
 * ```c
 * bool trylock_page(struct page *page)
 * ```
 * trylock_page(): true when the lock was taken.
 */
export function trylock_page(page: Page): boolean {
  if (PageLocked(page)) return false;
  currentKernel().memmap.setFlag(page.pfn, PG.locked);
  return true;
}

/**
 * ```c
 * void unlock_page(struct page *page)
 * ```
 * Releases PG_locked taken by trylock_page() or lock_page().
 */
export function unlock_page(page: Page): void {
  locked.clear(page);
}

// vm_map_pages(), the _fast GUP variants and page_offset().
export * from "./mm_map";
